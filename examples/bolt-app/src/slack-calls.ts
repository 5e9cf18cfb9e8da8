import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Installations } from './installations.ts';

/** Slack waits 3 seconds for a command's answer: a longer Retry-After is not worth waiting for. */
const LONGEST_WAIT_SECONDS = 2;

export function isRateLimited(error: unknown): error is { retryAfter: number } {
  return (error as { code?: unknown })?.code === 'slack_webapi_rate_limited_error';
}

function slackError(error: unknown): string | undefined {
  const e = error as { code?: unknown; data?: { error?: unknown } };
  return e?.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string' ? e.data.error : undefined;
}

/** Waits out one short rate limit (honouring Retry-After), and gives up on a long one. */
export async function retryWhenRateLimited<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isRateLimited(error) || error.retryAfter > LONGEST_WAIT_SECONDS) throw error;
    await new Promise((resolve) => setTimeout(resolve, error.retryAfter * 1000));
    return call();
  }
}

export interface TokenContext {
  installations: Installations;
  clientId: string;
  clientSecret: string;
  clientOptions: WebClientOptions;
}

/**
 * Calls with the workspace's bot token and, when Slack answers `token_expired` (the app's idea of the expiry and
 * Slack's can differ), refreshes the token once, stores the new pair and calls again.
 */
export async function withFreshBotToken<T>(ctx: TokenContext, teamId: string, client: WebClient, call: (client: WebClient) => Promise<T>): Promise<T> {
  try {
    return await call(client);
  } catch (error) {
    if (slackError(error) !== 'token_expired') throw error;
    return call(new WebClient(await refreshBotToken(ctx, teamId), ctx.clientOptions));
  }
}

async function refreshBotToken(ctx: TokenContext, teamId: string): Promise<string> {
  const installation = ctx.installations.forTeam(teamId);
  const refreshToken = installation?.bot?.refreshToken;
  if (installation?.bot === undefined || refreshToken === undefined) throw new Error(`no refresh token for ${teamId}`);
  const answer = await new WebClient(undefined, ctx.clientOptions).oauth.v2.access({
    client_id: ctx.clientId,
    client_secret: ctx.clientSecret,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });
  installation.bot.token = answer.access_token!;
  installation.bot.refreshToken = answer.refresh_token;
  installation.bot.expiresAt = Math.floor(Date.now() / 1000) + (answer.expires_in ?? 0);
  await ctx.installations.storeInstallation(installation);
  return installation.bot.token;
}
