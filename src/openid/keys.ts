import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, SignJWT, type CryptoKey } from 'jose';
import { RETIRED_KEY_PUBLISHED_SECONDS, SIGNING_ALGORITHM } from '../domain/openid.ts';
import type { Store } from '../store/index.ts';
import type { NewSigningKey } from '../store/openid.ts';

/**
 * The keys ID tokens are signed with. They live in the store, so every process on one database signs with the
 * same key and publishes the same JWKS; a rotation (`tessera keys rotate`) is seen by all at their next signature.
 */

async function generateSigningKey(): Promise<NewSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, algorithm: SIGNING_ALGORITHM, publicJwk: { ...jwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' }, privateKeyPem: await exportPKCS8(privateKey) };
}

/** A first start makes the key; later starts, and other processes, find it. */
export async function ensureSigningKey(store: Store, now: number): Promise<void> {
  if ((await store.openid.activeSigningKey()) !== null) return;
  await store.openid.addSigningKey(await generateSigningKey(), now, null);
}

/** A new key signs from now on; the old ones stay published until every ID token they signed has expired. */
export async function rotateSigningKey(store: Store, now: number): Promise<{ kid: string; retired: Array<{ kid: string; publishedUntil: number }> }> {
  const key = await generateSigningKey();
  const publishedForMs = RETIRED_KEY_PUBLISHED_SECONDS * 1000;
  const { retired } = await store.openid.addSigningKey(key, now, { publishedForMs });
  return { kid: key.kid, retired: retired.map((kid) => ({ kid, publishedUntil: now + publishedForMs })) };
}

export async function publishedKeys(store: Store, now: number): Promise<{ keys: Array<Record<string, unknown>> }> {
  return { keys: await store.openid.publishedKeys(now) };
}

// Imported keys by kid (a thumbprint of the public key, so one kid is always the same key pair, whatever the store).
const imported = new Map<string, CryptoKey>();

/** Signs with whichever key is active now; claims carry their own iat and exp, from the server's clock. */
export interface IdTokenSigner {
  sign(claims: Record<string, unknown>): Promise<string>;
}

/**
 * Reads the active key once, for a signature that must happen where the store may not be used (inside a
 * refresh's transaction).
 */
export async function idTokenSigner(store: Store, now: number): Promise<IdTokenSigner> {
  let active = await store.openid.activeSigningKey();
  if (active === null) {
    await ensureSigningKey(store, now);
    active = await store.openid.activeSigningKey();
    if (active === null) throw new Error('no signing key');
  }
  let key = imported.get(active.kid);
  if (key === undefined) {
    key = await importPKCS8(active.privateKeyPem, active.algorithm);
    if (imported.size >= 64) imported.delete(imported.keys().next().value!);
    imported.set(active.kid, key);
  }
  const { kid, algorithm } = active;
  const privateKey = key;
  return { sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: algorithm, kid, typ: 'JWT' }).sign(privateKey) };
}
