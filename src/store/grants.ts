import type { Transaction } from 'kysely';
import { newId } from '../domain/ids.ts';
import type { AuthorizationKind, Database } from './schema.ts';

/**
 * The rows an install is made of, shared by fixture loading and code exchange: one live installation per app
 * and workspace, the app's bot user there, and one authorization per principal whose scopes only ever grow.
 */
export async function findOrCreateInstallation(trx: Transaction<Database>, appId: string, teamId: string, now: number, installerUserId: string | null = null): Promise<string> {
  const found = await trx.selectFrom('installations').select('id').where('app_id', '=', appId).where('team_id', '=', teamId).where('uninstalled_at', 'is', null).executeTakeFirst();
  if (found) return found.id;
  const team = await trx.selectFrom('teams').select('enterprise_id').where('id', '=', teamId).executeTakeFirstOrThrow();
  const id = newId('I');
  await trx
    .insertInto('installations')
    .values({ id, app_id: appId, team_id: teamId, enterprise_id: team.enterprise_id, is_enterprise_install: 0, bot_id: null, installer_user_id: installerUserId, created_at: now, uninstalled_at: null })
    .execute();
  return id;
}

/** The app's bot user in a workspace: a member with is_bot, named after the app. */
export async function findOrCreateBot(trx: Transaction<Database>, app: { id: string; name: string }, teamId: string, installationId: string, now: number): Promise<{ botId: string; botUserId: string }> {
  const found = await trx.selectFrom('bots').select(['id', 'user_id']).where('app_id', '=', app.id).where('team_id', '=', teamId).where('deleted_at', 'is', null).executeTakeFirst();
  if (found) {
    await trx.updateTable('installations').set({ bot_id: found.id }).where('id', '=', installationId).execute();
    return { botId: found.id, botUserId: found.user_id };
  }
  const botId = newId('B');
  const userId = newId('U');
  const name = app.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'bot';
  await trx.insertInto('users').values({ id: userId, team_id: teamId, name, real_name: app.name, email: null, password_hash: null, role: 'member', is_bot: 1, created_at: now, updated_at: now }).execute();
  await trx.insertInto('bots').values({ id: botId, app_id: app.id, team_id: teamId, user_id: userId, installation_id: installationId, created_at: now, deleted_at: null }).execute();
  await trx.updateTable('installations').set({ bot_id: botId }).where('id', '=', installationId).execute();
  return { botId, botUserId: userId };
}

export async function findOrCreateAuthorization(
  trx: Transaction<Database>,
  a: { kind: AuthorizationKind; app_id: string | null; installation_id: string | null; team_id: string | null; user_id: string | null; bot_id: string | null; scopes: readonly string[]; shared: boolean; now: number },
): Promise<{ id: string; scopes: string[] }> {
  if (a.shared) {
    let query = trx.selectFrom('authorizations').select(['id', 'scopes']).where('installation_id', '=', a.installation_id!).where('kind', '=', a.kind).where('revoked_at', 'is', null);
    query = a.user_id === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', a.user_id);
    const found = await query.executeTakeFirst();
    if (found) {
      const held = found.scopes ? found.scopes.split(',') : [];
      const union = [...held, ...a.scopes.filter((s) => !held.includes(s))];
      if (union.length !== held.length) await trx.updateTable('authorizations').set({ scopes: union.join(',') }).where('id', '=', found.id).execute();
      return { id: found.id, scopes: union };
    }
  }
  const team = a.team_id ? await trx.selectFrom('teams').select('enterprise_id').where('id', '=', a.team_id).executeTakeFirst() : undefined;
  const id = newId('Z', 12);
  await trx
    .insertInto('authorizations')
    .values({ id, kind: a.kind, app_id: a.app_id, installation_id: a.installation_id, team_id: a.team_id, enterprise_id: team?.enterprise_id ?? null, user_id: a.user_id, bot_id: a.bot_id, scopes: a.scopes.join(','), created_at: a.now, revoked_at: null })
    .execute();
  return { id, scopes: [...a.scopes] };
}
