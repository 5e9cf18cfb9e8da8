import { mintToken, idNumber } from '../../src/domain/token-strings.ts';

/** Token strings minted the way Tessera mints them, for fixtures. */
export const mint = {
  bot: (team = 'T0ACME0001') => mintToken('bot', [idNumber(team), '1000000001']),
  user: (team = 'T0ACME0001', user = 'U0ALICE001') => mintToken('user', [idNumber(team), idNumber(user), '7']),
  rotatingBot: (team = 'T0ACME0001') => mintToken('rotating_bot', [idNumber(team), '1000000002']),
  rotatingUser: (team = 'T0ACME0001', user = 'U0ALICE001') => mintToken('rotating_user', [idNumber(team), idNumber(user), '8']),
  refresh: (team = 'T0ACME0001') => mintToken('refresh', [idNumber(team)]),
  app: (app = 'A0DEMO0001') => mintToken('app', [app, '1700000000']),
  workspace: (team = 'T0ACME0001') => mintToken('workspace', [idNumber(team), '9']),
  workspaceRefresh: (team = 'T0ACME0001') => mintToken('workspace_refresh', [idNumber(team), '9']),
};

export interface StandardTokens {
  bot: string;
  user: string;
  rotatingBot: string;
  rotatingBotRefresh: string;
  rotatingUser: string;
  rotatingUserRefresh: string;
  classicBot: string;
  classicUser: string;
  app: string;
  workspace: string;
  workspaceRefresh: string;
  legacy: string;
  config: string;
  configRefresh: string;
  deactivatedUser: string;
  deactivatedLegacy: string;
  fencedBot: string;
  betaBot: string;
}

/** Two workspaces (one in an enterprise), members of every role, apps of every kind, a token of every kind. */
export function standardFixture(): { fixture: Record<string, unknown>; tokens: StandardTokens } {
  const tokens: StandardTokens = {
    bot: mint.bot(),
    user: mint.user(),
    rotatingBot: mint.rotatingBot(),
    rotatingBotRefresh: mint.refresh(),
    rotatingUser: mint.rotatingUser(),
    rotatingUserRefresh: mint.refresh(),
    classicBot: mint.bot(),
    classicUser: mint.user(),
    app: mint.app(),
    workspace: mint.workspace(),
    workspaceRefresh: mint.workspaceRefresh(),
    legacy: mint.user(),
    config: mint.rotatingUser(),
    configRefresh: mint.refresh(),
    deactivatedUser: mint.user('T0ACME0001', 'U0DAVE0001'),
    deactivatedLegacy: mint.user('T0ACME0001', 'U0DAVE0001'),
    fencedBot: mint.bot(),
    betaBot: mint.bot('T0BETA0001'),
  };
  const app = (id: string, name: string, extra: Record<string, unknown>) => ({
    id,
    name,
    team_id: 'T0ACME0001',
    client_id: `${idNumber(id)}.${idNumber(id) + '1'}`,
    client_secret: `${id.toLowerCase()}-client-secret`,
    signing_secret: `${id.toLowerCase()}-signing-secret`,
    redirect_urls: ['http://localhost:3000/slack/oauth_redirect'],
    ...extra,
  });
  const fixture = {
    enterprises: [{ id: 'E0GRID0001', name: 'Grid Corp', domain: 'gridcorp' }],
    teams: [
      { id: 'T0ACME0001', name: 'Acme', domain: 'acme' },
      { id: 'T0BETA0001', name: 'Beta', domain: 'beta', enterprise_id: 'E0GRID0001' },
    ],
    users: [
      { id: 'U0ALICE001', team_id: 'T0ACME0001', name: 'alice', real_name: 'Alice Archer', email: 'alice@acme.test', password: 'alice-password', role: 'owner' },
      { id: 'U0BOB00001', team_id: 'T0ACME0001', name: 'bob', real_name: 'Bob Baker', email: 'bob@acme.test', password: 'bob-password', role: 'member' },
      { id: 'U0DAVE0001', team_id: 'T0ACME0001', name: 'dave', real_name: 'Dave Gone', email: 'dave@acme.test', password: 'dave-password', role: 'deactivated' },
      { id: 'U0CARA0001', team_id: 'T0BETA0001', name: 'cara', real_name: 'Cara Beta', email: 'cara@beta.test', role: 'admin' },
    ],
    channels: [{ id: 'C0GENERAL1', team_id: 'T0ACME0001', name: 'general', is_private: false, members: ['U0ALICE001', 'U0BOB00001'] }],
    apps: [
      app('A0DEMO0001', 'Demo App', { bot_scopes: ['chat:write', 'channels:read', 'team:read'], user_scopes: ['search:read', 'team:read'] }),
      app('A0ROTA0001', 'Rotating App', { bot_scopes: ['chat:write'], user_scopes: ['search:read'], token_rotation: true }),
      app('A0OLD00001', 'Classic App', { bot_scopes: ['bot'], user_scopes: ['channels:read'], classic: true, created: '2020-01-01' }),
      app('A0WORK0001', 'Workspace App', { user_scopes: ['channels:read'], workspace_app: true, created: '2018-06-01' }),
      app('A0FENC0001', 'Fenced App', { bot_scopes: ['chat:write'], ip_allowlist: ['10.0.0.0/8', '192.168.1.7'] }),
    ],
    tokens: [
      { kind: 'bot', app_id: 'A0DEMO0001', token: tokens.bot },
      { kind: 'bot', app_id: 'A0DEMO0001', team_id: 'T0BETA0001', token: tokens.betaBot },
      { kind: 'user', app_id: 'A0DEMO0001', user_id: 'U0ALICE001', token: tokens.user },
      { kind: 'bot', app_id: 'A0ROTA0001', token: tokens.rotatingBot, refresh_token: tokens.rotatingBotRefresh },
      { kind: 'user', app_id: 'A0ROTA0001', user_id: 'U0ALICE001', token: tokens.rotatingUser, refresh_token: tokens.rotatingUserRefresh },
      { kind: 'bot', app_id: 'A0OLD00001', token: tokens.classicBot },
      { kind: 'user', app_id: 'A0OLD00001', user_id: 'U0ALICE001', token: tokens.classicUser },
      { kind: 'app', app_id: 'A0DEMO0001', scopes: ['connections:write', 'authorizations:read'], token: tokens.app },
      { kind: 'workspace', app_id: 'A0WORK0001', token: tokens.workspace, refresh_token: tokens.workspaceRefresh },
      { kind: 'legacy', team_id: 'T0ACME0001', user_id: 'U0ALICE001', token: tokens.legacy },
      { kind: 'config', team_id: 'T0ACME0001', user_id: 'U0ALICE001', token: tokens.config, refresh_token: tokens.configRefresh },
      { kind: 'user', app_id: 'A0DEMO0001', user_id: 'U0DAVE0001', token: tokens.deactivatedUser },
      { kind: 'legacy', team_id: 'T0ACME0001', user_id: 'U0DAVE0001', token: tokens.deactivatedLegacy },
      { kind: 'bot', app_id: 'A0FENC0001', token: tokens.fencedBot },
    ],
  };
  return { fixture, tokens };
}

export const REDIRECT = 'http://localhost:3000/slack/oauth_redirect';

/** Workspaces, members (one in two workspaces) and apps for the install-flow tests. */
export function installFixture(redirectUrls: string[] = [REDIRECT, 'https://app.example.com/path']): Record<string, unknown> {
  const app = (id: string, name: string, extra: Record<string, unknown>) => ({
    id,
    name,
    team_id: 'T0ACME0001',
    client_id: `${idNumber(id)}.${idNumber(id)}7`,
    client_secret: `${id.toLowerCase()}-client-secret`,
    signing_secret: `${id.toLowerCase()}-signing-secret`,
    redirect_urls: redirectUrls,
    ...extra,
  });
  return {
    teams: [
      { id: 'T0ACME0001', name: 'Acme', domain: 'acme' },
      { id: 'T0BETA0001', name: 'Beta', domain: 'beta' },
    ],
    users: [
      { id: 'U0ALICE001', team_id: 'T0ACME0001', name: 'alice', real_name: 'Alice Archer', email: 'alice@acme.test', password: 'alice-password', role: 'owner' },
      { id: 'U0ALICEB01', team_id: 'T0BETA0001', name: 'alice', real_name: 'Alice Archer', email: 'alice@acme.test', password: 'alice-password', role: 'member' },
      { id: 'U0BOB00001', team_id: 'T0ACME0001', name: 'bob', real_name: 'Bob Baker', email: 'bob@acme.test', password: 'bob-password', role: 'member' },
      { id: 'U0DAVE0001', team_id: 'T0ACME0001', name: 'dave', real_name: 'Dave Gone', email: 'dave@acme.test', password: 'dave-password', role: 'deactivated' },
    ],
    channels: [
      { id: 'C0GENERAL1', team_id: 'T0ACME0001', name: 'general', members: ['U0ALICE001', 'U0BOB00001'] },
      { id: 'C0RANDOM01', team_id: 'T0ACME0001', name: 'random', members: ['U0ALICE001'] },
      { id: 'G0SECRET01', team_id: 'T0ACME0001', name: 'secret', is_private: true, members: ['U0BOB00001'] },
      { id: 'C0BETAGEN1', team_id: 'T0BETA0001', name: 'beta-general', members: ['U0ALICEB01'] },
    ],
    apps: [
      app('A0INST0001', 'Install App', {
        bot_scopes: ['chat:write', 'channels:read', 'team:read', 'incoming-webhook', 'users:read'],
        user_scopes: ['search:read', 'team:read', 'identity.basic', 'identity.email'],
      }),
      app('A0CLAS0001', 'Classic Install', { classic: true, bot_scopes: ['bot', 'incoming-webhook', 'commands'], user_scopes: ['channels:read', 'chat:write'], created: '2019-05-01' }),
      app('A0PRIV0001', 'Internal App', { distributed: false, bot_scopes: ['chat:write'] }),
      app('A0ROTA0001', 'Rotating Install', { token_rotation: true, bot_scopes: ['chat:write', 'team:read'], user_scopes: ['search:read'] }),
    ],
  };
}

export function clientOf(appId: string): { clientId: string; clientSecret: string } {
  return { clientId: `${idNumber(appId)}.${idNumber(appId)}7`, clientSecret: `${appId.toLowerCase()}-client-secret` };
}
