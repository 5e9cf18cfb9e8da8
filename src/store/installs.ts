import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { randomBase62 } from '../domain/base62.ts';
import { newId } from '../domain/ids.ts';
import { idNumber, mintToken, tokenDigest, tokenHint } from '../domain/token-strings.ts';
import type { AppRecord } from './apps.ts';
import { findOrCreateAuthorization, findOrCreateBot, findOrCreateInstallation } from './grants.ts';
import type { EventOutbox } from './events.ts';
import type { Database, Flow } from './schema.ts';

export interface NewCode {
  digest: string;
  flow: Flow;
  appId: string;
  teamId: string;
  userId: string;
  redirectUri: string | null;
  botScopes: readonly string[];
  userScopes: readonly string[];
  codeChallenge: string | null;
  nonce: string | null;
  webhookChannelId: string | null;
  /** Sign in with Slack: when the member signed in. */
  authTime?: number | null;
  now: number;
  ttlMs: number;
}

export interface CodeRecord {
  digest: string;
  flow: Flow;
  appId: string;
  teamId: string;
  userId: string;
  redirectUri: string | null;
  botScopes: string[];
  userScopes: string[];
  codeChallenge: string | null;
  nonce: string | null;
  webhookChannelId: string | null;
  authTime: number | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface IssuedToken {
  token: string;
  scopes: string[];
  /** Set for rotating tokens. */
  expiresAt: number | null;
  refreshToken: string | null;
}

/** What one code exchange issued: the answer of oauth.access / oauth.v2.access is built from it. */
export interface IssuedInstall {
  installationId: string;
  team: { id: string; name: string; domain: string };
  enterprise: { id: string; name: string } | null;
  userId: string;
  /** v2 granular bot. */
  bot: (IssuedToken & { botId: string; botUserId: string }) | null;
  /** v1 classic bot, when `bot` was requested. */
  classicBot: (IssuedToken & { botId: string; botUserId: string }) | null;
  user: IssuedToken | null;
  webhook: { id: string; secret: string; channelId: string; channelName: string } | null;
}

const list = (text: string): string[] => (text ? text.split(',') : []);

/** Authorization codes, and the one transaction that turns a code into an installation and its tokens. */
export class InstallRepository {
  readonly #db: Kysely<Database>;
  readonly #events: EventOutbox;

  constructor(db: Kysely<Database>, events: EventOutbox) {
    this.#events = events;
    this.#db = db;
  }

  async createCode(c: NewCode): Promise<void> {
    await this.#db
      .insertInto('codes')
      .values({
        digest: c.digest,
        flow: c.flow,
        app_id: c.appId,
        team_id: c.teamId,
        user_id: c.userId,
        redirect_uri: c.redirectUri,
        bot_scopes: c.botScopes.join(','),
        user_scopes: c.userScopes.join(','),
        code_challenge: c.codeChallenge,
        nonce: c.nonce,
        webhook_channel_id: c.webhookChannelId,
        created_at: c.now,
        expires_at: c.now + c.ttlMs,
        used_at: null,
        issued: null,
        auth_time: c.authTime ?? null,
      })
      .execute();
  }

  async code(digest: string): Promise<CodeRecord | null> {
    const row = await this.#db.selectFrom('codes').selectAll().where('digest', '=', digest).executeTakeFirst();
    if (!row) return null;
    return {
      digest: row.digest,
      flow: row.flow,
      appId: row.app_id,
      teamId: row.team_id,
      userId: row.user_id,
      redirectUri: row.redirect_uri,
      botScopes: list(row.bot_scopes),
      userScopes: list(row.user_scopes),
      codeChallenge: row.code_challenge,
      nonce: row.nonce,
      webhookChannelId: row.webhook_channel_id,
      authTime: row.auth_time === null ? null : Number(row.auth_time),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      usedAt: row.used_at === null ? null : Number(row.used_at),
    };
  }

  /** On a replayed code: every token its first exchange issued is revoked (RFC 6749 §4.1.2). */
  async revokeIssued(codeDigest: string, now: number): Promise<string[]> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('codes').select('issued').where('digest', '=', codeDigest).executeTakeFirst();
      const issued = row?.issued ? (JSON.parse(row.issued) as { tokens: string[]; webhook: string | null }) : { tokens: [], webhook: null };
      if (issued.tokens.length > 0) await trx.updateTable('tokens').set({ revoked_at: now }).where('digest', 'in', issued.tokens).where('revoked_at', 'is', null).execute();
      if (issued.webhook !== null) await trx.updateTable('incoming_webhooks').set({ removed_at: now }).where('id', '=', issued.webhook).where('removed_at', 'is', null).execute();
      await this.#events.recordRevocations(trx, issued.tokens, now);
      return issued.tokens;
    });
  }

  /**
   * Consumes the code and issues what it grants, in one transaction. The guard `used_at is null` makes a
   * racing second exchange find the code used: it gets null and the caller answers `code_already_used`.
   */
  async exchange(code: CodeRecord, app: AppRecord, now: number): Promise<IssuedInstall | null> {
    return this.#db.transaction().execute(async (trx) => {
      const consumed = await trx.updateTable('codes').set({ used_at: now }).where('digest', '=', code.digest).where('used_at', 'is', null).executeTakeFirst();
      if (Number(consumed.numUpdatedRows) !== 1) return null;

      const team = await trx
        .selectFrom('teams as t')
        .leftJoin('enterprises as e', 'e.id', 't.enterprise_id')
        .select(['t.id', 't.name', 't.domain', 'e.id as enterprise_id', 'e.name as enterprise_name'])
        .where('t.id', '=', code.teamId)
        .executeTakeFirstOrThrow();
      const installationId = await findOrCreateInstallation(trx, app.id, code.teamId, now, code.userId);
      const familyId = newId('F', 16);
      const issued: string[] = [];
      const mint = async (kind: 'bot' | 'classic_bot' | 'user', authorizationId: string, segments: string[]): Promise<IssuedToken> => {
        const rotating = app.token_rotation && kind !== 'classic_bot';
        const family = kind === 'user' ? (rotating ? 'rotating_user' : 'user') : rotating ? 'rotating_bot' : 'bot';
        const token = mintToken(family, segments);
        const expiresAt = rotating ? now + app.token_lifetime_seconds * 1000 : null;
        await insertToken(trx, { token, kind, authorizationId, familyId, now, expiresAt });
        issued.push(tokenDigest(token));
        let refreshToken: string | null = null;
        if (rotating) {
          refreshToken = mintToken('refresh', [idNumber(code.teamId)]);
          await insertToken(trx, { token: refreshToken, kind: 'refresh', authorizationId, familyId, now, expiresAt: null });
          issued.push(tokenDigest(refreshToken));
        }
        return { token, scopes: [], expiresAt, refreshToken };
      };

      const result: IssuedInstall = {
        installationId,
        team: { id: team.id, name: team.name, domain: team.domain },
        enterprise: team.enterprise_id ? { id: team.enterprise_id, name: team.enterprise_name ?? '' } : null,
        userId: code.userId,
        bot: null,
        classicBot: null,
        user: null,
        webhook: null,
      };

      if (code.botScopes.length > 0) {
        const { botId, botUserId } = await findOrCreateBot(trx, app, code.teamId, installationId, now);
        const grant = await findOrCreateAuthorization(trx, { kind: 'bot', app_id: app.id, installation_id: installationId, team_id: code.teamId, user_id: null, bot_id: botId, scopes: code.botScopes, shared: true, now });
        const token = await mint('bot', grant.id, [idNumber(code.teamId), idNumber(botId)]);
        result.bot = { ...token, scopes: grant.scopes, botId, botUserId };
      }
      if (code.flow === 'v1' && code.userScopes.includes('bot')) {
        const { botId, botUserId } = await findOrCreateBot(trx, app, code.teamId, installationId, now);
        const grant = await findOrCreateAuthorization(trx, { kind: 'classic_bot', app_id: app.id, installation_id: installationId, team_id: code.teamId, user_id: null, bot_id: botId, scopes: ['bot'], shared: true, now });
        const token = await mint('classic_bot', grant.id, [idNumber(code.teamId), idNumber(botId)]);
        result.classicBot = { ...token, scopes: grant.scopes, botId, botUserId };
      }
      if (code.userScopes.length > 0) {
        // A sign-in grants the app the member's identity only, never the scopes an install gave their user token.
        const grant = await findOrCreateAuthorization(trx, { kind: code.flow === 'oidc' ? 'openid' : 'user', app_id: app.id, installation_id: installationId, team_id: code.teamId, user_id: code.userId, bot_id: null, scopes: code.userScopes, shared: true, now });
        const token = await mint('user', grant.id, [idNumber(code.teamId), idNumber(code.userId), idNumber(installationId)]);
        result.user = { ...token, scopes: grant.scopes };
      }
      if (code.webhookChannelId !== null) {
        const channel = await trx.selectFrom('channels').select(['id', 'name']).where('id', '=', code.webhookChannelId).where('team_id', '=', code.teamId).executeTakeFirstOrThrow();
        // The webhook posts as the app: through its bot authorization when there is one, else the member's.
        const authorizationId = (await trx.selectFrom('tokens').select('authorization_id').where('digest', '=', issued[0]!).executeTakeFirstOrThrow()).authorization_id;
        const id = newId('B');
        const secret = randomBase62(24, randomBytes);
        await trx
          .insertInto('incoming_webhooks')
          .values({ id, secret_digest: tokenDigest(secret), app_id: app.id, team_id: code.teamId, installation_id: installationId, authorization_id: authorizationId, channel_id: channel.id, created_by: code.userId, created_at: now, removed_at: null })
          .execute();
        result.webhook = { id, secret, channelId: channel.id, channelName: channel.name };
      }
      await trx.updateTable('codes').set({ issued: JSON.stringify({ tokens: issued, webhook: result.webhook?.id ?? null }) }).where('digest', '=', code.digest).execute();
      return result;
    });
  }
}

async function insertToken(
  trx: Transaction<Database>,
  t: { token: string; kind: 'bot' | 'classic_bot' | 'user' | 'refresh'; authorizationId: string; familyId: string; now: number; expiresAt: number | null },
): Promise<void> {
  await trx
    .insertInto('tokens')
    .values({ digest: tokenDigest(t.token), kind: t.kind, authorization_id: t.authorizationId, hint: tokenHint(t.token), family_id: t.familyId, rotated_from: null, created_at: t.now, expires_at: t.expiresAt, revoked_at: null, used_at: null, last_used_at: null })
    .execute();
}
