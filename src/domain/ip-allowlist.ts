/**
 * IPv4 allowlists (slack-compat.md §3): up to 10 ranges in CIDR notation, a bare address meaning /32. An empty list
 * allows every address.
 */
export const MAX_ALLOWLIST_RANGES = 10;

export interface Ipv4Range {
  base: number;
  mask: number;
}

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value >>> 0;
}

/** The range, or an error message naming what is wrong with it. */
export function parseRange(text: string): Ipv4Range | string {
  const [address, bits, extra] = text.split('/');
  if (extra !== undefined || address === undefined) return 'not an IPv4 address or CIDR range';
  const base = parseIpv4(address);
  if (base === null) return 'not an IPv4 address or CIDR range';
  let prefix = 32;
  if (bits !== undefined) {
    if (!/^(0|[1-9][0-9]?)$/.test(bits) || Number(bits) > 32) return 'prefix length must be 0 to 32';
    prefix = Number(bits);
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

/** Client addresses arrive as `::ffff:1.2.3.4` on dual-stack sockets; anything not IPv4 matches no range. */
export function normaliseAddress(address: string): number | null {
  if (address === '::1') return parseIpv4('127.0.0.1'); // loopback over IPv6 is still this machine
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return parseIpv4(v4);
}

export function allowed(ranges: readonly Ipv4Range[], address: string): boolean {
  if (ranges.length === 0) return true;
  const ip = normaliseAddress(address);
  if (ip === null) return false;
  return ranges.some((r) => ((ip & r.mask) >>> 0) === r.base);
}
