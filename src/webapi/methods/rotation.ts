import { SlackError } from '../../domain/errors.ts';
import { parseToken, tokenDigest } from '../../domain/token-strings.ts';
import { CONFIG_TOKEN_LIFETIME_SECONDS, WORKSPACE_TOKEN_LIFETIME_SECONDS } from '../../domain/token-kinds.ts';
import { authenticateClient, CLIENT_ARGS } from '../client-auth.ts';
import { defineMethod } from '../registry.ts';
import type { AppRecord } from '../../store/apps.ts';
import type { Rotated, RotationResult } from '../../store/refresh.ts';
import type { Services } from '../services.ts';

/**
 * oauth.v2.access with grant_type=refresh_token: §8's answer, single use with a grace window, reuse detection.
 * openid.connect.token refreshes the same way and gives its own `answer`.
 */
export async function refreshGrant(
  services: Services,
  app: AppRecord,
  refreshToken: string | undefined,
  answer: (r: Rotated) => Record<string, unknown> | Promise<Record<string, unknown>> = oauthV2Answer,
): Promise<Record<string, unknown>> {
  if (!refreshToken || parseToken(refreshToken) !== 'refresh') throw new SlackError('invalid_refresh_token');
  if (!app.token_rotation) throw new SlackError('invalid_refresh_token');
  const result = await services.store.refresh.rotate({
    digest: tokenDigest(refreshToken),
    refreshKind: 'refresh',
    appId: app.id,
    now: services.clock.now(),
    lifetimeSeconds: app.token_lifetime_seconds,
    graceMs: services.rotation.graceMs,
    maxReplays: services.rotation.maxReplays,
    answer,
  });
  return settle(services, result, app.id);
}

function oauthV2Answer(r: Rotated): Record<string, unknown> {
  return {
    app_id: r.appId,
    ...(r.kind === 'bot' ? { bot_user_id: r.botUserId } : { user_id: r.userId }),
    scope: r.scopes.join(','),
    token_type: r.kind === 'bot' ? 'bot' : 'user',
    access_token: r.accessToken,
    expires_in: Math.round((r.expiresAt - r.issuedAt) / 1000),
    refresh_token: r.refreshToken,
    team: r.team,
    enterprise: r.enterprise,
    is_enterprise_install: false,
  };
}

/** The outcome of a rotation as Slack answers it; reuse is audited and its revocations reach every cache. */
function settle(services: Services, result: RotationResult, appId: string | null): Record<string, unknown> {
  switch (result.kind) {
    case 'issued':
      if (result.revoked.length > 0) services.tokensChanged(result.revoked);
      return result.answer;
    case 'replayed':
      return result.answer;
    case 'reuse':
      services.tokensChanged(result.revoked);
      services.audit({ event: 'refresh_token_reused', app: appId, revoked: result.revoked.length });
      throw new SlackError('invalid_refresh_token');
    case 'invalid':
      throw new SlackError('invalid_refresh_token');
  }
}

/** oauth.access with grant_type=refresh_token and an xoxr- token: a new xoxa-2- access token, the old one kept. */
export async function workspaceRefreshGrant(services: Services, app: AppRecord, refreshToken: string | undefined): Promise<Record<string, unknown>> {
  if (!refreshToken || parseToken(refreshToken) !== 'workspace_refresh') throw new SlackError('invalid_refresh_token');
  const r = await services.store.refresh.workspaceRefresh(tokenDigest(refreshToken), app.id, services.clock.now(), WORKSPACE_TOKEN_LIFETIME_SECONDS);
  if (r === null) throw new SlackError('invalid_refresh_token');
  return {
    access_token: r.accessToken,
    token_type: 'app',
    expires_in: WORKSPACE_TOKEN_LIFETIME_SECONDS,
    scope: r.scopes.join(','),
    app_id: app.id,
    team_id: r.team.id,
    team_name: r.team.name,
  };
}

/**
 * oauth.v2.exchange: a long-lived xoxb/xoxp of an app that has turned rotation on, for a rotating pair. WebClient
 * sends the token as its Bearer header; a `token` argument works too.
 */
export const oauthV2Exchange = defineMethod({
  name: 'oauth.v2.exchange',
  tokens: 'none',
  tier: 3,
  args: CLIENT_ARGS,
  async handler(ctx) {
    const app = await authenticateClient(ctx.services, ctx.args, ctx.basicAuthorization);
    if (!app.token_rotation) throw new SlackError('token_rotation_not_enabled');
    const token = ctx.presentedToken;
    const kind = token === undefined ? null : parseToken(token);
    if (token === undefined || (kind !== 'bot' && kind !== 'user')) throw new SlackError('invalid_token');
    const now = ctx.services.clock.now();
    const r = await ctx.services.store.refresh.exchangeLongLived({ digest: tokenDigest(token), appId: app.id, now, lifetimeSeconds: app.token_lifetime_seconds });
    if (typeof r === 'string') throw new SlackError(r);
    ctx.services.audit({ event: 'token_exchanged', app: app.id, team: r.team.id, kind: r.kind });
    const expiresIn = Math.round((r.expiresAt - r.issuedAt) / 1000);
    const common = { team: r.team, enterprise: r.enterprise, is_enterprise_install: false };
    if (r.kind === 'bot') {
      return { app_id: app.id, scope: r.scopes.join(','), token_type: 'bot', access_token: r.accessToken, bot_user_id: r.botUserId, refresh_token: r.refreshToken, expires_in: expiresIn, ...common };
    }
    return {
      app_id: app.id,
      authed_user: { id: r.userId, scope: r.scopes.join(','), token_type: 'user', access_token: r.accessToken, refresh_token: r.refreshToken, expires_in: expiresIn },
      ...common,
    };
  },
});

/** tooling.tokens.rotate: a config token's refresh token for a new config token (12 hours) and refresh token. */
export const toolingTokensRotate = defineMethod({
  name: 'tooling.tokens.rotate',
  tokens: 'none',
  tier: 'special',
  args: { refresh_token: { type: 'string', maxLength: 256 } },
  async handler(ctx) {
    const refreshToken = ctx.args.refresh_token;
    if (!refreshToken || parseToken(refreshToken) !== 'refresh') throw new SlackError('invalid_refresh_token');
    const services = ctx.services;
    const result = await services.store.refresh.rotate({
      digest: tokenDigest(refreshToken),
      refreshKind: 'config_refresh',
      appId: null,
      now: services.clock.now(),
      lifetimeSeconds: CONFIG_TOKEN_LIFETIME_SECONDS,
      graceMs: services.rotation.graceMs,
      maxReplays: services.rotation.maxReplays,
      answer: (r: Rotated) => {
        const iat = Math.floor(r.issuedAt / 1000);
        return { token: r.accessToken, refresh_token: r.refreshToken, team_id: r.team.id, user_id: r.userId, iat, exp: iat + CONFIG_TOKEN_LIFETIME_SECONDS };
      },
    });
    return settle(services, result, null);
  },
});
