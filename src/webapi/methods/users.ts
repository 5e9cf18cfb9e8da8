import { SlackError } from '../../domain/errors.ts';
import { decodeCursor, nextCursor, pageSize } from '../cursor.ts';
import { slackUser } from '../objects.ts';
import { defineMethod } from '../registry.ts';
import { holdsScope } from '../scopes.ts';

const USER_ID = /^[UW][A-Z0-9]{2,23}$/;

/**
 * users.list: every member of the caller's workspace in id order, bot users (`is_bot`) and deactivated members
 * (`deleted`) included, as Slack lists them. Slack sends the whole set when no limit is given; Tessera sends at
 * most 1000 a page, which Slack's docs allow ("fewer than the requested number of items may be returned").
 */
export const usersList = defineMethod({
  name: 'users.list',
  tokens: ['bot', 'user'],
  scopes: { bot: ['users:read'], user: ['users:read'] },
  tier: 2,
  args: { cursor: { type: 'string', maxLength: 512 }, limit: { type: 'integer' }, include_locale: { type: 'boolean' }, team_id: { type: 'string', maxLength: 24 } },
  async handler(ctx) {
    const auth = ctx.auth!;
    const after = decodeCursor(ctx.args.cursor, 'user', USER_ID);
    const limit = pageSize(ctx.args.limit, 1000, 1000);
    const rows = await ctx.services.store.directory.members(auth.teamId!, after, limit + 1);
    const withEmail = holdsScope(auth, 'users:read.email');
    return {
      members: rows.slice(0, limit).map((u) => slackUser(u, withEmail)),
      cache_ts: Math.floor(ctx.services.clock.now() / 1000),
      response_metadata: nextCursor(rows, limit, 'user', (u) => u.id),
    };
  },
});

/** users.info: one member (or bot user) of the caller's workspace; anyone else is `user_not_found`. */
export const usersInfo = defineMethod({
  name: 'users.info',
  tokens: ['bot', 'user'],
  scopes: { bot: ['users:read'], user: ['users:read'] },
  tier: 4,
  args: { user: { type: 'string', required: true, maxLength: 64 }, include_locale: { type: 'boolean' } },
  async handler(ctx) {
    const auth = ctx.auth!;
    const user = USER_ID.test(ctx.args.user!) ? await ctx.services.store.directory.member(auth.teamId!, ctx.args.user!) : null;
    if (user === null) throw new SlackError('user_not_found');
    return { user: slackUser(user, holdsScope(auth, 'users:read.email')) };
  },
});

/**
 * users.lookupByEmail: the member with that address (any case). A deactivated member is not found, as on Slack,
 * whose lookup answers `users_not_found` once an account is deactivated.
 */
export const usersLookupByEmail = defineMethod({
  name: 'users.lookupByEmail',
  tokens: ['bot', 'user'],
  scopes: { bot: ['users:read.email'], user: ['users:read.email'] },
  tier: 3,
  args: { email: { type: 'string', required: true, maxLength: 320 } },
  async handler(ctx) {
    const auth = ctx.auth!;
    const user = await ctx.services.store.directory.memberByEmail(auth.teamId!, ctx.args.email!);
    if (user === null || user.role === 'deactivated') throw new SlackError('users_not_found');
    return { user: slackUser(user, true) };
  },
});
