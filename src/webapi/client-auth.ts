import { digestsEqual, secretDigest } from '../crypto/passwords.ts';
import { SlackError } from '../domain/errors.ts';
import type { AppRecord } from '../store/apps.ts';
import type { Services } from './services.ts';

export const CLIENT_ARGS = {
  client_id: { type: 'string', maxLength: 128 },
  client_secret: { type: 'string', maxLength: 256 },
} as const;

/** Client credentials from HTTP Basic (RFC 6749 §2.3.1) or from the arguments; both, when they differ, is refused. */
function credentials(args: { client_id?: string; client_secret?: string }, basic: string | undefined): { id?: string; secret?: string } {
  if (basic === undefined || !/^Basic /i.test(basic)) return { id: args.client_id, secret: args.client_secret };
  let decoded: string;
  try {
    decoded = Buffer.from(basic.slice(6).trim(), 'base64').toString('utf8');
  } catch {
    throw new SlackError('invalid_client_id');
  }
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new SlackError('invalid_client_id');
  let id: string;
  let secret: string;
  try {
    id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
  } catch {
    throw new SlackError('invalid_client_id');
  }
  if (args.client_id !== undefined && args.client_id !== id) throw new SlackError('invalid_client_id');
  if (args.client_secret !== undefined && args.client_secret !== secret) throw new SlackError('bad_client_secret');
  return { id, secret };
}

/**
 * The app whose client credentials these are: `invalid_client_id` for an unknown client, `bad_client_secret`
 * for a wrong secret (compared as digests in constant time; a regenerated secret's predecessor still counts
 * until it expires).
 */
export async function authenticateClient(services: Services, args: { client_id?: string; client_secret?: string }, basic: string | undefined): Promise<AppRecord> {
  const { id, secret } = credentials(args, basic);
  if (!id) throw new SlackError('invalid_client_id');
  const app = await services.store.apps.byClientId(id);
  if (!app) throw new SlackError('invalid_client_id');
  if (!secret) throw new SlackError('bad_client_secret');
  const digest = secretDigest(secret);
  const current = digestsEqual(digest, app.client_secret_digest);
  const previous =
    app.previous_client_secret_digest !== null &&
    app.previous_client_secret_expires_at !== null &&
    app.previous_client_secret_expires_at > services.clock.now() &&
    digestsEqual(digest, app.previous_client_secret_digest);
  if (!current && !previous) {
    services.audit({ event: 'client_secret_failed', app: app.id });
    throw new SlackError('bad_client_secret');
  }
  return app;
}
