import type { ChannelRecord, MemberRecord } from '../store/directory.ts';
import type { MessageRecord } from '../store/messages.ts';

/**
 * Slack's user, conversation and message objects, in the field names of Slack's answers (and of the SDK's
 * response types). Fields Tessera has no data for (avatars, status, time zones) are left out or neutral.
 */

/** A user object; `profile.email` only for callers holding `users:read.email`. */
export function slackUser(u: MemberRecord, withEmail: boolean): Record<string, unknown> {
  const deleted = u.role === 'deactivated' || u.bot_deleted;
  const profile: Record<string, unknown> = {
    real_name: u.real_name,
    real_name_normalized: u.real_name,
    // Bot users have no display name of their own in Slack; members show their handle.
    display_name: u.is_bot ? '' : u.name,
    display_name_normalized: u.is_bot ? '' : u.name,
    status_text: '',
    status_emoji: '',
    team: u.team_id,
  };
  if (withEmail && u.email !== null) profile['email'] = u.email;
  if (u.is_bot && u.bot_id !== null) Object.assign(profile, { bot_id: u.bot_id, api_app_id: u.app_id, always_active: true });
  return {
    id: u.id,
    team_id: u.team_id,
    name: u.name,
    deleted,
    real_name: u.real_name,
    tz: 'Etc/UTC',
    tz_label: 'Coordinated Universal Time',
    tz_offset: 0,
    profile,
    // Slack's owners are admins too.
    is_admin: u.role === 'owner' || u.role === 'admin',
    is_owner: u.role === 'owner',
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: u.is_bot,
    is_app_user: false,
    updated: Math.floor(u.updated_at / 1000),
    is_email_confirmed: !u.is_bot && u.email !== null,
  };
}

/** A channel object, as the member who asked sees it (`is_member`). */
export function slackChannel(c: ChannelRecord, options: { numMembers: boolean }): Record<string, unknown> {
  // Private channels made before March 2021 have G ids and are "groups"; later ones are channels that are private.
  const isGroup = c.is_private && c.id.startsWith('G');
  const blank = { value: '', creator: '', last_set: 0 };
  const channel: Record<string, unknown> = {
    id: c.id,
    name: c.name,
    is_channel: !isGroup,
    is_group: isGroup,
    is_im: false,
    is_mpim: false,
    is_private: c.is_private,
    created: Math.floor(c.created_at / 1000),
    is_archived: c.is_archived,
    unlinked: 0,
    name_normalized: c.name,
    is_shared: false,
    is_org_shared: false,
    is_ext_shared: false,
    is_pending_ext_shared: false,
    context_team_id: c.team_id,
    updated: c.created_at,
    creator: c.creator_id ?? '',
    is_member: c.is_member,
    topic: blank,
    purpose: blank,
    previous_names: [],
  };
  if (options.numMembers) channel['num_members'] = c.num_members;
  return channel;
}

/** A message object: by a member (`user`), or by an app's bot (`bot_id`, `app_id`, `bot_profile`, and its bot user). */
export function slackMessage(m: MessageRecord): Record<string, unknown> {
  const message: Record<string, unknown> = { type: 'message' };
  if (m.thread_ts !== null && m.reply_broadcast) message['subtype'] = 'thread_broadcast';
  message['text'] = m.text;
  if (m.user_id !== null) message['user'] = m.user_id;
  if (m.bot_id !== null) {
    message['bot_id'] = m.bot_id;
    message['app_id'] = m.app_id;
    message['bot_profile'] = { id: m.bot_id, app_id: m.app_id, name: m.app_name ?? '', deleted: m.bot_deleted, team_id: m.team_id };
  }
  message['ts'] = m.ts;
  message['team'] = m.team_id;
  if (m.blocks !== null) message['blocks'] = JSON.parse(m.blocks);
  if (m.attachments !== null) message['attachments'] = JSON.parse(m.attachments);
  if (m.thread_ts !== null) message['thread_ts'] = m.thread_ts;
  else if (m.reply_count > 0) Object.assign(message, { thread_ts: m.ts, reply_count: m.reply_count, latest_reply: m.latest_reply });
  return message;
}
