import { SlackError } from '../../domain/errors.ts';
import { slackMessage } from '../objects.ts';
import { defineMethod } from '../registry.ts';
import { holdsScope } from '../scopes.ts';
import { visibleChannel } from './conversations.ts';

const MAX_TEXT = 40_000;
const MAX_BLOCKS = 50;
const MAX_ATTACHMENTS = 100;

/**
 * chat.postMessage: posts to a channel, named by id or by name (`#general` or `general`). With a user token the
 * message is the member's (`user`); with a bot token it is the app's bot (`bot_id`, `app_id`, and the bot user as
 * `user`). A member posts only where they are a member (`not_in_channel`); a bot also where `chat:write.public`
 * lets it into a public channel. Tessera has no direct messages: a user id as `channel` answers `channel_not_found`.
 * A reply (`thread_ts`) to a ts that is no message is accepted and stays out of the channel's history, as on Slack.
 * Its rate limit (one a second per channel) is the dispatcher's; here it only declares the `special` tier.
 */
export const chatPostMessage = defineMethod({
  name: 'chat.postMessage',
  tokens: ['bot', 'user'],
  scopes: { bot: ['chat:write'], user: ['chat:write'] },
  tier: 'special',
  // About one message per second per channel, with short bursts (slack-compat.md §3).
  rateLimit: { points: 5, seconds: 5, perArgument: 'channel' },
  args: {
    channel: { type: 'string', required: true, maxLength: 100 },
    text: { type: 'string' },
    blocks: { type: 'json', error: 'invalid_blocks_format' },
    attachments: { type: 'json' },
    thread_ts: { type: 'string', maxLength: 32 },
    reply_broadcast: { type: 'boolean' },
  },
  async handler(ctx) {
    const auth = ctx.auth!;
    const text = ctx.args.text ?? '';
    const blocks = blockList(ctx.args.blocks);
    const attachments = attachmentList(ctx.args.attachments);
    if (text.trim() === '' && blocks === undefined && attachments === undefined) throw new SlackError('no_text');
    if (text.length > MAX_TEXT) throw new SlackError('msg_too_long');
    const threadTs = ctx.args.thread_ts === undefined || ctx.args.thread_ts === '' ? null : ctx.args.thread_ts;
    if (threadTs !== null && !/^[0-9]{10}\.[0-9]{6}$/.test(threadTs)) throw new SlackError('invalid_thread_ts');

    const target = ctx.args.channel!;
    const ref = /^[CG][A-Z0-9]+$/.test(target) ? { id: target } : { name: target.replace(/^#/, '') };
    const channel = await visibleChannel(ctx.services, auth, ref);
    if (channel.is_archived) throw new SlackError('is_archived');
    const isBot = auth.tokenClass === 'bot';
    if (!channel.is_member && !(isBot && holdsScope(auth, 'chat:write.public'))) throw new SlackError('not_in_channel');

    const posted = {
      channel_id: channel.id,
      team_id: auth.teamId!,
      user_id: isBot ? auth.botUserId : auth.userId,
      bot_id: isBot ? auth.botId : null,
      app_id: isBot ? auth.appId : null,
      text,
      thread_ts: threadTs,
      reply_broadcast: threadTs !== null && (ctx.args.reply_broadcast ?? false),
    };
    const ts = await ctx.services.store.messages.post({
      channelId: posted.channel_id,
      teamId: posted.team_id,
      userId: posted.user_id,
      botId: posted.bot_id,
      appId: posted.app_id,
      text,
      blocks,
      attachments,
      threadTs,
      replyBroadcast: posted.reply_broadcast,
      now: ctx.services.clock.now(),
    });
    const message = slackMessage({
      ...posted,
      ts,
      app_name: isBot ? auth.appName : null,
      bot_deleted: false,
      blocks: blocks === undefined ? null : JSON.stringify(blocks),
      attachments: attachments === undefined ? null : JSON.stringify(attachments),
      reply_count: 0,
      latest_reply: null,
    });
    return { channel: channel.id, ts, message };
  },
});

/** Blocks as Block Kit has them: a list of at most 50 objects, each with a `type`. An empty list is no blocks. */
function blockList(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new SlackError('invalid_blocks_format');
  if (value.length > MAX_BLOCKS || value.some((b) => typeof b !== 'object' || b === null || Array.isArray(b) || typeof b.type !== 'string')) {
    throw new SlackError('invalid_blocks');
  }
  return value.length === 0 ? undefined : value;
}

/** Legacy attachments: a list of objects, at most 100. */
function attachmentList(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((a) => typeof a !== 'object' || a === null || Array.isArray(a))) throw new SlackError('invalid_attachments');
  if (value.length > MAX_ATTACHMENTS) throw new SlackError('too_many_attachments');
  return value.length === 0 ? undefined : value;
}
