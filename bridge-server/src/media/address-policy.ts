import { isIPv4, isIPv6, type LookupFunction } from 'node:net';

/**
 * Which IP addresses the bridge may connect to for a URL a caller gave it (`media.url`, wallet-event webhooks): public
 * unicast only. Everything else is somewhere the bridge's caller
 * should not be able to point it (SSRF): the bridge's own host, its private network, a cloud metadata service
 * (169.254.169.254), multicast. Ranges from the IANA special-purpose registries (RFC 6890 and successors).
 *
 * IPv6 addresses that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, the NAT64 prefix 64:ff9b::/96, 6to4
 * 2002::/16, the deprecated IPv4-compatible ::a.b.c.d) are judged by the IPv4 address they lead to.
 */

interface Range {
  /** Address bytes of the prefix. */
  prefix: number[];
  bits: number;
  reason: string;
}

const v4 = (text: string, bits: number, reason: string): Range => ({ prefix: text.split('.').map(Number), bits, reason });

const ipv4Ranges: readonly Range[] = [
  v4('0.0.0.0', 8, 'a "this network" address'),
  v4('10.0.0.0', 8, 'a private address'),
  v4('100.64.0.0', 10, 'a shared (carrier-grade NAT) address'),
  v4('127.0.0.0', 8, 'a loopback address'),
  v4('169.254.0.0', 16, 'a link-local address'),
  v4('172.16.0.0', 12, 'a private address'),
  v4('192.0.0.0', 24, 'an IETF protocol address'),
  v4('192.0.2.0', 24, 'a documentation address'),
  v4('192.168.0.0', 16, 'a private address'),
  v4('198.18.0.0', 15, 'a benchmarking address'),
  v4('198.51.100.0', 24, 'a documentation address'),
  v4('203.0.113.0', 24, 'a documentation address'),
  v4('224.0.0.0', 4, 'a multicast address'),
  v4('240.0.0.0', 4, 'a reserved address'),
];

const v6 = (text: string, bits: number, reason: string): Range => ({ prefix: [...ipv6Bytes(text)!], bits, reason });

const ipv6Ranges: readonly Range[] = [
  v6('::', 128, 'the unspecified address'),
  v6('::1', 128, 'a loopback address'),
  v6('100::', 64, 'a discard-only address'),
  v6('2001:db8::', 32, 'a documentation address'),
  v6('fc00::', 7, 'a unique-local address'),
  v6('fe80::', 10, 'a link-local address'),
  v6('fec0::', 10, 'a site-local address'),
  v6('ff00::', 8, 'a multicast address'),
];

function inRange(bytes: readonly number[], range: Range): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const bitsHere = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - bitsHere)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((range.prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

/** The 16 bytes of an IPv6 address in any textual form (`::`, embedded dotted IPv4); undefined if not one. */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  if (!isIPv6(text)) return undefined;
  let groups = text.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (dotted !== null) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    groups = `${groups.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = groups.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  const all = [...headGroups, ...zeros, ...tailGroups];
  const bytes = new Uint8Array(16);
  all.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The IPv4 address an IPv6 address stands for, when it carries one. */
function embeddedIpv4(bytes: Uint8Array): number[] | undefined {
  const startsWith = (prefix: number[]) => prefix.every((value, index) => bytes[index] === value);
  const zeros = (count: number) => Array<number>(count).fill(0);
  // ::ffff:a.b.c.d (IPv4-mapped), 64:ff9b::a.b.c.d (NAT64), ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291).
  if (startsWith([...zeros(10), 0xff, 0xff]) || startsWith([0x00, 0x64, 0xff, 0x9b, ...zeros(8)]) || startsWith(zeros(12))) {
    return [...bytes.subarray(12)];
  }
  // 2002:aabb:ccdd::/48 (6to4) routes to a.b.c.d.
  if (startsWith([0x20, 0x02])) return [...bytes.subarray(2, 6)];
  return undefined;
}

/**
 * Why the bridge must not connect to `address` ("a loopback address"…), or undefined for a public address. Anything
 * that is not an IP address is refused too: callers pass what DNS resolution or the URL gave.
 */
export function nonPublicAddressReason(address: string): string | undefined {
  if (isIPv4(address)) {
    const bytes = address.split('.').map(Number);
    return ipv4Ranges.find((range) => inRange(bytes, range))?.reason;
  }
  const bytes = ipv6Bytes(address);
  if (bytes === undefined) return 'not an IP address';
  // :: and ::1 first: they are themselves, not the IPv4 addresses 0.0.0.0 and 0.0.0.1 they look like.
  const own = ipv6Ranges.find((range) => inRange([...bytes], range))?.reason;
  if (own !== undefined) return own;
  const carried = embeddedIpv4(bytes);
  if (carried === undefined) return undefined;
  const reason = ipv4Ranges.find((range) => inRange(carried, range))?.reason;
  return reason === undefined ? undefined : `${reason} (inside an IPv6 address)`;
}

/** An address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** `[::1]` → `::1`: URL keeps IPv6 literals in brackets. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * A lookup that answers only the addresses already checked, whatever DNS would say now: a connection goes where the
 * check said it may (no DNS rebinding between the two).
 */
export function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted =
      options.family === 4 || options.family === 6 ? addresses.filter((entry) => entry.family === options.family) : addresses;
    const usable = wanted.length > 0 ? wanted : addresses;
    if (options.all) {
      (callback as (error: null, addresses: ResolvedAddress[]) => void)(null, usable);
    } else {
      callback(null, usable[0]!.address, usable[0]!.family);
    }
  };
}
