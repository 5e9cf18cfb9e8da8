import { randomBytes } from 'node:crypto';
import { digestsEqual } from '../../crypto/passwords.ts';
import { SlackError } from '../../domain/errors.ts';
import { decodeEventContext } from '../../domain/event-context.ts';
import { tokenDigest } from '../../domain/token-strings.ts';
import { authenticateClient, CLIENT_ARGS } from '../client-auth.ts';
import { defineMethod } from '../registry.ts';

/** apps.uninstall: the app, proven by its client credentials and one of its tokens, leaves the token's workspace. */
export const appsUninstall = defineMethod({
  name: 'apps.uninstall',
  tokens: ['bot', 'user'],
  tier: 1,
  args: CLIENT_ARGS,
  async handler(ctx) {
    const app = await authenticateClient(ctx.services, ctx.args, undefined);
    const auth = ctx.auth!;
    if (auth.appId !== app.id) throw new SlackError('client_id_token_mismatch');
    const installationId = auth.installationId ?? (auth.teamId ? await ctx.services.store.tokens.installationOf(app.id, auth.teamId) : null);
    if (installationId !== null) {
      await ctx.services.store.tokens.uninstall(installationId, ctx.services.clock.now());
      ctx.services.tokensChanged('all');
      ctx.services.audit({ event: 'app_uninstalled', app: app.id, team: auth.teamId });
    }
    return {};
  },
});

const TICKET_TTL_MS = 60_000;

/**
 * apps.connections.open: a single-use Socket Mode URL on this server for the app whose app-level token asks.
 * `ws://` behind an http public URL, `wss://` behind https, as clients connect to whatever they are given.
 */
export const appsConnectionsOpen = defineMethod({
  name: 'apps.connections.open',
  tokens: ['app'],
  scopes: { app: ['connections:write'] },
  tier: 1,
  headerOnly: true,
  args: {},
  async handler(ctx) {
    const auth = ctx.auth!;
    const ticket = randomBytes(24).toString('base64url');
    await ctx.services.store.appLevel.createTicket({ digest: tokenDigest(ticket), appId: auth.appId!, tokenDigest: auth.digest, now: ctx.services.clock.now(), ttlMs: TICKET_TTL_MS });
    const base = new URL(ctx.services.publicUrl);
    base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    base.pathname = `${base.pathname.replace(/\/$/, '')}/link/`;
    base.search = new URLSearchParams({ ticket, app_id: auth.appId! }).toString();
    return { url: base.toString() };
  },
});

/** apps.event.authorizations.list: the app's installations an event is visible to, from its event_context. */
export const appsEventAuthorizationsList = defineMethod({
  name: 'apps.event.authorizations.list',
  tokens: ['app'],
  scopes: { app: ['authorizations:read'] },
  tier: 'special',
  headerOnly: true,
  args: {
    event_context: { type: 'string', required: true, maxLength: 1024 },
    cursor: { type: 'string', maxLength: 256 },
    limit: { type: 'integer', min: 1, max: 1000 },
  },
  async handler(ctx) {
    const auth = ctx.auth!;
    const box = ctx.services.store.box;
    const context = decodeEventContext(ctx.args.event_context!, (payload) => box.mac('event_context', payload), digestsEqual);
    if (context === null) throw new SlackError('invalid_event_context');
    if (context.appId !== auth.appId) throw new SlackError('auth_mismatch');
    const after = ctx.args.cursor ? decodeCursor(ctx.args.cursor) : null;
    const limit = ctx.args.limit ?? 100;
    const rows = await ctx.services.store.appLevel.eventAuthorizations(context.appId, context.teamId, after, limit + 1);
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? encodeCursor(page.at(-1)!.key) : '';
    return { authorizations: page.map(({ key: _key, ...a }) => a), response_metadata: { next_cursor: next } };
  },
});

function encodeCursor(key: string): string {
  return Buffer.from(`a:${key}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('a:') || text.length < 3) throw new SlackError('invalid_cursor');
  return text.slice(2);
}
