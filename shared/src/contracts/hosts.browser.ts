// hosts.ts for the browser (the web app's build puts this file in its place): the checks by the
// WHATWG URL parser that browsers and Node share, with the answers of Node's isIP and domainToASCII
// (shared/test/hosts.test.ts holds both to the same examples). The server re-checks with Node's.

const octet = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ipv4 = new RegExp(`^${octet}(\\.${octet}){3}$`);

/** 4 or 6 for an IPv4 or IPv6 address, 0 otherwise. */
export function ipVersion(value: string): number {
  if (ipv4.test(value)) return 4;
  if (!value.includes(':') || !/^[0-9a-fA-F:.]+$/.test(value)) return 0;
  try {
    new URL(`http://[${value}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/** A domain name in ASCII (punycode for Vietnamese names), '' when it is not one. */
export function asciiDomain(value: string): string {
  // Node's parser takes the host part as a URL would, but without credentials or a port
  if (value.includes('@') || (value.includes(':') && !value.startsWith('['))) return '';
  try {
    return new URL(`http://${value}/`).hostname;
  } catch {
    return '';
  }
}
