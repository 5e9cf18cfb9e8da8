import type { HeadlessInstall, InstallRedirect, OAuthAnswer } from './headless.ts';

/** `POST /admin/api/install`'s JSON fields, in the admin API's snake_case, and where each goes. */
const FIELDS = {
  authorize_url: 'authorizeUrl',
  flow: 'flow',
  app_id: 'app',
  client_id: 'app',
  scopes: 'scopes',
  user_scopes: 'userScopes',
  redirect_uri: 'redirectUri',
  state: 'state',
  code_challenge: 'codeChallenge',
  nonce: 'nonce',
  team_id: 'team',
  user_id: 'user',
  channel_id: 'channel',
  cancel: 'cancel',
  exchange: 'exchange',
  client_secret: 'clientSecret',
  code_verifier: 'codeVerifier',
} as const satisfies Record<string, keyof HeadlessInstall>;

const FLAGS = new Set(['cancel', 'exchange']);
const LISTS = new Set(['scopes', 'user_scopes']);

/** The request in a JSON body, or what is wrong with it. An unknown field is refused: a typo must not go unseen. */
export function readInstallBody(body: unknown): HeadlessInstall | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'send a JSON object, e.g. {"app_id": "A…", "user_id": "U…"}';
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!Object.hasOwn(FIELDS, key)) return `unknown field ${key}`;
    const target = FIELDS[key as keyof typeof FIELDS];
    if (value === null || value === undefined) continue;
    if (FLAGS.has(key)) {
      if (typeof value !== 'boolean') return `${key} must be true or false`;
    } else if (LISTS.has(key)) {
      if (typeof value !== 'string' && !(Array.isArray(value) && value.every((s) => typeof s === 'string'))) return `${key} must be a list of scopes or a comma-separated string`;
    } else if (typeof value !== 'string' || value.length > 4096) return `${key} must be a string`;
    if (Object.hasOwn(out, target)) return 'give app_id or client_id, not both';
    out[target] = value;
  }
  return out as HeadlessInstall;
}

/** The answer: the redirect in snake_case, or the code exchange's Web API answer exactly as given. */
export function installAnswer(result: InstallRedirect | OAuthAnswer): Record<string, unknown> {
  if (!('redirectUrl' in result)) return result;
  const r = result as InstallRedirect;
  return { ok: true, redirect_url: r.redirectUrl, code: r.code, state: r.state, error: r.error, flow: r.flow, app_id: r.appId, team_id: r.teamId, user_id: r.userId };
}
