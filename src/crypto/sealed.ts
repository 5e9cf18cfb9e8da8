import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Secrets that Tessera must be able to read back (signing secrets, verification tokens, OIDC private keys) are
 * sealed with AES-256-GCM under the server key; a database dump alone reveals none of them.
 */
export class SecretBox {
  readonly #key: Buffer;
  /** The same key as a KeyObject, made once: building one per cipher was a measurable share of a refresh. */
  readonly #keyObject: KeyObject;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
    this.#key = key;
    this.#keyObject = createSecretKey(key);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keyObject, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return 'v1.' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** A keyed digest for one purpose (CSRF tokens, for example): unforgeable without the server key. */
  mac(purpose: string, value: string): string {
    return createHmac('sha256', this.#key).update(purpose).update('\0').update(value).digest('base64url');
  }

  open(sealed: string): string {
    if (!sealed.startsWith('v1.')) throw new Error('not a sealed value');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#keyObject, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/**
 * The server key: from TESSERA_SECRET_KEY (any string; hashed to 32 bytes), else from a key file made on first
 * start with mode 0600. Several processes sharing one database must share the key.
 */
export function loadSecretKey(options: { secret: string | undefined; keyFile: string | null }): Buffer {
  if (options.secret) return createHash('sha256').update(options.secret).digest();
  if (options.keyFile === null) return randomBytes(32); // an in-memory database: nothing outlives the process
  if (existsSync(options.keyFile)) {
    const key = Buffer.from(readFileSync(options.keyFile, 'utf8').trim(), 'base64url');
    if (key.length !== 32) throw new Error(`the key file ${options.keyFile} does not hold a 32-byte key`);
    return key;
  }
  mkdirSync(dirname(options.keyFile), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(options.keyFile, key.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(options.keyFile, 0o600);
  return key;
}
