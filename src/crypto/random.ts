import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * CSPRNG bytes from a pool refilled 8 KiB at a time, as Node's randomUUID does: one call into OpenSSL per
 * hundred tokens instead of one per token. The caller must not keep the view past its next call.
 */
export function pooledRandomBytes(n: number): Uint8Array {
  if (n > POOL_SIZE) return randomFillSync(Buffer.alloc(n));
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const view = pool.subarray(offset, offset + n);
  offset += n;
  return view;
}
