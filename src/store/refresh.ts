import type { Kysely, Transaction } from 'kysely';
import type { SecretBox } from '../crypto/sealed.ts';
import { idNumber, mintToken, tokenDigest, tokenHint, type TokenFamily } from '../domain/token-strings.ts';
import type { TokenKind } from '../domain/token-kinds.ts';
import { newId } from '../domain/ids.ts';
import type { EventOutbox } from './events.ts';
import type { Database } from './schema.ts';
import { findOrCreateAuthorization } from './grants.ts';
import { prepared } from './prepared.ts';

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
  /**
   * The answer to give (and to repeat within the grace window). It runs inside the transaction, so it may await
   * work of its own (signing an ID token) but must not use the store.
   */
  answer(rotated: Rotated): Record<string, unknown> | Promise<Record<string, unknown>>;
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

  readonly #events: EventOutbox;
  /** SQLite: refreshes that arrive together share one transaction (see #flush). */
  readonly #groupCommit: boolean;
  readonly #queue: Array<{ r: RotationRequest; resolve(result: RotationResult): void; reject(error: unknown): void }> = [];

  constructor(db: Kysely<Database>, box: SecretBox, events: EventOutbox, options: { groupCommit?: boolean } = {}) {
    this.#db = db;
    this.#box = box;
    this.#events = events;
    this.#groupCommit = options.groupCommit ?? false;
  }

  async rotate(r: RotationRequest): Promise<RotationResult> {
    if (!this.#groupCommit) return this.#db.transaction().execute((trx) => this.#rotateIn(trx, r));
    return new Promise((resolve, reject) => {
      this.#queue.push({ r, resolve, reject });
      if (this.#queue.length === 1) setImmediate(() => void this.#flush());
    });
  }

  /**
   * Group commit: on SQLite every commit writes each page it touched to the WAL, and concurrent refreshes touch
   * the same index and table pages, so committing those that arrived together once costs a fraction of committing
   * each. Each still runs its own guarded steps in order inside the one transaction, so single use holds; if the
   * transaction fails, every refresh in it fails (and changed nothing).
   */
  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, 64);
    try {
      const results = await this.#db.transaction().execute(async (trx) => {
        const out: RotationResult[] = [];
        for (const item of batch) out.push(await this.#rotateIn(trx, item.r));
        return out;
      });
      batch.forEach((item, i) => item.resolve(results[i]!));
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
    if (this.#queue.length > 0) setImmediate(() => void this.#flush());
  }

  async #rotateIn(trx: Transaction<Database>, r: RotationRequest): Promise<RotationResult> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const row = (await refreshTokenRow(trx, r.digest)).rows[0];
      if (!row || row.kind !== r.refreshKind || row.app_id !== r.appId) return { kind: 'invalid' };
      if (row.revoked_at !== null || row.authorization_revoked_at !== null || row.uninstalled_at !== null) return { kind: 'invalid' };
      // A deactivated member or a deleted workspace gets no new tokens (their old ones answer account_inactive).
      if (row.role === 'deactivated' || row.deleted_at !== null) return { kind: 'invalid' };
      if (row.used_at !== null) return this.#presentedAgain(trx, r, Number(row.used_at), row.family_id);
      const won = await claimRefreshToken(trx, r.now, r.digest);
      if (Number(won.numAffectedRows) === 1) return this.#mint(trx, r, row.authorization_id, row.family_id);
      // Another process used it between our read and our update: read again and take the "used" path.
    }
    return { kind: 'invalid' };
  }

  async #presentedAgain(trx: Transaction<Database>, r: RotationRequest, usedAt: number, familyId: string | null): Promise<RotationResult> {
    if (r.now - usedAt <= r.graceMs) {
      const grace = await trx.selectFrom('tokens').select(['answer_sealed', 'replays']).where('digest', '=', r.digest).executeTakeFirst();
      if (grace && grace.answer_sealed !== null && grace.replays < r.maxReplays) {
        const counted = await trx.updateTable('tokens').set({ replays: grace.replays + 1 }).where('digest', '=', r.digest).where('replays', '=', grace.replays).executeTakeFirst();
        if (Number(counted.numUpdatedRows) === 1) return { kind: 'replayed', answer: JSON.parse(this.#box.open(grace.answer_sealed)) };
      }
      return { kind: 'invalid' };
    }
    if (familyId === null) return { kind: 'invalid' };
    const live = await trx.selectFrom('tokens').select('digest').where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
    await trx.updateTable('tokens').set({ revoked_at: r.now }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
    await trx.updateTable('tokens').set({ answer_sealed: null }).where('digest', '=', r.digest).execute();
    await this.#events.recordRevocations(trx, live.map((t) => t.digest), r.now);
    return { kind: 'reuse', revoked: live.map((t) => t.digest) };
  }

  async #mint(trx: Transaction<Database>, r: RotationRequest, authorizationId: string, familyId: string | null): Promise<RotationResult> {
    const pair = await mintPair(trx, { authorizationId, familyId, refreshKind: r.refreshKind, rotatedFrom: r.digest, now: r.now, lifetimeSeconds: r.lifetimeSeconds });
    const { accessToken, kind } = pair;

    // At most two live access tokens per authorization: the new one and the one before it; older ones are
    // revoked (expired ones too, so the live-token index stays small). A long-lived token exchanged for this
    // rotating pair (oauth.v2.exchange) ends at this first refresh, by expiring.
    const live = (await liveTokens(trx, authorizationId, kind)).rows;
    const newDigest = tokenDigest(accessToken);
    const longLived = live.filter((t) => t.expires_at === null).map((t) => t.digest);
    const ended = live.filter((t) => t.expires_at !== null && t.digest !== newDigest).slice(1).map((t) => t.digest);
    for (const digest of longLived) await expireToken(trx, r.now, digest);
    for (const digest of ended) await revokeToken(trx, r.now, digest);

    const answer = await r.answer(pair);
    await keepAnswer(trx, this.#box.seal(JSON.stringify(answer)), r.digest);
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

  /**
   * oauth.v2.exchange: a long-lived xoxb/xoxp of an app that has since turned rotation on becomes a rotating pair
   * of a new family. Single use, guarded in SQL; the long-lived token lives on until the pair's first refresh.
   */
  async exchangeLongLived(e: { digest: string; appId: string; now: number; lifetimeSeconds: number }): Promise<Rotated | ExchangeRefusal> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('tokens as t')
        .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
        .leftJoin('installations as i', 'i.id', 'a.installation_id')
        .select(['t.kind', 't.used_at', 't.revoked_at', 't.expires_at', 'a.id as authorization_id', 'a.app_id', 'a.revoked_at as authorization_revoked_at', 'i.uninstalled_at'])
        .where('t.digest', '=', e.digest)
        .executeTakeFirst();
      if (!row || (row.kind !== 'bot' && row.kind !== 'user')) return 'invalid_token';
      if (row.app_id !== e.appId) return 'authorization_not_found';
      if (row.revoked_at !== null || row.authorization_revoked_at !== null || row.uninstalled_at !== null) return 'invalid_token';
      if (row.expires_at !== null && Number(row.expires_at) <= e.now) return 'invalid_token';
      if (row.used_at !== null) return 'token_already_exchanged';
      const won = await trx.updateTable('tokens').set({ used_at: e.now }).where('digest', '=', e.digest).where('used_at', 'is', null).executeTakeFirst();
      if (Number(won.numUpdatedRows) !== 1) return 'token_already_exchanged';
      return mintPair(trx, { authorizationId: row.authorization_id, familyId: newId('F', 16), refreshKind: 'refresh', rotatedFrom: e.digest, now: e.now, lifetimeSeconds: e.lifetimeSeconds });
    });
  }

  /** A new app configuration token and its refresh token for a member (the CLI's `tessera tokens config`). */
  async issueConfigToken(c: { teamId: string; userId: string; now: number; lifetimeSeconds: number }): Promise<Rotated | 'user_not_found'> {
    return this.#db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom('users').select(['team_id', 'role']).where('id', '=', c.userId).executeTakeFirst();
      if (!user || user.team_id !== c.teamId || user.role === 'deactivated') return 'user_not_found';
      const { id } = await findOrCreateAuthorization(trx, { kind: 'config', app_id: null, installation_id: null, team_id: c.teamId, user_id: c.userId, bot_id: null, scopes: [], shared: false, now: c.now });
      return mintPair(trx, { authorizationId: id, familyId: newId('F', 16), refreshKind: 'config_refresh', rotatedFrom: null, now: c.now, lifetimeSeconds: c.lifetimeSeconds });
    });
  }
}

export type ExchangeRefusal = 'invalid_token' | 'authorization_not_found' | 'token_already_exchanged';

/** Mints an expiring access token and its refresh token for an authorization, in one family. */
async function mintPair(
  trx: Transaction<Database>,
  p: { authorizationId: string; familyId: string | null; refreshKind: 'refresh' | 'config_refresh'; rotatedFrom: string | null; now: number; lifetimeSeconds: number },
): Promise<Rotated> {
  const a = (await authorizationForMint(trx, p.authorizationId)).rows[0]!;
  const kind: Rotated['kind'] = a.kind === 'bot' ? 'bot' : a.kind === 'config' ? 'config' : 'user';
  const team = idNumber(a.team_id);
  const family: TokenFamily = kind === 'bot' ? 'rotating_bot' : 'rotating_user';
  const segments = kind === 'bot' ? [team, idNumber(a.bot_id ?? 'B0')] : [team, idNumber(a.user_id ?? 'U0'), idNumber(a.installation_id ?? 'I0')];
  const accessToken = mintToken(family, segments);
  const refreshToken = mintToken('refresh', [team]);
  const expiresAt = p.now + p.lifetimeSeconds * 1000;
  const insert = (token: string, tokenKind: TokenKind, expires: number | null) =>
    insertToken(trx, tokenDigest(token), tokenKind, p.authorizationId, tokenHint(token), p.familyId, p.rotatedFrom, p.now, expires);
  await insert(accessToken, kind, expiresAt);
  await insert(refreshToken, p.refreshKind, null);
  return {
    accessToken,
    refreshToken,
    issuedAt: p.now,
    expiresAt,
    kind,
    scopes: a.scopes ? a.scopes.split(',') : [],
    appId: a.app_id,
    team: { id: a.team_id, name: a.team_name },
    enterprise: a.enterprise_id ? { id: a.enterprise_id, name: a.enterprise_name ?? '' } : null,
    userId: a.user_id,
    botUserId: a.bot_user_id,
  };
}

// The statements of a refresh, built once (see prepared.ts).
const refreshTokenRow = prepared((db, arg) =>
  db
    .selectFrom('tokens as t')
    .innerJoin('authorizations as a', 'a.id', 't.authorization_id')
    .leftJoin('installations as i', 'i.id', 'a.installation_id')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .leftJoin('teams as tm', 'tm.id', 'a.team_id')
    .select(['t.kind', 't.family_id', 't.used_at', 't.revoked_at', 'a.id as authorization_id', 'a.kind as authorization_kind', 'a.app_id', 'a.revoked_at as authorization_revoked_at', 'i.uninstalled_at', 'u.role', 'tm.deleted_at'])
    .where('t.digest', '=', arg(0)),
);

/** The single-use guard: of any number of racing refreshes, one update finds `used_at` still null. */
const claimRefreshToken = prepared((db, arg) => db.updateTable('tokens').set({ used_at: arg(0) }).where('digest', '=', arg(1)).where('used_at', 'is', null).where('revoked_at', 'is', null));

const authorizationForMint = prepared((db, arg) =>
  db
    .selectFrom('authorizations as a')
    .innerJoin('teams as tm', 'tm.id', 'a.team_id')
    .leftJoin('enterprises as e', 'e.id', 'tm.enterprise_id')
    .leftJoin('bots as b', 'b.id', 'a.bot_id')
    .select(['a.kind', 'a.scopes', 'a.app_id', 'a.user_id', 'a.installation_id', 'tm.id as team_id', 'tm.name as team_name', 'e.id as enterprise_id', 'e.name as enterprise_name', 'b.id as bot_id', 'b.user_id as bot_user_id'])
    .where('a.id', '=', arg(0)),
);

const insertToken = prepared((db, arg) =>
  db.insertInto('tokens').values({ digest: arg(0), kind: arg(1), authorization_id: arg(2), hint: arg(3), family_id: arg(4), rotated_from: arg(5), created_at: arg(6), expires_at: arg(7), revoked_at: null, used_at: null, last_used_at: null }),
);

const liveTokens = prepared((db, arg) =>
  db.selectFrom('tokens').select(['digest', 'expires_at']).where('authorization_id', '=', arg(0)).where('kind', '=', arg(1)).where('revoked_at', 'is', null).orderBy('created_at', 'desc'),
);

const expireToken = prepared((db, arg) => db.updateTable('tokens').set({ expires_at: arg(0) }).where('digest', '=', arg(1)));
const revokeToken = prepared((db, arg) => db.updateTable('tokens').set({ revoked_at: arg(0) }).where('digest', '=', arg(1)));
const keepAnswer = prepared((db, arg) => db.updateTable('tokens').set({ answer_sealed: arg(0) }).where('digest', '=', arg(1)));
