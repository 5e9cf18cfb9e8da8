import { SlackError } from '../../domain/errors.ts';
import { parseToken, tokenDigest } from '../../domain/token-strings.ts';
import { WORKSPACE_TOKEN_LIFETIME_SECONDS } from '../../domain/token-kinds.ts';
import type { AppRecord } from '../../store/apps.ts';
import type { Rotated } from '../../store/refresh.ts';
import type { Services } from '../services.ts';

/** oauth.v2.access with grant_type=refresh_token: §8's answer, single use with a grace window, reuse detection. */
export async function refreshGrant(services: Services, app: AppRecord, refreshToken: string | undefined): Promise<Record<string, unknown>> {
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
    answer: (r: Rotated) => ({
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
    }),
  });
  switch (result.kind) {
    case 'issued':
      if (result.revoked.length > 0) services.tokensChanged(result.revoked);
      return result.answer;
    case 'replayed':
      return result.answer;
    case 'reuse':
      services.tokensChanged(result.revoked);
      services.audit({ event: 'refresh_token_reused', app: app.id, revoked: result.revoked.length });
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
