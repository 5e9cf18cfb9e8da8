import { SlackError } from '../../domain/errors.ts';
import { defineMethod } from '../registry.ts';

/** team.info: the calling token's workspace (or, for a token that may see it, the one named by `team`). */
export const teamInfo = defineMethod({
  name: 'team.info',
  tokens: ['bot', 'user'],
  scopes: { bot: ['team:read'], user: ['team:read'] },
  tier: 3,
  args: { team: { type: 'string', maxLength: 24 }, domain: { type: 'string', maxLength: 100 } },
  async handler(ctx) {
    const auth = ctx.auth!;
    const wanted = ctx.args.team ?? auth.teamId;
    // A workspace token sees only its own workspace; other teams of an enterprise come with Enterprise Grid.
    if (wanted !== auth.teamId) throw new SlackError('team_not_found');
    const team = await ctx.services.store.workspaces.team(wanted!);
    if (!team) throw new SlackError('team_not_found');
    return {
      team: {
        id: team.id,
        name: team.name,
        url: `${ctx.services.publicUrl}/t/${team.domain}/`,
        domain: team.domain,
        email_domain: '',
        icon: { image_default: true },
        avatar_base_url: `${ctx.services.publicUrl}/avatars/`,
        is_verified: false,
        ...(team.enterprise_id ? { enterprise_id: team.enterprise_id, enterprise_name: team.enterprise_name } : {}),
      },
    };
  },
});
