import { BEARER_CLASSES } from '../../domain/token-kinds.ts';
import { defineMethod, type MethodContext } from '../registry.ts';
import type { AuthContext } from '../authenticate.ts';

/** auth.test: who the token is, in the fields Slack gives for each kind (slack-compat.md §4). */
export const authTest = defineMethod({
  name: 'auth.test',
  tokens: BEARER_CLASSES,
  tier: 'special',
  args: {},
  async handler(ctx: MethodContext) {
    const auth = ctx.auth!;
    const answer: Record<string, unknown> = {};
    if (auth.tokenClass === 'app') {
      answer['app_id'] = auth.appId;
      answer['app_name'] = auth.appName;
    } else {
      answer['url'] = teamUrl(ctx.services.publicUrl, auth.teamDomain);
      answer['team'] = auth.teamName;
      if (auth.tokenClass === 'bot') {
        answer['user'] = auth.botUserName;
        answer['team_id'] = auth.teamId;
        answer['user_id'] = auth.botUserId;
        answer['bot_id'] = auth.botId;
      } else if (auth.tokenClass === 'workspace') {
        answer['team_id'] = auth.teamId;
        answer['app_id'] = auth.appId;
        answer['app_name'] = auth.appName;
      } else {
        answer['user'] = auth.userName;
        answer['team_id'] = auth.teamId;
        answer['user_id'] = auth.userId;
      }
      if (auth.enterpriseId !== null) answer['enterprise_id'] = auth.enterpriseId;
      answer['is_enterprise_install'] = auth.isEnterpriseInstall;
    }
    const expiresIn = secondsLeft(auth, ctx.services.clock.now());
    if (expiresIn !== null) answer['expires_in'] = expiresIn;
    return answer;
  },
});

/** auth.revoke: ends the presenting token (any kind, refresh tokens too); `test` only says it would. */
export const authRevoke = defineMethod({
  name: 'auth.revoke',
  tokens: [...BEARER_CLASSES, 'refresh'],
  tier: 3,
  args: { test: { type: 'boolean' } },
  async handler(ctx) {
    if (ctx.args.test) return { revoked: false };
    await ctx.services.revokeToken(ctx.auth!.digest);
    return { revoked: true };
  },
});

/** A workspace's address under Tessera, as Slack's `https://{domain}.slack.com/`. */
export function teamUrl(publicUrl: string, domain: string | null): string {
  return domain === null ? `${publicUrl}/` : `${publicUrl}/t/${domain}/`;
}

function secondsLeft(auth: AuthContext, now: number): number | null {
  return auth.expiresAt === null ? null : Math.max(0, Math.floor((auth.expiresAt - now) / 1000));
}
