import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LogLevel, WebClient } from '@slack/web-api';
import { mint } from '../helpers/fixture.ts';
import { ENGINES, rawCall, startServer, type TestServer } from '../helpers/server.ts';
import { idNumber } from '../../src/domain/token-strings.ts';

type Json = Record<string, any>;

/** A workspace with members of every role, public, private, archived and old-style (G) channels, and apps whose scopes differ. */
function workspaceFixture() {
  const tokens = {
    readerBot: mint.bot(),
    alice: mint.user('T0ACME0001', 'U0ALICE001'),
    bob: mint.user('T0ACME0001', 'U0BOB00001'),
    carol: mint.user('T0ACME0001', 'U0CAROL001'),
    dave: mint.user('T0ACME0001', 'U0DAVE0001'),
    narrowBot: mint.bot(),
    narrowBob: mint.user('T0ACME0001', 'U0BOB00001'),
    publisherBot: mint.bot(),
    classicBot: mint.bot(),
    app: mint.app('A0READ0001'),
    legacy: mint.user('T0ACME0001', 'U0ALICE001'),
    betaBot: mint.bot('T0BETA0001'),
  };
  const app = (id: string, name: string, extra: Record<string, unknown>) => ({
    id,
    name,
    team_id: 'T0ACME0001',
    client_id: `${idNumber(id)}.${idNumber(id)}3`,
    client_secret: `${id.toLowerCase()}-client-secret`,
    signing_secret: `${id.toLowerCase()}-signing-secret`,
    redirect_urls: ['http://localhost:3000/slack/oauth_redirect'],
    ...extra,
  });
  const reading = ['users:read', 'users:read.email', 'channels:read', 'groups:read', 'channels:history', 'groups:history', 'chat:write'];
  const fixture = {
    teams: [
      { id: 'T0ACME0001', name: 'Acme', domain: 'acme' },
      { id: 'T0BETA0001', name: 'Beta', domain: 'beta' },
    ],
    users: [
      { id: 'U0ALICE001', team_id: 'T0ACME0001', name: 'alice', real_name: 'Alice Archer', email: 'alice@acme.test', role: 'owner' },
      { id: 'U0BOB00001', team_id: 'T0ACME0001', name: 'bob', real_name: 'Bob Baker', email: 'bob@acme.test', role: 'member' },
      { id: 'U0CAROL001', team_id: 'T0ACME0001', name: 'carol', real_name: 'Carol Cole', email: 'carol@acme.test', role: 'member' },
      { id: 'U0DAVE0001', team_id: 'T0ACME0001', name: 'dave', real_name: 'Dave Gone', email: 'dave@acme.test', role: 'deactivated' },
      { id: 'U0ERIN0001', team_id: 'T0ACME0001', name: 'erin', real_name: 'Erin Admin', email: 'erin@acme.test', role: 'admin' },
      { id: 'U0CARA0001', team_id: 'T0BETA0001', name: 'cara', real_name: 'Cara Beta', email: 'cara@beta.test', role: 'owner' },
    ],
    channels: [
      { id: 'C0GENERAL1', team_id: 'T0ACME0001', name: 'general', members: ['U0ALICE001', 'U0BOB00001', 'U0CAROL001'] },
      { id: 'C0RANDOM01', team_id: 'T0ACME0001', name: 'random', members: ['U0ALICE001'] },
      { id: 'C0ARCHIVE1', team_id: 'T0ACME0001', name: 'old', members: ['U0ALICE001'] },
      { id: 'C0SECRET01', team_id: 'T0ACME0001', name: 'secret', is_private: true, members: ['U0BOB00001'] },
      { id: 'G0PLANS001', team_id: 'T0ACME0001', name: 'plans', is_private: true, members: ['U0ALICE001', 'U0BOB00001'] },
      { id: 'C0BETAGEN1', team_id: 'T0BETA0001', name: 'beta-general', members: ['U0CARA0001'] },
    ],
    apps: [
      app('A0READ0001', 'Reader', { bot_scopes: [...reading, 'channels:join'], user_scopes: [...reading, 'channels:write'] }),
      app('A0NARR0001', 'Narrow', { bot_scopes: ['users:read', 'chat:write', 'channels:read', 'channels:history'], user_scopes: ['channels:read', 'channels:history'] }),
      app('A0PUBL0001', 'Publisher', { bot_scopes: ['chat:write', 'chat:write.public'] }),
      app('A0OLD00001', 'Classic', { bot_scopes: ['bot'], classic: true, created: '2020-01-01' }),
    ],
    tokens: [
      { kind: 'bot', app_id: 'A0READ0001', token: tokens.readerBot },
      { kind: 'user', app_id: 'A0READ0001', user_id: 'U0ALICE001', token: tokens.alice },
      { kind: 'user', app_id: 'A0READ0001', user_id: 'U0BOB00001', token: tokens.bob },
      { kind: 'user', app_id: 'A0READ0001', user_id: 'U0CAROL001', token: tokens.carol },
      { kind: 'user', app_id: 'A0READ0001', user_id: 'U0DAVE0001', token: tokens.dave },
      { kind: 'bot', app_id: 'A0NARR0001', token: tokens.narrowBot },
      { kind: 'user', app_id: 'A0NARR0001', user_id: 'U0BOB00001', token: tokens.narrowBob },
      { kind: 'bot', app_id: 'A0PUBL0001', token: tokens.publisherBot },
      { kind: 'bot', app_id: 'A0OLD00001', token: tokens.classicBot },
      { kind: 'app', app_id: 'A0READ0001', scopes: ['connections:write'], token: tokens.app },
      { kind: 'legacy', team_id: 'T0ACME0001', user_id: 'U0ALICE001', token: tokens.legacy },
      { kind: 'bot', app_id: 'A0READ0001', team_id: 'T0BETA0001', token: tokens.betaBot },
    ],
  };
  return { fixture, tokens };
}

const HUMANS = ['U0ALICE001', 'U0BOB00001', 'U0CAROL001', 'U0DAVE0001', 'U0ERIN0001'];

/** users.*, conversations.* and chat.postMessage through Slack's own WebClient, on every engine. */
for (const engine of ENGINES) {
  describe(`workspace methods with WebClient (${engine})`, () => {
    let server: TestServer;
    let tokens: ReturnType<typeof workspaceFixture>['tokens'];
    /** Each bot token's bot user and bot id, as auth.test names them. */
    const bots: Record<string, { user: string; bot: string }> = {};
    const client = (token: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    const call = (token: string, method: string, args: Record<string, unknown> = {}) => client(token).apiCall(method, args) as Promise<Json>;
    /** The failure answer of a call that must fail: its `error`, and `needed`/`provided` for missing_scope. */
    const failure = async (promise: Promise<unknown>): Promise<Json> => {
      try {
        await promise;
      } catch (error) {
        const e = error as { code?: string; data?: Json };
        assert.equal(e.code, 'slack_webapi_platform_error', `expected a platform error, got ${String(error)}`);
        return e.data!;
      }
      assert.fail('the call succeeded');
    };
    const error = async (promise: Promise<unknown>) => (await failure(promise))['error'];
    const collect = async (token: string, method: string, args: Record<string, unknown>, field: string) => {
      const pages: Json[][] = [];
      for await (const page of client(token).paginate(method, args)) pages.push((page as Json)[field]);
      return { pages, items: pages.flat() };
    };

    before(async () => {
      const made = workspaceFixture();
      tokens = made.tokens;
      server = await startServer(engine, made.fixture);
      // The fixture format has no archived channels; archiving is a change of state like any other.
      await server.tessera.store.db.updateTable('channels').set({ is_archived: 1 }).where('id', '=', 'C0ARCHIVE1').execute();
      for (const name of ['readerBot', 'narrowBot', 'publisherBot', 'classicBot', 'betaBot'] as const) {
        const who = await client(tokens[name]).auth.test();
        bots[name] = { user: who.user_id!, bot: who.bot_id! };
      }
    });
    after(() => server.close());

    test('users.list through paginate walks every member of the workspace, two at a time', async () => {
      const { pages, items } = await collect(tokens.readerBot, 'users.list', { limit: 2 }, 'members');
      const acmeBots = ['readerBot', 'narrowBot', 'publisherBot', 'classicBot'].map((b) => bots[b]!.user);
      assert.deepEqual(items.map((u) => u['id']).sort(), [...HUMANS, ...acmeBots].sort(), 'every member and bot user of Acme, none of Beta');
      assert.equal(pages.length, Math.ceil(items.length / 2));
      assert.ok(pages.every((p) => p.length >= 1 && p.length <= 2), `page sizes ${pages.map((p) => p.length)}`);
      const byId = new Map(items.map((u) => [u['id'], u]));
      assert.equal(byId.get('U0DAVE0001')!['deleted'], true, 'a deactivated member is listed as deleted');
      assert.equal(byId.get('U0ALICE001')!['deleted'], false);
      assert.equal(byId.get('U0ALICE001')!['profile'].email, 'alice@acme.test', 'users:read.email shows emails');
      const reader = byId.get(bots['readerBot']!.user)!;
      assert.deepEqual([reader['is_bot'], reader['name'], reader['profile'].bot_id, reader['profile'].api_app_id], [true, 'reader', bots['readerBot']!.bot, 'A0READ0001']);
      assert.equal(byId.get('U0BOB00001')!['is_bot'], false);
    });

    test('a workspace’s bot lists only that workspace', async () => {
      const r = await call(tokens.betaBot, 'users.list');
      assert.deepEqual(r['members'].map((u: Json) => u['id']).sort(), ['U0CARA0001', bots['betaBot']!.user].sort());
    });

    test('cursors are opaque, end empty, and a bad one answers invalid_cursor', async () => {
      const first = await call(tokens.readerBot, 'users.list', { limit: 2 });
      const cursor = first['response_metadata'].next_cursor as string;
      assert.ok(cursor.length > 0 && !cursor.includes('U0'), `cursor ${cursor}`);
      const second = await call(tokens.readerBot, 'users.list', { limit: 2, cursor });
      assert.ok(second['members'][0].id > first['members'][1].id, 'the next page starts after the last member of the first');
      assert.equal((await call(tokens.readerBot, 'users.list', { limit: 100 }))['response_metadata'].next_cursor, '');
      assert.equal(await error(call(tokens.readerBot, 'users.list', { cursor: 'not a cursor!' })), 'invalid_cursor');
      assert.equal(await error(call(tokens.readerBot, 'users.list', { cursor: Buffer.from('user:; drop').toString('base64url') })), 'invalid_cursor');
      const channels = await call(tokens.alice, 'conversations.list', { limit: 1 });
      assert.equal(await error(call(tokens.readerBot, 'users.list', { cursor: channels['response_metadata'].next_cursor })), 'invalid_cursor', 'another method’s cursor');
      assert.equal(await error(call(tokens.alice, 'conversations.history', { channel: 'C0GENERAL1', cursor: cursor })), 'invalid_cursor');
    });

    test('users.info: roles, bot users, and members of other workspaces not found', async () => {
      const alice = (await client(tokens.readerBot).users.info({ user: 'U0ALICE001' })).user!;
      assert.deepEqual([alice.name, alice.real_name, alice.is_owner, alice.is_admin, alice.team_id, alice.profile?.email], ['alice', 'Alice Archer', true, true, 'T0ACME0001', 'alice@acme.test']);
      const erin = (await client(tokens.alice).users.info({ user: 'U0ERIN0001' })).user!;
      assert.deepEqual([erin.is_admin, erin.is_owner], [true, false]);
      const bot = (await client(tokens.alice).users.info({ user: bots['publisherBot']!.user })).user!;
      assert.deepEqual([bot.is_bot, bot.real_name, bot.profile?.bot_id], [true, 'Publisher', bots['publisherBot']!.bot]);
      for (const user of ['U0CARA0001', 'U0NOBODY01', 'not-an-id']) assert.equal(await error(client(tokens.readerBot).users.info({ user })), 'user_not_found', user);
    });

    test('users.lookupByEmail: any case, never a deactivated member or another workspace’s', async () => {
      const r = await client(tokens.readerBot).users.lookupByEmail({ email: 'BOB@Acme.test' });
      assert.deepEqual([r.user!.id, r.user!.profile?.email], ['U0BOB00001', 'bob@acme.test']);
      for (const email of ['nobody@acme.test', 'dave@acme.test', 'cara@beta.test']) {
        assert.equal(await error(client(tokens.readerBot).users.lookupByEmail({ email })), 'users_not_found', email);
      }
    });

    test('without users:read.email there are no emails, and no lookup by email', async () => {
      const listed = await call(tokens.narrowBot, 'users.list');
      assert.ok(listed['members'].length > 5);
      assert.ok(listed['members'].every((u: Json) => u['profile'].email === undefined), 'no member shows an email');
      assert.equal((await client(tokens.narrowBot).users.info({ user: 'U0ALICE001' })).user!.profile!.email, undefined);
      const refused = await failure(client(tokens.narrowBot).users.lookupByEmail({ email: 'bob@acme.test' }));
      assert.deepEqual([refused['error'], refused['needed'], refused['provided']], ['missing_scope', 'users:read.email', 'users:read,chat:write,channels:read,channels:history']);
    });

    test('token kinds and members that may not call', async () => {
      assert.equal(await error(call(tokens.app, 'users.list')), 'not_allowed_token_type', 'an app-level token');
      assert.equal(await error(call(tokens.dave, 'users.list')), 'account_inactive', 'a deactivated member’s token');
      assert.equal(await error(call(tokens.dave, 'conversations.list')), 'account_inactive');
      const scopeless = await failure(call(tokens.publisherBot, 'users.list'));
      assert.deepEqual([scopeless['error'], scopeless['needed'], scopeless['provided']], ['missing_scope', 'users:read', 'chat:write,chat:write.public']);
    });

    test('X-Accepted-OAuth-Scopes names what each method accepts', async () => {
      const headers = async (method: string) => (await rawCall(`${server.apiUrl}${method}`, { headers: { authorization: `Bearer ${tokens.alice}` } })).headers;
      assert.equal((await headers('users.list'))['x-accepted-oauth-scopes'], 'users:read');
      assert.equal((await headers('conversations.list'))['x-accepted-oauth-scopes'], 'channels:read,groups:read,im:read,mpim:read');
      assert.equal((await headers('conversations.join'))['x-accepted-oauth-scopes'], 'channels:write');
    });

    test('conversations.list: public channels, and private ones only to their members', async () => {
      const ids = async (token: string, args: Record<string, unknown>) => (await call(token, 'conversations.list', args))['channels'].map((c: Json) => c['id']).sort();
      const both = 'public_channel,private_channel';
      assert.deepEqual(await ids(tokens.alice, { types: both }), ['C0ARCHIVE1', 'C0GENERAL1', 'C0RANDOM01', 'G0PLANS001']);
      assert.deepEqual(await ids(tokens.bob, { types: 'private_channel' }), ['C0SECRET01', 'G0PLANS001']);
      assert.deepEqual(await ids(tokens.readerBot, { types: both }), ['C0ARCHIVE1', 'C0GENERAL1', 'C0RANDOM01'], 'a bot in no private channel sees none');
      assert.deepEqual(await ids(tokens.alice, {}), ['C0ARCHIVE1', 'C0GENERAL1', 'C0RANDOM01'], 'public channels by default');
      assert.deepEqual(await ids(tokens.alice, { types: both, exclude_archived: true }), ['C0GENERAL1', 'C0RANDOM01', 'G0PLANS001']);
      const channels: Json[] = (await call(tokens.carol, 'conversations.list', { types: both }))['channels'];
      const general = channels.find((c) => c['id'] === 'C0GENERAL1')!;
      assert.deepEqual([general['name'], general['is_channel'], general['is_private'], general['is_member'], general['num_members']], ['general', true, false, true, 3]);
      assert.equal(channels.find((c) => c['id'] === 'C0RANDOM01')!['is_member'], false, 'is_member is the caller’s');
      assert.equal(channels.find((c) => c['id'] === 'C0ARCHIVE1')!['is_archived'], true);
    });

    test('conversations.list through paginate, one channel a page', async () => {
      const { pages, items } = await collect(tokens.bob, 'conversations.list', { types: 'public_channel,private_channel', limit: 1 }, 'channels');
      assert.deepEqual(items.map((c) => c['id']).sort(), ['C0ARCHIVE1', 'C0GENERAL1', 'C0RANDOM01', 'C0SECRET01', 'G0PLANS001']);
      assert.ok(pages.every((p) => p.length === 1));
    });

    test('conversations.list: each channel type needs its scope', async () => {
      const refused = await failure(call(tokens.narrowBob, 'conversations.list', { types: 'public_channel,private_channel' }));
      assert.deepEqual([refused['error'], refused['needed'], refused['provided']], ['missing_scope', 'groups:read', 'channels:read,channels:history']);
      assert.equal((await call(tokens.narrowBob, 'conversations.list', { types: 'public_channel' }))['ok'], true);
      const none = await failure(call(tokens.publisherBot, 'conversations.list'));
      assert.deepEqual([none['error'], none['needed']], ['missing_scope', 'channels:read,groups:read,im:read,mpim:read']);
      assert.equal(await error(call(tokens.alice, 'conversations.list', { types: 'public_channel,bogus' })), 'invalid_types');
    });

    test('conversations.info: what the caller may see, shaped by channel type', async () => {
      const info = async (token: string, channel: string) => (await client(token).conversations.info({ channel })).channel!;
      const general = await info(tokens.readerBot, 'C0GENERAL1');
      assert.deepEqual([general.name, general.is_channel, general.is_private, general.is_archived, general.creator], ['general', true, false, false, 'U0ALICE001']);
      const secret = await info(tokens.bob, 'C0SECRET01');
      assert.deepEqual([secret.is_private, secret.is_channel, secret.is_group, secret.is_member], [true, true, false, true]);
      const plans = await info(tokens.alice, 'G0PLANS001');
      assert.deepEqual([plans.is_private, plans.is_channel, plans.is_group], [true, false, true], 'a G channel is a group');
      assert.equal((await client(tokens.alice).conversations.info({ channel: 'C0GENERAL1', include_num_members: true })).channel!.num_members, 3);
      for (const [token, channel] of [[tokens.alice, 'C0SECRET01'], [tokens.readerBot, 'C0SECRET01'], [tokens.alice, 'C0NOPE0001'], [tokens.alice, 'C0BETAGEN1'], [tokens.alice, '#general']] as const) {
        assert.equal(await error(client(token).conversations.info({ channel })), 'channel_not_found', channel);
      }
      const refused = await failure(client(tokens.narrowBob).conversations.info({ channel: 'C0SECRET01' }));
      assert.deepEqual([refused['error'], refused['needed']], ['missing_scope', 'groups:read']);
    });

    test('conversations.join: a bot or a member joins a public channel, once', async () => {
      const joined = await client(tokens.readerBot).conversations.join({ channel: 'C0GENERAL1' });
      assert.deepEqual([joined.channel!.id, joined.channel!.is_member, joined.warning], ['C0GENERAL1', true, undefined]);
      assert.equal((await client(tokens.readerBot).conversations.info({ channel: 'C0GENERAL1' })).channel!.is_member, true);
      const again = await client(tokens.readerBot).conversations.join({ channel: 'C0GENERAL1' });
      assert.deepEqual([again.ok, again.warning, again.response_metadata?.warnings], [true, 'already_in_channel', ['already_in_channel']]);
      assert.equal((await client(tokens.carol).conversations.join({ channel: 'C0RANDOM01' })).channel!.is_member, true, 'a member with channels:write');
      const random = (await call(tokens.alice, 'conversations.list'))['channels'].find((c: Json) => c['id'] === 'C0RANDOM01');
      assert.equal(random['num_members'], 2);
    });

    test('conversations.join refusals', async () => {
      assert.equal(await error(client(tokens.readerBot).conversations.join({ channel: 'C0ARCHIVE1' })), 'is_archived');
      assert.equal(await error(client(tokens.bob).conversations.join({ channel: 'C0SECRET01' })), 'method_not_supported_for_channel_type');
      assert.equal(await error(client(tokens.alice).conversations.join({ channel: 'C0SECRET01' })), 'channel_not_found', 'unseen by a non-member');
      const refused = await failure(client(tokens.narrowBot).conversations.join({ channel: 'C0GENERAL1' }));
      assert.deepEqual([refused['error'], refused['needed']], ['missing_scope', 'channels:join']);
      const member = await failure(client(tokens.narrowBob).conversations.join({ channel: 'C0GENERAL1' }));
      assert.deepEqual([member['error'], member['needed']], ['missing_scope', 'channels:write'], 'a member’s token needs channels:write');
    });

    test('chat.postMessage: a member’s message is theirs, a bot’s is the app’s, and history shows which', async () => {
      await client(tokens.readerBot).conversations.join({ channel: 'C0GENERAL1' });
      const mine = await client(tokens.alice).chat.postMessage({ channel: 'C0GENERAL1', text: 'hello from alice' });
      assert.equal(mine.channel, 'C0GENERAL1');
      assert.match(mine.ts!, /^\d{10}\.\d{6}$/);
      assert.deepEqual([mine.message!.user, mine.message!.text, mine.message!.bot_id, mine.message!.ts], ['U0ALICE001', 'hello from alice', undefined, mine.ts]);
      const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*built* by the bot' } }];
      const theirs = await client(tokens.readerBot).chat.postMessage({ channel: 'C0GENERAL1', text: 'hello from the bot', blocks });
      assert.deepEqual([theirs.message!.user, theirs.message!.bot_id, theirs.message!.app_id], [bots['readerBot']!.user, bots['readerBot']!.bot, 'A0READ0001']);
      assert.deepEqual(theirs.message!.blocks, blocks);

      const history = await client(tokens.bob).conversations.history({ channel: 'C0GENERAL1' });
      const [newest, older] = history.messages!;
      assert.deepEqual([newest!.ts, newest!.text, newest!.user, newest!.bot_id, newest!.app_id, newest!.bot_profile?.name], [theirs.ts, 'hello from the bot', bots['readerBot']!.user, bots['readerBot']!.bot, 'A0READ0001', 'Reader']);
      assert.deepEqual(newest!.blocks, blocks);
      assert.deepEqual([older!.ts, older!.text, older!.user, older!.bot_id], [mine.ts, 'hello from alice', 'U0ALICE001', undefined]);
      assert.deepEqual([history.has_more, history.response_metadata?.next_cursor], [false, '']);
    });

    test('chat.postMessage takes a channel name, and blocks as a JSON body', async () => {
      const named = await client(tokens.alice).chat.postMessage({ channel: '#random', text: 'by name' });
      assert.equal(named.channel, 'C0RANDOM01');
      const raw = await rawCall(`${server.apiUrl}chat.postMessage`, {
        headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: 'C0RANDOM01', blocks: [{ type: 'divider' }] }),
      });
      assert.deepEqual([raw.json['ok'], (raw.json['message'] as Json)['blocks']], [true, [{ type: 'divider' }]]);
    });

    test('chat.postMessage: where a bot or a member may post', async () => {
      assert.equal(await error(client(tokens.narrowBot).chat.postMessage({ channel: 'C0RANDOM01', text: 'hi' })), 'not_in_channel', 'a bot without chat:write.public');
      const open = await client(tokens.publisherBot).chat.postMessage({ channel: 'C0RANDOM01', text: 'from outside' });
      assert.equal(open.message!.bot_id, bots['publisherBot']!.bot, 'chat:write.public posts where the bot is not a member');
      assert.equal(await error(client(tokens.bob).chat.postMessage({ channel: 'C0RANDOM01', text: 'hi' })), 'not_in_channel', 'a member posts only where they are');
      assert.equal(await error(client(tokens.publisherBot).chat.postMessage({ channel: 'C0SECRET01', text: 'hi' })), 'channel_not_found', 'chat:write.public opens no private channel');
      assert.equal(await error(client(tokens.readerBot).chat.postMessage({ channel: 'U0ALICE001', text: 'hi' })), 'channel_not_found', 'no direct messages');
      assert.equal(await error(client(tokens.alice).chat.postMessage({ channel: 'C0ARCHIVE1', text: 'hi' })), 'is_archived');
      assert.equal(await error(client(tokens.alice).chat.postMessage({ channel: 'C0BETAGEN1', text: 'hi' })), 'channel_not_found');
    });

    test('chat.postMessage: what a message must be', async () => {
      const post = (args: Record<string, unknown>) => call(tokens.alice, 'chat.postMessage', { channel: 'C0GENERAL1', ...args });
      assert.equal(await error(post({ text: '' })), 'no_text');
      assert.equal(await error(post({ text: '   ' })), 'no_text');
      assert.equal(await error(post({})), 'no_text');
      assert.equal(await error(post({ text: 'x'.repeat(40_001) })), 'msg_too_long');
      assert.equal((await post({ text: 'x'.repeat(40_000) }))['ok'], true, '40,000 characters are allowed');
      assert.equal(await error(post({ text: 'hi', blocks: [{ text: 'no type' }] })), 'invalid_blocks');
      assert.equal(await error(post({ text: 'hi', blocks: '[{"type": "section"' })), 'invalid_blocks_format');
      assert.equal(await error(post({ text: 'hi', blocks: '{"type": "section"}' })), 'invalid_blocks_format');
      assert.equal(await error(post({ text: 'hi', thread_ts: 'yesterday' })), 'invalid_thread_ts');
      const refused = await failure(call(tokens.narrowBob, 'chat.postMessage', { channel: 'C0GENERAL1', text: 'hi' }));
      assert.deepEqual([refused['error'], refused['needed']], ['missing_scope', 'chat:write']);
    });

    test('conversations.history: who may read', async () => {
      assert.equal(await error(client(tokens.readerBot).conversations.history({ channel: 'C0RANDOM01' })), 'not_in_channel', 'a bot must be in a public channel');
      const outsider = await client(tokens.bob).conversations.history({ channel: 'C0RANDOM01' });
      assert.ok(outsider.messages!.some((m) => m.text === 'from outside'), 'a member’s token reads any public channel');
      assert.equal(await error(client(tokens.readerBot).conversations.history({ channel: 'C0SECRET01' })), 'channel_not_found');
      assert.equal(await error(client(tokens.alice).conversations.history({ channel: 'C0SECRET01' })), 'channel_not_found');
      assert.equal((await client(tokens.bob).conversations.history({ channel: 'C0SECRET01' })).ok, true);
      const refused = await failure(client(tokens.narrowBob).conversations.history({ channel: 'C0SECRET01' }));
      assert.deepEqual([refused['error'], refused['needed']], ['missing_scope', 'groups:history']);
      assert.deepEqual((await failure(call(tokens.publisherBot, 'conversations.history', { channel: 'C0GENERAL1' })))['needed'], 'channels:history,groups:history,im:history,mpim:history');
      assert.equal((await client(tokens.alice).conversations.history({ channel: 'C0ARCHIVE1' })).ok, true, 'archived channels stay readable');
    });

    test('conversations.history: pages, bounds and threads', async () => {
      const posted: string[] = [];
      for (const text of ['m1', 'm2', 'm3', 'm4', 'm5']) posted.push((await client(tokens.bob).chat.postMessage({ channel: 'G0PLANS001', text })).ts!);
      const { pages, items } = await collect(tokens.alice, 'conversations.history', { channel: 'G0PLANS001', limit: 2 }, 'messages');
      assert.deepEqual(items.map((m) => m['text']), ['m5', 'm4', 'm3', 'm2', 'm1'], 'newest first, across pages');
      assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);

      const range = async (args: Record<string, unknown>) => (await call(tokens.alice, 'conversations.history', { channel: 'G0PLANS001', ...args }))['messages'].map((m: Json) => m['text']);
      assert.deepEqual(await range({ oldest: posted[1], latest: posted[3] }), ['m3']);
      assert.deepEqual(await range({ oldest: posted[1], latest: posted[3], inclusive: true }), ['m4', 'm3', 'm2']);
      assert.deepEqual(await range({ latest: posted[1] }), ['m1']);
      assert.deepEqual(await range({ oldest: '0', latest: '1' }), []);
      assert.equal(await error(call(tokens.alice, 'conversations.history', { channel: 'G0PLANS001', latest: 'now' })), 'invalid_ts_latest');
      assert.equal(await error(call(tokens.alice, 'conversations.history', { channel: 'G0PLANS001', oldest: '-1' })), 'invalid_ts_oldest');

      const reply = await client(tokens.alice).chat.postMessage({ channel: 'G0PLANS001', text: 'in the thread', thread_ts: posted[0]! });
      assert.equal(reply.message!.thread_ts, posted[0]);
      const shout = await client(tokens.alice).chat.postMessage({ channel: 'G0PLANS001', text: 'also in the channel', thread_ts: posted[0]!, reply_broadcast: true });
      const messages = (await client(tokens.bob).conversations.history({ channel: 'G0PLANS001' })).messages!;
      assert.ok(!messages.some((m) => m.ts === reply.ts), 'a reply stays in its thread');
      assert.deepEqual([messages[0]!.ts, messages[0]!.subtype, messages[0]!.thread_ts], [shout.ts, 'thread_broadcast', posted[0]]);
      const parent = messages.find((m) => m.ts === posted[0])!;
      assert.deepEqual([parent.thread_ts, parent.reply_count, parent.latest_reply], [posted[0], 2, shout.ts]);
    });

    test('a legacy token reads and writes as its member, with every scope', async () => {
      const legacy = client(tokens.legacy);
      const members = (await legacy.users.list({})).members!;
      assert.equal(members.find((m) => m.id === 'U0BOB00001')!.profile!.email, 'bob@acme.test');
      const channels = (await legacy.conversations.list({ types: 'public_channel,private_channel' })).channels!;
      assert.deepEqual(channels.map((c) => c.id).sort(), ['C0ARCHIVE1', 'C0GENERAL1', 'C0RANDOM01', 'G0PLANS001']);
      assert.ok((await legacy.conversations.history({ channel: 'G0PLANS001' })).messages!.length > 0);
      const posted = await legacy.chat.postMessage({ channel: 'G0PLANS001', text: 'legacy' });
      assert.deepEqual([posted.message!.user, posted.message!.bot_id], ['U0ALICE001', undefined]);
      assert.equal((await legacy.conversations.join({ channel: 'C0RANDOM01' })).warning, 'already_in_channel');
      assert.equal((await legacy.users.lookupByEmail({ email: 'carol@acme.test' })).user!.id, 'U0CAROL001');
    });

    test('a classic bot’s umbrella bot scope covers every bot method', async () => {
      const classic = client(tokens.classicBot);
      assert.ok((await classic.users.list({})).members!.some((m) => m.profile?.email === 'alice@acme.test'));
      assert.equal((await classic.users.lookupByEmail({ email: 'alice@acme.test' })).user!.id, 'U0ALICE001');
      assert.ok((await classic.conversations.list({ types: 'public_channel,private_channel' })).channels!.length >= 3);
      assert.equal((await classic.conversations.join({ channel: 'C0GENERAL1' })).channel!.is_member, true);
      const posted = await classic.chat.postMessage({ channel: 'C0GENERAL1', text: 'classic' });
      assert.deepEqual([posted.message!.bot_id, posted.message!.user], [bots['classicBot']!.bot, bots['classicBot']!.user]);
      assert.equal((await classic.conversations.history({ channel: 'C0GENERAL1', limit: 1 })).messages![0]!.ts, posted.ts);
      const headers = (await rawCall(`${server.apiUrl}users.list`, { headers: { authorization: `Bearer ${tokens.classicBot}` } })).headers;
      assert.equal(headers['x-oauth-scopes'], 'bot');
    });
  });
}
