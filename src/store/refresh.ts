import type { Kysely, Transaction } from 'kysely';
import type { SecretBox } from '../crypto/sealed.ts';
import { idNumber, mintToken, tokenDigest, tokenHint, type TokenFamily } from '../domain/token-strings.ts';
import type { TokenKind } from '../domain/token-kinds.ts';
import type { Database } from './schema.ts';

/** What a successful rotation minted, for the caller to shape into Slack's answer. */
export interface Rotated {
  accessToken: string;
  refreshToken: string;
  issuedAt: number;
  expiresAt: number;
  kind: 'bot' | 'user' | 'config';
  scopes: string[];
  appId: string | null;
  team: { id: string; name: string };
  enterprise: { id: string; name: string } | null;
  userId: string | null;
  botUserId: string | null;
}

export type RotationResult =
  | { kind: 'issued'; answer: Record<string, unknown>; revoked: string[] }
  | { kind: 'replayed'; answer: Record<string, unknown> }
  | { kind: 'invalid' }
  | { kind: 'reuse'; revoked: string[] };

export interface RotationRequest {
  digest: string;
  refreshKind: 'refresh' | 'config_refresh';
  /** The app presenting the refresh token (null for config tokens, which belong to no app). */
  appId: string | null;
  now: number;
  lifetimeSeconds: number;
  graceMs: number;
  maxReplays: number;
  answer(rotated: Rotated): Record<string, unknown>;
}

/**
 * Single-use refresh tokens (slack-compat.md §8). One transaction does it all, with the guard
 * `used_at is null` in SQL: of any number of racing refreshes, across processes, exactly one mints. A retry
 * within the grace window gets that same answer back (at most `maxReplays` times); a presentation after the
 * window is reuse, and the whole family is revoked (RFC 9700 §4.14).
 */
export class RefreshRepository {
  readonly #db: Kysely<Database>;
  readonly #box: SecretBox;

  constructor(db: Kysely<Database>, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  async rotate(r: RotationRequest): Promise<RotationResult> {
    return this.#db.transaction().execute(async (trx) => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const row = await trx
          .selectFrom('tokens as t')
          .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
          .leftJoin('installations as i', 'i.id', 'a.installation_id')
          .select(['t.kind', 't.family_id', 't.used_at', 't.revoked_at', 'a.id as authorization_id', 'a.kind as authorization_kind', 'a.app_id', 'a.revoked_at as authorization_revoked_at', 'i.uninstalled_at'])
          .where('t.digest', '=', r.digest)
          .executeTakeFirst();
        if (!row || row.kind !== r.refreshKind || row.app_id !== r.appId) return { kind: 'invalid' };
        if (row.revoked_at !== null || row.authorization_revoked_at !== null || row.uninstalled_at !== null) return { kind: 'invalid' };
        if (row.used_at !== null) return this.#presentedAgain(trx, r, Number(row.used_at), row.family_id);
        const won = await trx.updateTable('tokens').set({ used_at: r.now }).where('digest', '=', r.digest).where('used_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
        if (Number(won.numUpdatedRows) === 1) return this.#mint(trx, r, row.authorization_id, row.family_id);
        // Another process used it between our read and our update: read again and take the "used" path.
      }
      return { kind: 'invalid' };
    });
  }

  async #presentedAgain(trx: Transaction<Database>, r: RotationRequest, usedAt: number, familyId: string | null): Promise<RotationResult> {
    if (r.now - usedAt <= r.graceMs) {
      const grace = await trx.selectFrom('refresh_answers').select(['answer_sealed', 'replays']).where('refresh_digest', '=', r.digest).executeTakeFirst();
      if (grace && grace.replays < r.maxReplays) {
        const counted = await trx.updateTable('refresh_answers').set({ replays: grace.replays + 1 }).where('refresh_digest', '=', r.digest).where('replays', '=', grace.replays).executeTakeFirst();
        if (Number(counted.numUpdatedRows) === 1) return { kind: 'replayed', answer: JSON.parse(this.#box.open(grace.answer_sealed)) };
      }
      return { kind: 'invalid' };
    }
    if (familyId === null) return { kind: 'invalid' };
    const live = await trx.selectFrom('tokens').select('digest').where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
    await trx.updateTable('tokens').set({ revoked_at: r.now }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
    await trx.deleteFrom('refresh_answers').where('refresh_digest', '=', r.digest).execute();
    return { kind: 'reuse', revoked: live.map((t) => t.digest) };
  }

  async #mint(trx: Transaction<Database>, r: RotationRequest, authorizationId: string, familyId: string | null): Promise<RotationResult> {
    const a = await trx
      .selectFrom('authorizations as a')
      .innerJoin('teams as tm', 'tm.id', 'a.team_id')
      .leftJoin('enterprises as e', 'e.id', 'tm.enterprise_id')
      .leftJoin('bots as b', 'b.id', 'a.bot_id')
      .select(['a.kind', 'a.scopes', 'a.app_id', 'a.user_id', 'a.installation_id', 'tm.id as team_id', 'tm.name as team_name', 'e.id as enterprise_id', 'e.name as enterprise_name', 'b.id as bot_id', 'b.user_id as bot_user_id'])
      .where('a.id', '=', authorizationId)
      .executeTakeFirstOrThrow();
    const kind: Rotated['kind'] = a.kind === 'bot' ? 'bot' : a.kind === 'config' ? 'config' : 'user';
    const team = idNumber(a.team_id);
    const family: TokenFamily = kind === 'bot' ? 'rotating_bot' : 'rotating_user';
    const segments = kind === 'bot' ? [team, idNumber(a.bot_id ?? 'B0')] : [team, idNumber(a.user_id ?? 'U0'), idNumber(a.installation_id ?? 'I0')];
    const accessToken = mintToken(family, segments);
    const refreshToken = mintToken('refresh', [team]);
    const expiresAt = r.now + r.lifetimeSeconds * 1000;
    const insert = (token: string, tokenKind: TokenKind, expires: number | null) =>
      trx
        .insertInto('tokens')
        .values({ digest: tokenDigest(token), kind: tokenKind, authorization_id: authorizationId, hint: tokenHint(token), family_id: familyId, rotated_from: r.digest, created_at: r.now, expires_at: expires, revoked_at: null, used_at: null, last_used_at: null })
        .execute();
    await insert(accessToken, kind, expiresAt);
    await insert(refreshToken, r.refreshKind, null);

    // At most two live access tokens per authorization: the new one and the one before it. A long-lived token
    // exchanged for this rotating pair (oauth.v2.exchange) ends at this first refresh.
    const live = await trx
      .selectFrom('tokens')
      .select(['digest', 'expires_at'])
      .where('authorization_id', '=', authorizationId)
      .where('kind', '=', kind)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', r.now)]))
      .orderBy('created_at', 'desc')
      .orderBy('expires_at', 'desc')
      .execute();
    const newDigest = tokenDigest(accessToken);
    const longLived = live.filter((t) => t.expires_at === null).map((t) => t.digest);
    const ended = live.filter((t) => t.expires_at !== null && t.digest !== newDigest).slice(1).map((t) => t.digest);
    if (longLived.length > 0) await trx.updateTable('tokens').set({ expires_at: r.now }).where('digest', 'in', longLived).execute();
    if (ended.length > 0) await trx.updateTable('tokens').set({ revoked_at: r.now }).where('digest', 'in', ended).execute();

    const answer = r.answer({
      accessToken,
      refreshToken,
      issuedAt: r.now,
      expiresAt,
      kind,
      scopes: a.scopes ? a.scopes.split(',') : [],
      appId: a.app_id,
      team: { id: a.team_id, name: a.team_name },
      enterprise: a.enterprise_id ? { id: a.enterprise_id, name: a.enterprise_name ?? '' } : null,
      userId: a.user_id,
      botUserId: a.bot_user_id,
    });
    await trx.insertInto('refresh_answers').values({ refresh_digest: r.digest, answer_sealed: this.#box.seal(JSON.stringify(answer)), replays: 0, expires_at: r.now + r.graceMs }).execute();
    return { kind: 'issued', answer, revoked: [...ended, ...longLived] };
  }

  /** Workspace tokens: the xoxr refresh token stays; each use mints a new xoxa-2 access token, and the old one lives on. */
  async workspaceRefresh(digest: string, appId: string, now: number, lifetimeSeconds: number): Promise<Rotated | null> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('tokens as t')
        .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
        .innerJoin('teams as tm', 'tm.id', 'a.team_id')
        .leftJoin('installations as i', 'i.id', 'a.installation_id')
        .select(['t.kind', 't.family_id', 't.revoked_at', 'a.id as authorization_id', 'a.app_id', 'a.scopes', 'a.revoked_at as authorization_revoked_at', 'a.installation_id', 'i.uninstalled_at', 'tm.id as team_id', 'tm.name as team_name'])
        .where('t.digest', '=', digest)
        .executeTakeFirst();
      if (!row || row.kind !== 'workspace_refresh' || row.app_id !== appId) return null;
      if (row.revoked_at !== null || row.authorization_revoked_at !== null || row.uninstalled_at !== null) return null;
      const accessToken = mintToken('workspace', [idNumber(row.team_id), idNumber(row.installation_id ?? 'I0')]);
      const expiresAt = now + lifetimeSeconds * 1000;
      await trx
        .insertInto('tokens')
        .values({ digest: tokenDigest(accessToken), kind: 'workspace', authorization_id: row.authorization_id, hint: tokenHint(accessToken), family_id: row.family_id, rotated_from: digest, created_at: now, expires_at: expiresAt, revoked_at: null, used_at: null, last_used_at: null })
        .execute();
      await trx.updateTable('tokens').set({ last_used_at: now }).where('digest', '=', digest).execute();
      return {
        accessToken,
        refreshToken: '',
        issuedAt: now,
        expiresAt,
        kind: 'user',
        scopes: row.scopes ? row.scopes.split(',') : [],
        appId,
        team: { id: row.team_id, name: row.team_name },
        enterprise: null,
        userId: null,
        botUserId: null,
      };
    });
  }
}
