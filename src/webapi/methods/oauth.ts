import { SlackError } from '../../domain/errors.ts';
import { verifierMatches } from '../../domain/pkce.ts';
import { tokenDigest } from '../../domain/token-strings.ts';
import type { AppRecord } from '../../store/apps.ts';
import type { CodeRecord, IssuedInstall } from '../../store/installs.ts';
import type { Flow } from '../../store/schema.ts';
import { authenticateClient, CLIENT_ARGS } from '../client-auth.ts';
import { defineMethod, type MethodContext } from '../registry.ts';
import type { Services } from '../services.ts';
import { teamUrl } from './auth.ts';
import { webhookUrl } from '../../webhooks/incoming.ts';
import { refreshGrant, workspaceRefreshGrant } from './rotation.ts';

const CODE_ARGS = {
  ...CLIENT_ARGS,
  code: { type: 'string', maxLength: 256 },
  redirect_uri: { type: 'string', maxLength: 2048 },
  code_verifier: { type: 'string', maxLength: 256 },
  grant_type: { type: 'string', maxLength: 64 },
  refresh_token: { type: 'string', maxLength: 256 },
  single_channel: { type: 'boolean' },
} as const;

type CodeArgs = { code?: string; redirect_uri?: string; code_verifier?: string };

/**
 * The checks every code exchange shares (slack-compat.md §5, §6), then the exchange itself. A replayed code
 * answers `code_already_used` and revokes everything its first exchange issued.
 */
export async function exchangeCode(services: Services, app: AppRecord, flow: Flow, args: CodeArgs): Promise<{ code: CodeRecord; issued: IssuedInstall }> {
  if (!args.code) throw new SlackError('invalid_code');
  const digest = tokenDigest(args.code);
  const code = await services.store.installs.code(digest);
  const now = services.clock.now();
  if (code === null || code.appId !== app.id || code.expiresAt <= now) throw new SlackError('invalid_code');
  if (code.flow !== flow) throw new SlackError('oauth_authorization_url_mismatch');
  const replay = async (): Promise<never> => {
    services.tokensChanged(await services.store.installs.revokeIssued(digest, now));
    services.audit({ event: 'code_replayed', app: app.id, team: code.teamId });
    throw new SlackError('code_already_used');
  };
  if (code.usedAt !== null) return replay();
  if (code.redirectUri !== null && args.redirect_uri !== code.redirectUri) throw new SlackError('bad_redirect_uri');
  // PKCE, and its downgrade rule: a code issued with a challenge needs the verifier, one issued without takes none.
  if (code.codeChallenge !== null) {
    if (args.code_verifier === undefined || !verifierMatches(args.code_verifier, code.codeChallenge)) throw new SlackError('invalid_code_verifier');
  } else if (args.code_verifier !== undefined) throw new SlackError('invalid_code_verifier');
  if (code.botScopes.length === 0 && code.userScopes.length === 0) throw new SlackError('no_scopes');
  const issued = await services.store.installs.exchange(code, app, now);
  if (issued === null) return replay();
  if (flow === 'oidc') services.audit({ event: 'signed_in_with_slack', app: app.id, team: code.teamId, user: code.userId, scopes: code.userScopes });
  else services.audit({ event: 'app_installed', app: app.id, team: code.teamId, user: code.userId, flow, bot_scopes: code.botScopes, user_scopes: code.userScopes });
  return { code, issued };
}

function incomingWebhook(services: Services, issued: IssuedInstall): Record<string, unknown> | undefined {
  const hook = issued.webhook;
  if (!hook) return undefined;
  return {
    channel: `#${hook.channelName}`,
    channel_id: hook.channelId,
    configuration_url: `${teamUrl(services.publicUrl, issued.team.domain)}services/${hook.id}`,
    url: webhookUrl(services.publicUrl, issued.team.id, hook.id, hook.secret),
  };
}

function expiresIn(expiresAt: number | null, now: number): number | undefined {
  return expiresAt === null ? undefined : Math.max(0, Math.round((expiresAt - now) / 1000));
}

/** oauth.v2.access: a v2 code for bot and user tokens, or a refresh token for a new rotating pair. */
export const oauthV2Access = defineMethod({
  name: 'oauth.v2.access',
  tokens: 'none',
  tier: 4,
  args: CODE_ARGS,
  async handler(ctx: MethodContext<typeof CODE_ARGS>) {
    const app = await authenticateClient(ctx.services, ctx.args, ctx.basicAuthorization);
    const grant = ctx.args.grant_type;
    if (grant === 'refresh_token') return refreshGrant(ctx.services, app, ctx.args.refresh_token);
    if (grant !== undefined && grant !== 'authorization_code') throw new SlackError('invalid_grant_type');
    const { issued } = await exchangeCode(ctx.services, app, 'v2', ctx.args);
    const now = ctx.services.clock.now();
    const authedUser: Record<string, unknown> = { id: issued.userId };
    if (issued.user) {
      Object.assign(authedUser, { scope: issued.user.scopes.join(','), access_token: issued.user.token, token_type: 'user' });
      if (issued.user.refreshToken) Object.assign(authedUser, { expires_in: expiresIn(issued.user.expiresAt, now), refresh_token: issued.user.refreshToken });
    }
    const answer: Record<string, unknown> = { app_id: app.id, authed_user: authedUser };
    if (issued.bot) {
      Object.assign(answer, { scope: issued.bot.scopes.join(','), token_type: 'bot', access_token: issued.bot.token, bot_user_id: issued.bot.botUserId });
      if (issued.bot.refreshToken) Object.assign(answer, { expires_in: expiresIn(issued.bot.expiresAt, now), refresh_token: issued.bot.refreshToken });
    }
    Object.assign(answer, {
      team: { id: issued.team.id, name: issued.team.name },
      enterprise: issued.enterprise,
      is_enterprise_install: false,
    });
    const hook = incomingWebhook(ctx.services, issued);
    if (hook) answer['incoming_webhook'] = hook;
    return answer;
  },
});

/** oauth.access: the classic (v1) code exchange, and the refresh of workspace tokens. */
export const oauthAccess = defineMethod({
  name: 'oauth.access',
  tokens: 'none',
  tier: 'special',
  args: CODE_ARGS,
  async handler(ctx: MethodContext<typeof CODE_ARGS>) {
    const app = await authenticateClient(ctx.services, ctx.args, ctx.basicAuthorization);
    const grant = ctx.args.grant_type;
    if (grant === 'refresh_token') return workspaceRefreshGrant(ctx.services, app, ctx.args.refresh_token);
    if (grant !== undefined && grant !== 'authorization_code') throw new SlackError('invalid_grant_type');
    const { issued } = await exchangeCode(ctx.services, app, 'v1', ctx.args);
    const user = issued.user!;
    const answer: Record<string, unknown> = {
      access_token: user.token,
      scope: user.scopes.join(','),
      user_id: issued.userId,
      team_name: issued.team.name,
      team_id: issued.team.id,
      enterprise_id: issued.enterprise?.id ?? null,
    };
    const hook = incomingWebhook(ctx.services, issued);
    if (hook) answer['incoming_webhook'] = hook;
    if (issued.classicBot) answer['bot'] = { bot_user_id: issued.classicBot.botUserId, bot_access_token: issued.classicBot.token };
    return answer;
  },
});
