import { hash } from 'node:crypto';

/** RFC 7636 with S256 only: "plain" gives no protection once the challenge has been seen. */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

export function isValidPkceValue(value: string): boolean {
  return PKCE_VALUE.test(value);
}

export function s256(verifier: string): string {
  return hash('sha256', verifier, 'base64url');
}

/** Compares the digest of the verifier with the challenge; both are public-length base64url strings. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!PKCE_VALUE.test(verifier)) return false;
  const actual = s256(verifier);
  if (actual.length !== challenge.length) return false;
  let diff = 0;
  for (let i = 0; i < actual.length; i++) diff |= actual.charCodeAt(i) ^ challenge.charCodeAt(i);
  return diff === 0;
}
