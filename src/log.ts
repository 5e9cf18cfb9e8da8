import pino, { type Logger } from 'pino';

/**
 * Structured logs, with every field that could hold a secret redacted wherever it appears. Tessera logs no
 * request bodies and no per-request lines, so secrets have few ways in; the redaction is the second lock.
 */
export const REDACTED_KEYS = [
  'token',
  'access_token',
  'refresh_token',
  'bot_access_token',
  'client_secret',
  'signing_secret',
  'verification_token',
  'password',
  'code',
  'code_verifier',
  'authorization',
  'cookie',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`]);
  return pino(
    { level, base: { service: 'tessera' }, redact: { paths, censor: '[redacted]' } },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

export type { Logger };
