import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { secretDigest } from '../crypto/passwords.ts';
import { randomBase62 } from '../domain/base62.ts';
import type { SecretBox } from '../crypto/sealed.ts';
import type { AppTable, Database } from './schema.ts';

export interface AppRecord {
  id: string;
  name: string;
  team_id: string;
  client_id: string;
  client_secret_digest: string;
  previous_client_secret_digest: string | null;
  previous_client_secret_expires_at: number | null;
  redirect_urls: string[];
  bot_scopes: string[];
  user_scopes: string[];
  classic: boolean;
  workspace_app: boolean;
  distributed: boolean;
  token_rotation: boolean;
  socket_mode: boolean;
  request_url: string | null;
  ip_allowlist: string[];
  token_lifetime_seconds: number;
  created_at: number;
}

const list = (text: string): string[] => (text ? text.split(',') : []);

export function toAppRecord(row: AppTable): AppRecord {
  return {
    id: row.id,
    name: row.name,
    team_id: row.team_id,
    client_id: row.client_id,
    client_secret_digest: row.client_secret_digest,
    previous_client_secret_digest: row.previous_client_secret_digest,
    previous_client_secret_expires_at: row.previous_client_secret_expires_at === null ? null : Number(row.previous_client_secret_expires_at),
    redirect_urls: JSON.parse(row.redirect_urls) as string[],
    bot_scopes: list(row.bot_scopes),
    user_scopes: list(row.user_scopes),
    classic: row.classic === 1,
    workspace_app: row.workspace_app === 1,
    distributed: row.distributed === 1,
    token_rotation: row.token_rotation === 1,
    socket_mode: row.socket_mode === 1,
    request_url: row.request_url,
    ip_allowlist: JSON.parse(row.ip_allowlist) as string[],
    token_lifetime_seconds: Number(row.token_lifetime_seconds),
    created_at: Number(row.created_at),
  };
}

/** Apps: their settings and credentials (secrets as digests, signing secrets sealed). */
export class AppRepository {
  readonly #db: Kysely<Database>;
  readonly #box: SecretBox;

  constructor(db: Kysely<Database>, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  async byClientId(clientId: string): Promise<AppRecord | null> {
    const row = await this.#db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row ? toAppRecord(row) : null;
  }

  async byId(id: string): Promise<AppRecord | null> {
    const row = await this.#db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAppRecord(row) : null;
  }

  async verificationToken(appId: string): Promise<string | null> {
    const row = await this.#db.selectFrom('apps').select('verification_token_sealed').where('id', '=', appId).executeTakeFirst();
    return row ? this.#box.open(row.verification_token_sealed) : null;
  }

  async signingSecret(appId: string): Promise<string | null> {
    const row = await this.#db.selectFrom('apps').select('signing_secret_sealed').where('id', '=', appId).executeTakeFirst();
    return row ? this.#box.open(row.signing_secret_sealed) : null;
  }

  /** A new client secret; the old one keeps working for `graceMs` (24 hours), so running apps can switch over. */
  async regenerateClientSecret(appId: string, now: number, graceMs: number): Promise<string | null> {
    const secret = randomBytes(16).toString('hex');
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('apps').select('client_secret_digest').where('id', '=', appId).executeTakeFirst();
      if (!row) return null;
      await trx
        .updateTable('apps')
        .set({ client_secret_digest: secretDigest(secret), previous_client_secret_digest: row.client_secret_digest, previous_client_secret_expires_at: now + graceMs })
        .where('id', '=', appId)
        .execute();
      return secret;
    });
  }

  /** A new signing secret, in force at once: Slack keeps no overlap for it. */
  async regenerateSigningSecret(appId: string): Promise<string | null> {
    const secret = randomBytes(16).toString('hex');
    const r = await this.#db.updateTable('apps').set({ signing_secret_sealed: this.#box.seal(secret) }).where('id', '=', appId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? secret : null;
  }

  async regenerateVerificationToken(appId: string): Promise<string | null> {
    const token = randomBase62(24, randomBytes);
    const r = await this.#db.updateTable('apps').set({ verification_token_sealed: this.#box.seal(token) }).where('id', '=', appId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? token : null;
  }

  /** Sets (or, with null, clears) the Request URL; the caller has verified it already. */
  async setRequestUrl(appId: string, url: string | null): Promise<boolean> {
    const r = await this.#db.updateTable('apps').set({ request_url: url }).where('id', '=', appId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setSocketMode(appId: string, on: boolean): Promise<boolean> {
    const r = await this.#db.updateTable('apps').set({ socket_mode: on ? 1 : 0 }).where('id', '=', appId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
