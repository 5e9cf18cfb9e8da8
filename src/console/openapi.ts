/**
 * The admin API, described for clients in other languages (served at /admin/api/openapi.json). Every route takes
 * `Authorization: Bearer $TESSERA_ADMIN_TOKEN` (or a workspace owner's or admin's session) and answers
 * `{ok: true, ...}` or `{ok: false, error, detail?}`.
 */
const ok = (properties: Record<string, unknown> = {}) => ({ description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean', const: true }, ...properties } } } } });
const json = (properties: Record<string, unknown>, required: string[] = []) => ({ required: true, content: { 'application/json': { schema: { type: 'object', properties, required } } } });
const s = { type: 'string' };
const list = { type: 'array', items: { type: 'string' } };
const n = { type: 'integer' };
const id = (name: string) => ({ name, in: 'path', required: true, schema: s });

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Tessera admin API', version: '1', description: 'State, time, faults and logs of a Tessera server, for its console and for test suites.' },
  components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'TESSERA_ADMIN_TOKEN' } } },
  security: [{ adminToken: [] }],
  paths: {
    '/admin/api/clock': {
      get: { summary: 'Read the clock', responses: { 200: ok({ now: s, offset_seconds: n }) } },
      post: { summary: 'Move the clock (every process follows within a second)', requestBody: json({ advance_seconds: { type: 'number' }, now: { type: 'string', format: 'date-time' } }), responses: { 200: ok({ now: s, offset_seconds: n }) } },
    },
    '/admin/api/faults': {
      get: { summary: 'Injected faults still pending', responses: { 200: ok({ faults: { type: 'array' } }) } },
      post: { summary: "Answer an app's next calls of a method with an error, or rate-limit them", requestBody: json({ app_id: s, method: s, error: s, times: n, rate_limit: { type: 'object', properties: { retry_after: n } } }), responses: { 200: ok({ fault: { type: 'object' } }) } },
      delete: { summary: 'Remove every fault', responses: { 200: ok() } },
    },
    '/admin/api/requests': {
      get: { summary: 'Web API calls this process answered (no secrets)', parameters: [{ name: 'app_id', in: 'query', schema: s }, { name: 'method', in: 'query', schema: s }, { name: 'after', in: 'query', schema: n }, { name: 'limit', in: 'query', schema: n }], responses: { 200: ok({ requests: { type: 'array' } }) } },
      delete: { summary: 'Forget the request log', responses: { 200: ok() } },
    },
    '/admin/api/audit': { get: { summary: 'Security events, newest first', parameters: [{ name: 'app_id', in: 'query', schema: s }, { name: 'event', in: 'query', schema: s }, { name: 'limit', in: 'query', schema: n }], responses: { 200: ok({ events: { type: 'array' } }) } } },
    '/admin/api/event_context': { post: { summary: 'An event_context for an installed app in a workspace', requestBody: json({ app_id: s, team_id: s }, ['app_id', 'team_id']), responses: { 200: ok({ event_context: s }) } } },
    '/admin/api/install': {
      post: {
        summary: "A member's consent without a browser: the rules of /oauth/v2/authorize (flow v2), /oauth/authorize (v1) or /openid/connect/authorize (oidc), then the redirect with its code; with exchange, the oauth.v2.access (oauth.access, openid.connect.token) answer instead",
        requestBody: json({ authorize_url: s, flow: { enum: ['v1', 'v2', 'oidc'] }, app_id: s, client_id: s, scopes: list, user_scopes: list, redirect_uri: s, state: s, code_challenge: s, nonce: s, team_id: s, user_id: s, channel_id: s, cancel: { type: 'boolean' }, exchange: { type: 'boolean' }, client_secret: s, code_verifier: s }),
        responses: { 200: ok({ redirect_url: s, code: { type: ['string', 'null'] }, state: { type: ['string', 'null'] }, error: { type: ['string', 'null'] }, flow: s, app_id: s, team_id: s, user_id: s }) },
      },
    },
    '/admin/api/workspaces': { get: { summary: 'Workspaces', responses: { 200: ok({ workspaces: { type: 'array' } }) } } },
    '/admin/api/workspaces/{team}/members': {
      get: { summary: 'Members of a workspace', parameters: [id('team')], responses: { 200: ok({ members: { type: 'array' } }) } },
      post: { summary: 'Invite a member (their password is answered once)', parameters: [id('team')], requestBody: json({ name: s, real_name: s, email: s, role: { enum: ['owner', 'admin', 'member'] } }, ['name', 'email']), responses: { 200: ok({ user_id: s, password: s }) } },
    },
    '/admin/api/members/{user}/role': { post: { summary: 'Set a role; deactivated ends the member’s own tokens', parameters: [id('user')], requestBody: json({ role: { enum: ['owner', 'admin', 'member', 'deactivated'] } }, ['role']), responses: { 200: ok() } } },
    '/admin/api/apps': {
      get: { summary: 'Apps', responses: { 200: ok({ apps: { type: 'array' } }) } },
      post: { summary: 'Create an app (credentials answered once)', requestBody: json({ name: s, team_id: s, redirect_urls: list, bot_scopes: list, user_scopes: list, token_rotation: { type: 'boolean' } }, ['name', 'team_id']), responses: { 200: ok({ app_id: s, client_id: s, client_secret: s, signing_secret: s, verification_token: s }) } },
    },
    '/admin/api/apps/{app}': { get: { summary: 'An app, its installations and app-level tokens (never a secret)', parameters: [id('app')], responses: { 200: ok({ app: { type: 'object' }, installations: { type: 'array' }, app_tokens: { type: 'array' } }) } } },
    '/admin/api/apps/{app}/settings': { post: { summary: 'Redirect URLs, scopes, IP allowlist', parameters: [id('app')], requestBody: json({ redirect_urls: list, bot_scopes: list, user_scopes: list, ip_allowlist: list }), responses: { 200: ok() } } },
    '/admin/api/apps/{app}/regenerate': { post: { summary: 'A new client secret (old one valid 24 h), signing secret or verification token', parameters: [id('app')], requestBody: json({ secret: { enum: ['client', 'signing', 'verification'] } }, ['secret']), responses: { 200: ok({ secret: s, value: s }) } } },
    '/admin/api/apps/{app}/request_url': { post: { summary: "Set the Request URL after Slack's url_verification challenge (null clears)", parameters: [id('app')], requestBody: json({ url: { type: ['string', 'null'] } }), responses: { 200: ok() } } },
    '/admin/api/apps/{app}/socket_mode': { post: { summary: 'Deliver events over Socket Mode', parameters: [id('app')], requestBody: json({ on: { type: 'boolean' } }, ['on']), responses: { 200: ok() } } },
    '/admin/api/apps/{app}/token_rotation': { post: { summary: 'Turn token rotation on (one-way)', parameters: [id('app')], responses: { 200: ok({ token_rotation: { type: 'boolean' } }) } } },
    '/admin/api/apps/{app}/app_tokens': { post: { summary: 'Issue an app-level token (answered once)', parameters: [id('app')], requestBody: json({ scopes: list }, ['scopes']), responses: { 200: ok({ token: s }) } } },
    '/admin/api/installations': { get: { summary: 'Installations', parameters: [{ name: 'app_id', in: 'query', schema: s }, { name: 'team_id', in: 'query', schema: s }], responses: { 200: ok({ installations: { type: 'array' } }) } } },
    '/admin/api/installations/{id}/tokens': { get: { summary: "An installation's tokens: kind, scopes, issued, expires, last used; never the token", parameters: [id('id')], responses: { 200: ok({ tokens: { type: 'array' } }) } } },
    '/admin/api/installations/{id}/uninstall': { post: { summary: 'Uninstall: every token ends, app_uninstalled is sent', parameters: [id('id')], responses: { 200: ok() } } },
    '/admin/api/tokens/revoke': { post: { summary: 'Revoke a token by its id (as listed)', requestBody: json({ id: s }, ['id']), responses: { 200: ok({ revoked: n }) } } },
    '/admin/api/config_tokens': { post: { summary: 'Issue an app configuration token and its refresh token', requestBody: json({ team_id: s, user_id: s }, ['team_id', 'user_id']), responses: { 200: ok({ token: s, refresh_token: s, exp: n }) } } },
    '/admin/api/legacy_tokens': { post: { summary: 'Issue a legacy token (every scope of its member)', requestBody: json({ team_id: s, user_id: s }, ['team_id', 'user_id']), responses: { 200: ok({ token: s }) } } },
  },
} as const;
