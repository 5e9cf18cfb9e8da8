import { SlackError } from '../../domain/errors.ts';
import type { ChannelRecord } from '../../store/directory.ts';
import type { AuthContext } from '../authenticate.ts';
import { decodeCursor, nextCursor, pageSize } from '../cursor.ts';
import { slackChannel, slackMessage } from '../objects.ts';
import { defineMethod } from '../registry.ts';
import { requireScope } from '../scopes.ts';
import type { Services } from '../services.ts';

const CHANNEL_ID = /^[CG][A-Z0-9]{2,23}$/;
const TS = /^[0-9]{1,10}(\.[0-9]{1,6})?$/;
const READ_SCOPES = ['channels:read', 'groups:read', 'im:read', 'mpim:read'];
const HISTORY_SCOPES = ['channels:history', 'groups:history', 'im:history', 'mpim:history'];
const TYPE_SCOPES: Record<string, string> = { public_channel: 'channels:read', private_channel: 'groups:read', mpim: 'mpim:read', im: 'im:read' };

/** Who is asking, as a member of channels: the app's bot user for a bot token, the member for a user token. */
export function callerMemberId(auth: AuthContext): string | null {
  return auth.tokenClass === 'bot' ? auth.botUserId : auth.userId;
}

/**
 * A channel of the caller's workspace that the caller may see. Private channels exist only for their members:
 * to anyone else they are `channel_not_found`, exactly like a channel that does not exist.
 */
export async function visibleChannel(services: Services, auth: AuthContext, ref: { id: string } | { name: string }): Promise<ChannelRecord> {
  if ('id' in ref && !CHANNEL_ID.test(ref.id)) throw new SlackError('channel_not_found');
  const channel = await services.store.directory.channel(auth.teamId!, ref, callerMemberId(auth));
  if (channel === null || (channel.is_private && !channel.is_member)) throw new SlackError('channel_not_found');
  return channel;
}

/** conversations.list: public channels, and the private ones the caller is in, in id order. */
export const conversationsList = defineMethod({
  name: 'conversations.list',
  tokens: ['bot', 'user'],
  anyScopes: { bot: READ_SCOPES, user: READ_SCOPES },
  tier: 2,
  args: {
    types: { type: 'string', maxLength: 200 },
    exclude_archived: { type: 'boolean' },
    cursor: { type: 'string', maxLength: 512 },
    limit: { type: 'integer' },
    team_id: { type: 'string', maxLength: 24 },
  },
  async handler(ctx) {
    const auth = ctx.auth!;
    const types = (ctx.args.types ?? 'public_channel').split(',').map((t) => t.trim()).filter((t) => t !== '');
    if (types.length === 0 || types.some((t) => TYPE_SCOPES[t] === undefined)) throw new SlackError('invalid_types');
    // Each type asked for needs its own scope. Tessera has no direct messages, so im and mpim only list nothing.
    requireScope(auth, ...new Set(types.map((t) => TYPE_SCOPES[t]!)));
    const limit = pageSize(ctx.args.limit, 100, 1000);
    const rows = await ctx.services.store.directory.channels(auth.teamId!, {
      memberId: callerMemberId(auth),
      publicChannels: types.includes('public_channel'),
      privateChannels: types.includes('private_channel'),
      excludeArchived: ctx.args.exclude_archived ?? false,
      after: decodeCursor(ctx.args.cursor, 'channel', CHANNEL_ID),
      limit: limit + 1,
    });
    return {
      channels: rows.slice(0, limit).map((c) => slackChannel(c, { numMembers: true })),
      response_metadata: nextCursor(rows, limit, 'channel', (c) => c.id),
    };
  },
});

/** conversations.info: one channel the caller may see; its type decides the scope (`channels:read` or `groups:read`). */
export const conversationsInfo = defineMethod({
  name: 'conversations.info',
  tokens: ['bot', 'user'],
  anyScopes: { bot: READ_SCOPES, user: READ_SCOPES },
  tier: 3,
  args: { channel: { type: 'string', required: true, maxLength: 64 }, include_num_members: { type: 'boolean' }, include_locale: { type: 'boolean' } },
  async handler(ctx) {
    const auth = ctx.auth!;
    const channel = await visibleChannel(ctx.services, auth, { id: ctx.args.channel! });
    requireScope(auth, channel.is_private ? 'groups:read' : 'channels:read');
    return { channel: slackChannel(channel, { numMembers: ctx.args.include_num_members ?? false }) };
  },
});

/**
 * conversations.history: a channel's messages, newest first. Who may read, following Slack's docs ("any
 * conversation the app, bot or user is a member of"; `channels:history` is "messages in public channels that your
 * Slack app has been added to"): a bot must be a member even of a public channel, else `not_in_channel`; a member's
 * own token reads any public channel, as the member could open it in Slack; a private channel is readable by its
 * members only and does not exist for anyone else (`channel_not_found`). Slack refuses classic bots here
 * altogether; slack-compat.md §4 grants them every bot method, so Tessera lets them read like any bot.
 */
export const conversationsHistory = defineMethod({
  name: 'conversations.history',
  tokens: ['bot', 'user'],
  anyScopes: { bot: HISTORY_SCOPES, user: HISTORY_SCOPES },
  tier: 3,
  args: {
    channel: { type: 'string', required: true, maxLength: 64 },
    cursor: { type: 'string', maxLength: 512 },
    limit: { type: 'integer' },
    latest: { type: 'string', maxLength: 32 },
    oldest: { type: 'string', maxLength: 32 },
    inclusive: { type: 'boolean' },
    include_all_metadata: { type: 'boolean' },
  },
  async handler(ctx) {
    const auth = ctx.auth!;
    const channel = await visibleChannel(ctx.services, auth, { id: ctx.args.channel! });
    requireScope(auth, channel.is_private ? 'groups:history' : 'channels:history');
    if (auth.tokenClass === 'bot' && !channel.is_member) throw new SlackError('not_in_channel');
    const latest = boundTs(ctx.args.latest, 'invalid_ts_latest') ?? '9999999999.999999';
    const oldest = boundTs(ctx.args.oldest, 'invalid_ts_oldest') ?? '0000000000.000000';
    const limit = pageSize(ctx.args.limit, 100, 999);
    const rows = await ctx.services.store.messages.channelHistory(channel.id, {
      latest,
      oldest,
      // Slack ignores `inclusive` unless a bound was given; without one, both bounds are beyond every message.
      inclusive: ctx.args.inclusive ?? false,
      before: decodeCursor(ctx.args.cursor, 'next_ts', /^[0-9]{10}\.[0-9]{6}$/),
      limit: limit + 1,
    });
    const answer: Record<string, unknown> = {
      messages: rows.slice(0, limit).map(slackMessage),
      has_more: rows.length > limit,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
    };
    if (ctx.args.latest !== undefined) answer['latest'] = ctx.args.latest;
    if (ctx.args.oldest !== undefined) answer['oldest'] = ctx.args.oldest;
    answer['response_metadata'] = nextCursor(rows, limit, 'next_ts', (m) => m.ts);
    return answer;
  },
});

/**
 * conversations.join: the caller (the bot user, or the member) joins a public channel. Joining again is not an
 * error: Slack answers the channel with the warning `already_in_channel`.
 */
export const conversationsJoin = defineMethod({
  name: 'conversations.join',
  tokens: ['bot', 'user'],
  scopes: { bot: ['channels:join'], user: ['channels:write'] },
  tier: 3,
  args: { channel: { type: 'string', required: true, maxLength: 64 } },
  async handler(ctx) {
    const auth = ctx.auth!;
    const channel = await visibleChannel(ctx.services, auth, { id: ctx.args.channel! });
    if (channel.is_private) throw new SlackError('method_not_supported_for_channel_type');
    if (channel.is_archived) throw new SlackError('is_archived');
    const answer: Record<string, unknown> = {};
    if (channel.is_member) answer['warning'] = 'already_in_channel';
    else {
      await ctx.services.store.directory.join(channel.id, callerMemberId(auth)!, ctx.services.clock.now());
      channel.is_member = true;
      channel.num_members++;
    }
    answer['channel'] = slackChannel(channel, { numMembers: false });
    return answer;
  },
});

/** A `latest` or `oldest` bound as a fixed-width ts, so that bounds and stored ts compare as strings. */
function boundTs(value: string | undefined, error: string): string | null {
  if (value === undefined || value === '') return null;
  if (!TS.test(value)) throw new SlackError(error);
  const [seconds, fraction = ''] = value.split('.');
  return `${seconds!.padStart(10, '0')}.${fraction.padEnd(6, '0')}`;
}
