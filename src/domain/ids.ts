import { randomBytes } from 'node:crypto';

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Slack-style ids: a letter for the kind of object and 10 upper-case base-36 characters, e.g. `T0A1B2C3D4E`.
 * T team, E enterprise, U user, B bot, A app, C channel (G private), I installation, Z authorization.
 */
export type IdKind = 'T' | 'E' | 'U' | 'B' | 'A' | 'C' | 'G' | 'I' | 'Z' | 'F';

export function newId(kind: IdKind, length = 10): string {
  const bytes = randomBytes(length);
  let out: string = kind;
  for (let i = 0; i < length; i++) out += BASE36[bytes[i]! % 36];
  return out;
}

export function isSlackId(value: string, kinds: string): boolean {
  return value.length >= 3 && value.length <= 24 && kinds.includes(value[0]!) && /^[A-Z][A-Z0-9]+$/.test(value);
}
