import { SlackError } from '../../domain/errors.ts';
import { AVATAR_SIZES, avatarUrl } from '../../domain/openid.ts';
import { defineMethod } from '../registry.ts';
import { holdsScope } from '../scopes.ts';

/**
 * users.identity: legacy Sign in with Slack. identity.basic gives the member's name and id and the workspace's id;
 * identity.email adds the email, identity.avatar the pictures, identity.team the workspace's name.
 */
export const usersIdentity = defineMethod({
  name: 'users.identity',
  tokens: ['user'],
  scopes: { user: ['identity.basic'] },
  tier: 4,
  args: {},
  async handler(ctx) {
    const auth = ctx.auth!;
    const subject = auth.userId === null ? null : await ctx.services.store.openid.subject(auth.userId);
    if (subject === null) throw new SlackError('invalid_user_id');
    const user: Record<string, unknown> = { name: subject.realName, id: subject.userId };
    if (holdsScope(auth, 'identity.email') && subject.email !== null) user['email'] = subject.email;
    if (holdsScope(auth, 'identity.avatar')) for (const size of AVATAR_SIZES) user[`image_${size}`] = avatarUrl(ctx.services.publicUrl, subject.userId, size);
    const team: Record<string, unknown> = { id: subject.teamId };
    if (holdsScope(auth, 'identity.team')) team['name'] = subject.teamName;
    return { user, team };
  },
});
