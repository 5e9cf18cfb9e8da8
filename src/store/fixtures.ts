import type { Kysely, Transaction } from 'kysely';
import { hashPassword, secretDigest, verifyPassword } from '../crypto/passwords.ts';
import type { SecretBox } from '../crypto/sealed.ts';
import { FixtureError, type Fixture, type FixtureApp, type FixtureToken } from '../domain/fixture.ts';
import { newId } from '../domain/ids.ts';
import { CONFIG_TOKEN_LIFETIME_SECONDS, WORKSPACE_TOKEN_LIFETIME_SECONDS, type TokenKind } from '../domain/token-kinds.ts';
import { randomBase62 } from '../domain/base62.ts';
import { tokenDigest, tokenHint } from '../domain/token-strings.ts';
import { randomBytes } from 'node:crypto';
import type { AuthorizationKind, Database } from './schema.ts';
import { findOrCreateAuthorization, findOrCreateBot, findOrCreateInstallation } from './grants.ts';

export interface LoadSummary {
  teams: number;
  users: number;
  channels: number;
  apps: number;
  tokensAdded: number;
}

/**
 * Loads a validated fixture in one transaction: every row is upserted by its id and every token inserted once,
 * so loading the same fixture twice changes nothing, and a failure part-way leaves nothing behind.
 */
export async function loadFixture(db: Kysely<Database>, box: SecretBox, fixture: Fixture, now: number): Promise<LoadSummary> {
  // Hash passwords outside the transaction (scrypt is slow); keep a stored hash that already matches.
  const existing = new Map(
    fixture.users.length === 0
      ? []
      : (await db.selectFrom('users').select(['id', 'password_hash']).where('id', 'in', fixture.users.map((u) => u.id)).execute()).map((r) => [r.id, r.password_hash]),
  );
  const passwordHashes = new Map<string, string | null>();
  for (const user of fixture.users) {
    if (user.password === null) passwordHashes.set(user.id, null);
    else {
      const stored = existing.get(user.id) ?? null;
      passwordHashes.set(user.id, stored && (await verifyPassword(user.password, stored)) ? stored : await hashPassword(user.password));
    }
  }
  const sealedApps = new Map(
    fixture.apps.length === 0
      ? []
      : (await db.selectFrom('apps').select(['id', 'signing_secret_sealed', 'verification_token_sealed', 'token_rotation']).where('id', 'in', fixture.apps.map((a) => a.id)).execute()).map((r) => [r.id, r]),
  );
  // Slack lets an app turn token rotation on, never off: its installed tokens already expire.
  const unrotated = fixture.apps.filter((a) => !a.token_rotation && sealedApps.get(a.id)?.token_rotation === 1);
  if (unrotated.length > 0) throw new FixtureError(unrotated.map((a) => `apps: ${a.id}.token_rotation: token rotation is on for this app and cannot be turned off`));
  const reseal = (stored: string | undefined, value: string): string => {
    if (stored) {
      try {
        if (box.open(stored) === value) return stored;
      } catch {
        // sealed under another key: seal again below
      }
    }
    return box.seal(value);
  };

  return db.transaction().execute(async (trx) => {
    const summary: LoadSummary = { teams: 0, users: 0, channels: 0, apps: 0, tokensAdded: 0 };
    for (const e of fixture.enterprises) {
      await trx.insertInto('enterprises').values({ ...e, created_at: now }).onConflict((oc) => oc.column('id').doUpdateSet({ name: e.name, domain: e.domain })).execute();
    }
    for (const t of fixture.teams) {
      await trx
        .insertInto('teams')
        .values({ ...t, created_at: now, deleted_at: null })
        .onConflict((oc) => oc.column('id').doUpdateSet({ name: t.name, domain: t.domain, enterprise_id: t.enterprise_id }))
        .execute();
      summary.teams++;
    }
    for (const u of fixture.users) {
      const row = { team_id: u.team_id, name: u.name, real_name: u.real_name, email: u.email, password_hash: passwordHashes.get(u.id) ?? null, role: u.role };
      await trx
        .insertInto('users')
        .values({ id: u.id, ...row, is_bot: 0, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
      summary.users++;
    }
    for (const c of fixture.channels) {
      const row = { team_id: c.team_id, name: c.name, is_private: c.is_private ? 1 : 0 };
      await trx
        .insertInto('channels')
        .values({ id: c.id, ...row, is_archived: 0, creator_id: c.members[0] ?? null, created_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
      for (const member of c.members) {
        await trx.insertInto('channel_members').values({ channel_id: c.id, user_id: member, joined_at: now }).onConflict((oc) => oc.columns(['channel_id', 'user_id']).doNothing()).execute();
      }
      summary.channels++;
    }
    for (const a of fixture.apps) {
      const sealed = sealedApps.get(a.id);
      const row = {
        name: a.name,
        team_id: a.team_id,
        client_id: a.client_id,
        client_secret_digest: secretDigest(a.client_secret),
        signing_secret_sealed: reseal(sealed?.signing_secret_sealed, a.signing_secret),
        verification_token_sealed: reseal(sealed?.verification_token_sealed, a.verification_token ?? deterministicVerificationToken(a)),
        redirect_urls: JSON.stringify(a.redirect_urls),
        bot_scopes: a.bot_scopes.join(','),
        user_scopes: a.user_scopes.join(','),
        classic: a.classic ? 1 : 0,
        workspace_app: a.workspace_app ? 1 : 0,
        distributed: a.distributed ? 1 : 0,
        token_rotation: a.token_rotation ? 1 : 0,
        socket_mode: a.socket_mode ? 1 : 0,
        request_url: a.request_url,
        ip_allowlist: JSON.stringify(a.ip_allowlist),
        token_lifetime_seconds: a.token_lifetime_seconds,
        created_at: a.created,
      };
      await trx
        .insertInto('apps')
        .values({ id: a.id, ...row, previous_client_secret_digest: null, previous_client_secret_expires_at: null })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
      summary.apps++;
    }
    const apps = new Map(fixture.apps.map((a) => [a.id, a]));
    for (const t of fixture.tokens) {
      if (await addToken(trx, t, t.app_id ? apps.get(t.app_id) : undefined, now)) summary.tokensAdded++;
    }
    return summary;
  });
}

/** A fixture app without a verification token gets one that is stable across loads of the same fixture. */
function deterministicVerificationToken(app: FixtureApp): string {
  return secretDigest(`verification:${app.id}:${app.client_secret}`).replace(/[-_]/g, '').slice(0, 24);
}

async function addToken(trx: Transaction<Database>, t: FixtureToken, app: FixtureApp | undefined, now: number): Promise<boolean> {
  const digest = tokenDigest(t.token);
  const known = await trx.selectFrom('tokens').select('digest').where('digest', '=', digest).executeTakeFirst();
  if (known) return false;
  const rotating = t.token.startsWith('xoxe.');
  const familyId = t.refresh_token !== null ? newId('F', 16) : null;
  let kind: TokenKind = t.kind;
  let authorizationKind: AuthorizationKind = t.kind as AuthorizationKind;
  let installationId: string | null = null;
  let botId: string | null = null;
  let lifetime: number | null = null;

  if (t.kind === 'bot' || t.kind === 'user' || t.kind === 'workspace') {
    installationId = await findOrCreateInstallation(trx, app!.id, t.team_id!, now);
    if (t.kind === 'bot') {
      botId = (await findOrCreateBot(trx, app!, t.team_id!, installationId, now)).botId;
      if (app!.classic) kind = authorizationKind = 'classic_bot';
    }
    if (rotating) lifetime = app!.token_lifetime_seconds;
    if (t.kind === 'workspace') lifetime = WORKSPACE_TOKEN_LIFETIME_SECONDS;
  }
  if (t.kind === 'config') lifetime = CONFIG_TOKEN_LIFETIME_SECONDS;

  const { id: authorizationId } = await findOrCreateAuthorization(trx, {
    kind: authorizationKind,
    app_id: t.app_id,
    installation_id: installationId,
    team_id: t.team_id,
    user_id: t.user_id,
    bot_id: botId,
    scopes: t.scopes,
    shared: t.kind === 'bot' || t.kind === 'user' || t.kind === 'workspace',
    now,
  });
  const expiresAt = t.expires_at ?? (lifetime === null ? null : now + lifetime * 1000);
  await trx
    .insertInto('tokens')
    .values({ digest, kind, authorization_id: authorizationId, hint: tokenHint(t.token), family_id: familyId, rotated_from: null, created_at: now, expires_at: expiresAt, revoked_at: null, used_at: null, last_used_at: null })
    .execute();
  if (t.refresh_token !== null) {
    const refreshKind: TokenKind = t.kind === 'workspace' ? 'workspace_refresh' : t.kind === 'config' ? 'config_refresh' : 'refresh';
    await trx
      .insertInto('tokens')
      .values({ digest: tokenDigest(t.refresh_token), kind: refreshKind, authorization_id: authorizationId, hint: tokenHint(t.refresh_token), family_id: familyId, rotated_from: null, created_at: now, expires_at: null, revoked_at: null, used_at: null, last_used_at: null })
      .execute();
  }
  return true;
}

/** A password a person can type and that nobody can guess: used for the demo owner. */
export function newPassword(): string {
  return randomBase62(20, randomBytes);
}
