import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { isBase62, randomBase62, toBase62 } from './base62.ts';
import { pooledRandomBytes } from '../crypto/random.ts';

/**
 * Token strings (slack-compat.md §1). Each family is a prefix and a list of segments; the last segment is the
 * secret followed by a 6-character checksum of everything before it, so a mistyped or forged string is refused
 * before any database read.
 */
export type TokenFamily =
  | 'bot' // xoxb-{team#}-{bot#}-{secret}
  | 'user' // xoxp-{team#}-{user#}-{install#}-{secret}
  | 'rotating_bot' // xoxe.xoxb-1-{team#}-{bot#}-{secret}
  | 'rotating_user' // xoxe.xoxp-1-{team#}-{user#}-{install#}-{secret}
  | 'refresh' // xoxe-1-{team#}-{secret}
  | 'app' // xapp-1-{app id}-{number}-{secret}
  | 'workspace' // xoxa-2-{team#}-{install#}-{secret}
  | 'workspace_refresh'; // xoxr-{team#}-{install#}-{secret}

type Segment = 'number' | 'id';

const FAMILIES: ReadonlyArray<{ family: TokenFamily; prefix: string; segments: readonly Segment[] }> = [
  // Longest prefixes first: "xoxe.xoxb-1-" must not be read as something shorter.
  { family: 'rotating_bot', prefix: 'xoxe.xoxb-1-', segments: ['number', 'number'] },
  { family: 'rotating_user', prefix: 'xoxe.xoxp-1-', segments: ['number', 'number', 'number'] },
  { family: 'refresh', prefix: 'xoxe-1-', segments: ['number'] },
  { family: 'app', prefix: 'xapp-1-', segments: ['id', 'number'] },
  { family: 'workspace', prefix: 'xoxa-2-', segments: ['number', 'number'] },
  { family: 'workspace_refresh', prefix: 'xoxr-', segments: ['number', 'number'] },
  { family: 'bot', prefix: 'xoxb-', segments: ['number', 'number'] },
  { family: 'user', prefix: 'xoxp-', segments: ['number', 'number', 'number'] },
];

export const CHECKSUM_LENGTH = 6;
/** 26 base-62 characters: 154 bits from the CSPRNG, above the 128 the spec asks for. */
export const SECRET_LENGTH = 26;
const MIN_SECRET_LENGTH = 16;
export const MAX_TOKEN_LENGTH = 255;

export function checksum(body: string): string {
  return toBase62(crc32(body), CHECKSUM_LENGTH);
}

export function mintToken(family: TokenFamily, segments: readonly (string | number | bigint)[]): string {
  const spec = FAMILIES.find((f) => f.family === family)!;
  if (segments.length !== spec.segments.length) throw new Error(`${family} takes ${spec.segments.length} segments`);
  const body = spec.prefix + segments.map(String).join('-') + '-' + randomBase62(SECRET_LENGTH, pooledRandomBytes);
  return body + checksum(body);
}

/** The family of a well-formed token with a valid checksum, or null: the caller answers `invalid_auth`. */
export function parseToken(token: string): TokenFamily | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  let spec: (typeof FAMILIES)[number] | undefined;
  for (const f of FAMILIES) {
    if (token.startsWith(f.prefix)) {
      spec = f;
      break;
    }
  }
  if (!spec) return null;
  const parts = token.slice(spec.prefix.length).split('-');
  if (parts.length !== spec.segments.length + 1) return null;
  for (let i = 0; i < spec.segments.length; i++) {
    const part = parts[i]!;
    const ok = spec.segments[i] === 'number' ? /^[0-9]{1,24}$/.test(part) : /^[A-Z0-9]{2,24}$/.test(part);
    if (!ok) return null;
  }
  const last = parts[parts.length - 1]!;
  if (last.length < MIN_SECRET_LENGTH + CHECKSUM_LENGTH || !isBase62(last)) return null;
  const body = token.slice(0, token.length - CHECKSUM_LENGTH);
  return checksum(body) === token.slice(-CHECKSUM_LENGTH) ? spec.family : null;
}

/** The only form in which a token is stored: SHA-256, base64url. */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'base64url');
}

/** What the console may show of a token after issue: its prefix and the checksum, never the secret. */
export function tokenHint(token: string): string {
  const prefixEnd = token.indexOf('-', token.startsWith('xoxe.') ? 10 : 0);
  return `${token.slice(0, prefixEnd + 1)}…${token.slice(-CHECKSUM_LENGTH)}`;
}

/** The numeric form of a Slack id used inside token strings (`T0ACME0001` → base 36 of `0ACME0001`). */
export function idNumber(id: string): string {
  let n = 0n;
  for (const c of id.slice(1).toUpperCase()) {
    const d = Number.parseInt(c, 36);
    if (Number.isNaN(d)) continue;
    n = n * 36n + BigInt(d);
  }
  return n.toString();
}
