import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { validateAuthorize, type AppForAuthorize, type AuthorizeQuery } from '../../src/domain/authorize-request.ts';
import { atHash, discoveryDocument, ID_TOKEN_LIFETIME_SECONDS, idTokenClaims, memberClaims, splitName, type OpenIdSubject } from '../../src/domain/openid.ts';

const APP: AppForAuthorize = {
  id: 'A0TEST0001',
  team_id: 'T0ACME0001',
  redirect_urls: ['https://app.example.com/callback'],
  bot_scopes: ['chat:write'],
  user_scopes: ['search:read', 'identity.basic', 'identity.email', 'identity.avatar', 'identity.team'],
  distributed: true,
};

const outcome = (flow: 'v2' | 'oidc', query: AuthorizeQuery): string => {
  const o = validateAuthorize(flow, { client_id: '1.2', ...query }, APP);
  return o.kind === 'ok' ? 'ok' : o.kind === 'redirect_error' ? o.error : 'page';
};

test('Sign in with Slack authorize requests: response_type, scopes, PKCE', () => {
  const cases: Array<[AuthorizeQuery, string]> = [
    [{ response_type: 'code', scope: 'openid' }, 'ok'],
    [{ response_type: 'code', scope: 'openid email profile' }, 'ok'],
    [{ response_type: 'code', scope: 'openid,email' }, 'ok'],
    [{ response_type: 'code', scope: 'profile openid' }, 'ok'],
    [{ scope: 'openid' }, 'invalid_request'],
    [{ response_type: 'token', scope: 'openid' }, 'unsupported_response_type'],
    [{ response_type: 'code id_token', scope: 'openid' }, 'unsupported_response_type'],
    [{ response_type: 'code', scope: 'email profile' }, 'invalid_scope'],
    [{ response_type: 'code', scope: '' }, 'invalid_scope'],
    [{ response_type: 'code', scope: 'openid chat:write' }, 'invalid_scope'],
    [{ response_type: 'code', scope: 'openid search:read' }, 'invalid_scope'], // listed by the app, still not an identity scope
    [{ response_type: 'code', scope: 'openid identity.basic' }, 'invalid_scope'],
    [{ response_type: 'code', scope: 'openid', user_scope: 'search:read' }, 'invalid_scope'],
    [{ response_type: 'code', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }, 'ok'],
    [{ response_type: 'code', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request'],
    [{ response_type: 'code', scope: 'openid', code_challenge_method: 'S256' }, 'invalid_request'],
    [{ response_type: 'code', scope: 'openid', redirect_uri: 'https://evil.example/cb' }, 'page'],
  ];
  for (const [query, expected] of cases) assert.equal(outcome('oidc', query), expected, JSON.stringify(query));
});

test('Sign in with Slack keeps the nonce; the install flows have none', () => {
  const oidc = validateAuthorize('oidc', { client_id: '1.2', response_type: 'code', scope: 'openid email', nonce: 'n-0S6_WzA2Mj', state: 'st' }, APP);
  assert.equal(oidc.kind, 'ok');
  if (oidc.kind !== 'ok') return;
  assert.equal(oidc.request.nonce, 'n-0S6_WzA2Mj');
  assert.deepEqual(oidc.request.userScopes, ['openid', 'email']);
  assert.deepEqual(oidc.request.botScopes, []);
  assert.equal(oidc.request.wantsWebhook, false);
  const v2 = validateAuthorize('v2', { client_id: '1.2', scope: 'chat:write', nonce: 'ignored' }, APP);
  assert.equal(v2.kind === 'ok' && v2.request.nonce, null);
});

test('legacy identity scopes on the v2 flow: alone, and with identity.basic', () => {
  const cases: Array<[AuthorizeQuery, string]> = [
    [{ user_scope: 'identity.basic' }, 'ok'],
    [{ user_scope: 'identity.basic,identity.email,identity.avatar,identity.team' }, 'ok'],
    [{ user_scope: 'identity.email' }, 'invalid_scope'],
    [{ user_scope: 'identity.team,identity.avatar' }, 'invalid_scope'],
    [{ user_scope: 'identity.basic,search:read' }, 'invalid_scope'],
    [{ scope: 'chat:write', user_scope: 'identity.basic' }, 'invalid_scope'],
  ];
  for (const [query, expected] of cases) assert.equal(outcome('v2', query), expected, JSON.stringify(query));
});

const ALICE: OpenIdSubject = {
  userId: 'U0ALICE001',
  realName: 'Alice Archer',
  email: 'alice@acme.test',
  teamId: 'T0ACME0001',
  teamName: 'Acme',
  teamDomain: 'acme',
  enterpriseId: null,
  enterpriseName: null,
  enterpriseDomain: null,
};

test('member claims by scope: openid names member and workspace, email adds the address, profile the rest', () => {
  const base = ['sub', 'https://slack.com/user_id', 'https://slack.com/team_id', 'https://slack.com/team_name', 'https://slack.com/team_domain'];
  const emailClaims = ['email', 'email_verified'];
  const profileClaims = ['name', 'given_name', 'family_name', 'picture', 'locale'];
  const cases: Array<[string[], string[], string[]]> = [
    [['openid'], base, [...emailClaims, ...profileClaims]],
    [['openid', 'email'], [...base, ...emailClaims], profileClaims],
    [['openid', 'profile'], [...base, ...profileClaims], emailClaims],
    [['openid', 'email', 'profile'], [...base, ...emailClaims, ...profileClaims], []],
  ];
  for (const [scopes, present, absent] of cases) {
    const claims = memberClaims(ALICE, scopes, 'https://tessera.example');
    for (const c of present) assert.ok(c in claims, `${c} with ${scopes}`);
    for (const c of absent) assert.ok(!(c in claims), `no ${c} with ${scopes}`);
  }
  const all = memberClaims(ALICE, ['openid', 'email', 'profile'], 'https://tessera.example');
  assert.equal(all['sub'], 'U0ALICE001');
  assert.equal(all['https://slack.com/team_domain'], 'acme');
  assert.equal(all['email_verified'], true);
  assert.equal(all['given_name'], 'Alice');
  assert.equal(all['family_name'], 'Archer');
  assert.equal(all['picture'], 'https://tessera.example/avatars/U0ALICE001/512.svg');
  assert.ok(!('https://slack.com/enterprise_id' in all));
  const noEmail = memberClaims({ ...ALICE, email: null }, ['openid', 'email'], 'https://tessera.example');
  assert.ok(!('email' in noEmail) && !('email_verified' in noEmail), 'no address, no email claims');
  const grid = memberClaims({ ...ALICE, enterpriseId: 'E0GRID0001', enterpriseName: 'Grid', enterpriseDomain: 'grid' }, ['openid'], 'https://t.example');
  assert.equal(grid['https://slack.com/enterprise_id'], 'E0GRID0001');
});

test('names split into given and family names', () => {
  const cases: Array<[string, string, string]> = [
    ['Alice Archer', 'Alice', 'Archer'],
    ['Cher', 'Cher', ''],
    ['  Jean Luc Picard ', 'Jean', 'Luc Picard'],
    ['', '', ''],
  ];
  for (const [name, given, family] of cases) assert.deepEqual(splitName(name), { given, family }, name);
});

test('ID token claims: registered claims, nonce and auth_time when known, at_hash of the access token', () => {
  const token = 'xoxp-1-2-3-abcdefghijklmnopqrstuvwxyz012345';
  const claims = idTokenClaims({ issuer: 'https://t.example', clientId: '1.2', subject: ALICE, scopes: ['openid'], accessToken: token, issuedAt: 1_700_000_000, authTime: 1_699_999_990, nonce: 'n1', publicUrl: 'https://t.example' });
  assert.equal(claims['iss'], 'https://t.example');
  assert.equal(claims['sub'], 'U0ALICE001');
  assert.equal(claims['aud'], '1.2');
  assert.equal(claims['iat'], 1_700_000_000);
  assert.equal(claims['exp'], 1_700_000_000 + ID_TOKEN_LIFETIME_SECONDS);
  assert.equal(claims['auth_time'], 1_699_999_990);
  assert.equal(claims['nonce'], 'n1');
  // OpenID Connect Core §3.1.3.6, computed independently: left 128 bits of SHA-256, base64url without padding.
  const expected = createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');
  assert.equal(claims['at_hash'], expected);
  assert.equal(atHash(token), expected);
  assert.equal(atHash(token).length, 22);
  const refreshed = idTokenClaims({ issuer: 'https://t.example', clientId: '1.2', subject: ALICE, scopes: ['openid'], accessToken: token, issuedAt: 1, authTime: null, nonce: null, publicUrl: 'https://t.example' });
  assert.ok(!('nonce' in refreshed) && !('auth_time' in refreshed));
});

test('the discovery document names the issuer exactly and the endpoints of §7', () => {
  const d = discoveryDocument('https://tessera.example/base');
  assert.equal(d['issuer'], 'https://tessera.example/base');
  assert.equal(d['authorization_endpoint'], 'https://tessera.example/base/openid/connect/authorize');
  assert.equal(d['token_endpoint'], 'https://tessera.example/base/api/openid.connect.token');
  assert.equal(d['userinfo_endpoint'], 'https://tessera.example/base/api/openid.connect.userInfo');
  assert.equal(d['jwks_uri'], 'https://tessera.example/base/openid/connect/keys');
  assert.deepEqual(d['scopes_supported'], ['openid', 'email', 'profile']);
  assert.deepEqual(d['id_token_signing_alg_values_supported'], ['RS256']);
  assert.deepEqual(d['response_types_supported'], ['code']);
});
