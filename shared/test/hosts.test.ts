import * as node from '../src/contracts/hosts';
import * as browser from '../src/contracts/hosts.browser';

// The web app checks addresses and domain names with hosts.browser.ts; the server with Node's parsers.
describe('the page and the server agree on what is an IP address and a domain name', () => {
  it.each(['1.2.3.4', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '::1', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1', '2001:db8:::1', 'gggg::1', '', 'example.vn', '1.2.3.4 '])(
    'ipVersion(%j)',
    (value) => expect(browser.ipVersion(value)).toBe(node.ipVersion(value)),
  );
  it.each(['congthongtin.hanoi.gov.vn', 'bộcôngan.vn', 'BỘ-CÔNG-AN.VN', 'xn--bcngan-2ua3840c.vn', 'a..b', 'a b.vn', 'a/b.vn', 'user@host.vn', '', 'localhost', 'a_b.vn', 'a:80.vn', 'a%41.vn', 'a?b.vn', '[::1]'])(
    'asciiDomain(%j)',
    (value) => expect(browser.asciiDomain(value)).toBe(node.asciiDomain(value)),
  );
});
