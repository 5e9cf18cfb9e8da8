import type { Kysely } from 'kysely';
import type { SecretBox } from '../crypto/sealed.ts';
import type { OpenIdSubject } from '../domain/openid.ts';
import type { Database } from './schema.ts';

/** A key as `tessera keys list` shows it. */
export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  createdAt: number;
  retiredAt: number | null;
  publishedUntil: number | null;
}

export interface NewSigningKey {
  kid: string;
  algorithm: string;
  publicJwk: Record<string, unknown>;
  privateKeyPem: string;
}

/**
 * Sign in with Slack: the signing keys every process shares (private halves sealed with the server key), the
 * members that ID tokens describe, and what a member has already granted an app.
 */
export class OpenIdRepository {
  readonly #db: Kysely<Database>;
  readonly #box: SecretBox;

  constructor(db: Kysely<Database>, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  /** The key that signs now: the newest not retired. */
  async activeSigningKey(): Promise<{ kid: string; algorithm: string; privateKeyPem: string } | null> {
    const row = await this.#db
      .selectFrom('signing_keys')
      .select(['kid', 'algorithm', 'private_sealed'])
      .where('retired_at', 'is', null)
      .where('private_sealed', 'is not', null)
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .executeTakeFirst();
    if (!row || row.private_sealed === null) return null;
    return { kid: row.kid, algorithm: row.algorithm, privateKeyPem: this.#box.open(row.private_sealed) };
  }

  /** The public keys of the JWKS: every key not retired, and retired ones until their ID tokens have expired. */
  async publishedKeys(now: number): Promise<Array<Record<string, unknown>>> {
    const rows = await this.#db
      .selectFrom('signing_keys')
      .select('public_jwk')
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('published_until', '>', now)]))
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
    return rows.map((r) => JSON.parse(r.public_jwk) as Record<string, unknown>);
  }

  async signingKeys(): Promise<SigningKeyRecord[]> {
    const rows = await this.#db.selectFrom('signing_keys').select(['kid', 'algorithm', 'created_at', 'retired_at', 'published_until']).orderBy('created_at', 'desc').orderBy('kid', 'desc').execute();
    return rows.map((r) => ({
      kid: r.kid,
      algorithm: r.algorithm,
      createdAt: Number(r.created_at),
      retiredAt: r.retired_at === null ? null : Number(r.retired_at),
      publishedUntil: r.published_until === null ? null : Number(r.published_until),
    }));
  }

  /**
   * Adds a key. With `retireOthers`, every key signing until now retires in the same transaction and forgets its
   * private half, staying published for `publishedForMs`. Without it (the first start), the key is added only
   * when none signs yet; racing first starts may each add one, and both are then published and valid.
   */
  async addSigningKey(key: NewSigningKey, now: number, retireOthers: { publishedForMs: number } | null): Promise<{ added: boolean; retired: string[] }> {
    return this.#db.transaction().execute(async (trx) => {
      let retired: string[] = [];
      if (retireOthers === null) {
        const active = await trx.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).executeTakeFirst();
        if (active) return { added: false, retired };
      } else {
        retired = (await trx.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).execute()).map((r) => r.kid);
        await trx
          .updateTable('signing_keys')
          .set({ retired_at: now, published_until: now + retireOthers.publishedForMs, private_sealed: null })
          .where('retired_at', 'is', null)
          .execute();
      }
      await trx
        .insertInto('signing_keys')
        .values({ kid: key.kid, algorithm: key.algorithm, public_jwk: JSON.stringify(key.publicJwk), private_sealed: this.#box.seal(key.privateKeyPem), created_at: now, retired_at: null, published_until: null })
        .execute();
      return { added: true, retired };
    });
  }

  /** The member an ID token or userInfo describes; null for an unknown member or a bot user. */
  async subject(userId: string): Promise<OpenIdSubject | null> {
    const row = await this.#db
      .selectFrom('users as u')
      .innerJoin('teams as t', 't.id', 'u.team_id')
      .leftJoin('enterprises as e', 'e.id', 't.enterprise_id')
      .select(['u.id', 'u.real_name', 'u.email', 'u.is_bot', 't.id as team_id', 't.name as team_name', 't.domain as team_domain', 'e.id as enterprise_id', 'e.name as enterprise_name', 'e.domain as enterprise_domain'])
      .where('u.id', '=', userId)
      .executeTakeFirst();
    if (!row || row.is_bot === 1) return null;
    return {
      userId: row.id,
      realName: row.real_name,
      email: row.email,
      teamId: row.team_id,
      teamName: row.team_name,
      teamDomain: row.team_domain,
      enterpriseId: row.enterprise_id,
      enterpriseName: row.enterprise_name,
      enterpriseDomain: row.enterprise_domain,
    };
  }

  /** The scopes a member has granted an app by signing in with Slack, while that grant lives; none otherwise. */
  async grantedScopes(appId: string, teamId: string, userId: string): Promise<string[]> {
    const row = await this.#db
      .selectFrom('authorizations as a')
      .innerJoin('installations as i', 'i.id', 'a.installation_id')
      .select('a.scopes')
      .where('a.app_id', '=', appId)
      .where('a.team_id', '=', teamId)
      .where('a.user_id', '=', userId)
      .where('a.kind', '=', 'openid')
      .where('a.revoked_at', 'is', null)
      .where('i.uninstalled_at', 'is', null)
      .executeTakeFirst();
    return row?.scopes ? row.scopes.split(',') : [];
  }

  /**
   * Whose Sign in with Slack grant a refresh token belongs to, read before the refresh (which then checks
   * everything again in its own transaction); null when it is not such a grant's token.
   */
  async refreshSubject(refreshDigest: string): Promise<{ userId: string; appId: string } | null> {
    const row = await this.#db
      .selectFrom('tokens as t')
      .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
      .select(['t.kind', 'a.kind as authorization_kind', 'a.user_id', 'a.app_id'])
      .where('t.digest', '=', refreshDigest)
      .executeTakeFirst();
    if (!row || row.kind !== 'refresh' || row.authorization_kind !== 'openid' || row.user_id === null || row.app_id === null) return null;
    return { userId: row.user_id, appId: row.app_id };
  }
}
