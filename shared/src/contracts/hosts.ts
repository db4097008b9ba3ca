import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

// The host checks of the report's contract, by Node's own parsers. The web app builds with
// hosts.browser.ts in this file's place (services/board/web/vite.config.mts): same answers, no Node module.

/** 4 or 6 for an IPv4 or IPv6 address, 0 otherwise. */
export const ipVersion = (value: string): number => isIP(value);

/** A domain name in ASCII (punycode for Vietnamese names), '' when it is not one. */
export const asciiDomain = (value: string): string => domainToASCII(value);
