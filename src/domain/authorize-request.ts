import { OPENID_SCOPES } from './openid.ts';
import { isValidPkceValue } from './pkce.ts';
import { chooseRedirect } from './redirects.ts';
import { isKnownScope, parseScopeList } from './scopes.ts';

/**
 * The rules of the authorize endpoints (slack-compat.md §5, §6, §7), without I/O: given the query and the app it
 * names, either a page error (never a redirect: unknown client, bad redirect_uri), an error to send back to the
 * app's redirect URL with `state`, or the validated request.
 */
export type InstallFlow = 'v1' | 'v2';
/** The install flows and Sign in with Slack (`/openid/connect/authorize`), which shares their pages. */
export type AuthorizeFlow = InstallFlow | 'oidc';

export interface AuthorizeQuery {
  client_id?: string;
  scope?: string;
  user_scope?: string;
  redirect_uri?: string;
  state?: string;
  team?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  /** Sign in with Slack only. */
  response_type?: string;
  nonce?: string;
}

export interface AppForAuthorize {
  id: string;
  team_id: string;
  redirect_urls: readonly string[];
  bot_scopes: readonly string[];
  user_scopes: readonly string[];
  distributed: boolean;
}

export interface ValidRequest {
  flow: AuthorizeFlow;
  appId: string;
  /** Where the answer goes: redirect_uri as sent, or the app's first Redirect URL. */
  redirectTarget: string;
  /** redirect_uri exactly as sent, or null: the code exchange must then repeat it (bad_redirect_uri). */
  redirectUri: string | null;
  state: string | null;
  /** v2: bot scopes. v1: empty (classic scopes all belong to the user token, with `bot` meaning a bot user). */
  botScopes: string[];
  userScopes: string[];
  team: string | null;
  codeChallenge: string | null;
  wantsWebhook: boolean;
  /** Sign in with Slack: the app's nonce, echoed in the ID token. */
  nonce: string | null;
}

export type AuthorizeOutcome =
  | { kind: 'page_error'; status: 400; message: string }
  | { kind: 'redirect_error'; error: string; redirectTarget: string; state: string | null }
  | { kind: 'ok'; request: ValidRequest };

const IDENTITY_SCOPES = new Set(['identity.basic', 'identity.email', 'identity.team', 'identity.avatar']);

export function validateAuthorize(flow: AuthorizeFlow, query: AuthorizeQuery, app: AppForAuthorize | null): AuthorizeOutcome {
  if (!query.client_id || app === null) {
    return { kind: 'page_error', status: 400, message: 'This link names an app that does not exist (unknown client_id).' };
  }
  const redirectTarget = chooseRedirect(app.redirect_urls, query.redirect_uri);
  if (redirectTarget === undefined) {
    return {
      kind: 'page_error',
      status: 400,
      message:
        query.redirect_uri === undefined
          ? 'This app has no Redirect URL, so there is nowhere to send you back to.'
          : 'The redirect_uri in this link does not match any of the app’s Redirect URLs (bad_redirect_uri).',
    };
  }
  const state = query.state ?? null;
  const fail = (error: string): AuthorizeOutcome => ({ kind: 'redirect_error', error, redirectTarget, state });

  // OpenID Connect Core §3.1.2.1: the code flow is the only one offered, and it must be asked for.
  if (flow === 'oidc' && query.response_type === undefined) return fail('invalid_request');
  if (flow === 'oidc' && query.response_type !== 'code') return fail('unsupported_response_type');
  if (query.code_challenge_method !== undefined && query.code_challenge === undefined) return fail('invalid_request');
  if (query.code_challenge !== undefined) {
    if (query.code_challenge_method !== 'S256') return fail('invalid_request');
    if (!isValidPkceValue(query.code_challenge)) return fail('invalid_request');
  }

  const requested = parseScopeList(query.scope);
  let botScopes: string[] = [];
  let userScopes: string[] = [];
  if (flow === 'oidc') {
    // Sign in with Slack asks for identity only: `openid`, optionally `email` and `profile`, and nothing else. Any
    // app with a Redirect URL may use it, so the app need not list these scopes.
    if (!requested.includes('openid') || requested.some((s) => !OPENID_SCOPES.includes(s))) return fail('invalid_scope');
    if (parseScopeList(query.user_scope).length > 0) return fail('invalid_scope');
    userScopes = requested;
  } else if (flow === 'v1') {
    if (requested.length === 0) return fail('invalid_scope');
    for (const s of requested) {
      const listed = s === 'identify' || app.user_scopes.includes(s) || app.bot_scopes.includes(s);
      if (!listed || !(isKnownScope(s, 'user') || isKnownScope(s, 'bot'))) return fail('invalid_scope');
    }
    userScopes = requested.includes('identify') ? requested : [...requested, 'identify'];
  } else {
    botScopes = requested;
    userScopes = parseScopeList(query.user_scope);
    if (botScopes.length === 0 && userScopes.length === 0) return fail('invalid_scope');
    for (const s of botScopes) {
      if (s === 'bot' || !isKnownScope(s, 'bot') || !app.bot_scopes.includes(s)) return fail('invalid_scope');
    }
    for (const s of userScopes) {
      if (s === 'identify' || !isKnownScope(s, 'user') || !app.user_scopes.includes(s)) return fail('invalid_scope');
    }
    // Legacy Sign in with Slack: identity scopes stand alone, and identity.basic comes with any of the others.
    const identity = userScopes.filter((s) => IDENTITY_SCOPES.has(s));
    if (identity.length > 0 && (identity.length !== userScopes.length || botScopes.length > 0)) return fail('invalid_scope');
    if (identity.length > 0 && !identity.includes('identity.basic')) return fail('invalid_scope');
  }

  const team = query.team ?? null;
  if (team !== null && !app.distributed && team !== app.team_id) return fail('invalid_team_for_non_distributed_app');

  return {
    kind: 'ok',
    request: {
      flow,
      appId: app.id,
      redirectTarget,
      redirectUri: query.redirect_uri ?? null,
      state,
      botScopes,
      userScopes,
      team,
      codeChallenge: query.code_challenge ?? null,
      wantsWebhook: botScopes.includes('incoming-webhook') || userScopes.includes('incoming-webhook'),
      nonce: flow === 'oidc' ? (query.nonce ?? null) : null,
    },
  };
}

/** The app's redirect URL with `params` added to its query string (existing parameters are kept). */
export function redirectWith(target: string, params: Record<string, string | null>): string {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.append(k, v);
  return url.toString();
}
