import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import { RETIRED_KEY_PUBLISHED_SECONDS } from '../../src/domain/openid.ts';
import { rotateSigningKey } from '../../src/openid/keys.ts';
import { ADMIN_TOKEN, moveClock, resetClock } from '../helpers/clock.ts';
import { clientOf, installFixture, REDIRECT } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';
import { ENGINES, startServer, type TestServer } from '../helpers/server.ts';

const APP = clientOf('A0INST0001');
const ROTATING = clientOf('A0ROTA0001');
const BOB = { email: 'bob@acme.test', password: 'bob-password' };

/** The install fixture, with an app that may ask for every legacy identity scope. */
function fixture(): Record<string, unknown> {
  const f = installFixture() as { apps: Array<Record<string, unknown>> };
  const app = f.apps.find((a) => a['id'] === 'A0INST0001')!;
  app['user_scopes'] = [...(app['user_scopes'] as string[]), 'identity.avatar', 'identity.team'];
  return f;
}

const link = (params: Record<string, string>) => `/openid/connect/authorize?${new URLSearchParams(params)}`;
const signInLink = (extra: Record<string, string> = {}) => link({ response_type: 'code', client_id: APP.clientId, scope: 'openid email profile', redirect_uri: REDIRECT, state: 'st-1', nonce: 'nonce-1', ...extra });

/** Sign in with Slack over HTTP (slack-compat.md §7): authorize, discovery, JWKS, openid.connect.token, userInfo. */
for (const engine of ENGINES) {
  describe(`Sign in with Slack (${engine})`, () => {
    let server: TestServer;
    let api: WebClient;
    const as = (token: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
    const failure = async (call: Promise<WebAPICallResult>): Promise<string> => {
      try {
        await call;
      } catch (error) {
        return (error as { data?: { error?: string } }).data?.error ?? String(error);
      }
      assert.fail('the call succeeded');
    };
    /** Signs bob in through the pages and returns the code and where Tessera sent the browser. */
    const codeFor = async (url: string, who = BOB, browser = new FlowClient(server.url)): Promise<{ code: string; location: URL; consentShown: boolean }> => {
      const { location, consentPage } = await consent(browser, url, { ...who, team: 'T0ACME0001' });
      const to = new URL(location, server.url);
      const code = to.searchParams.get('code');
      assert.ok(code, `no code in ${location}`);
      return { code, location: to, consentShown: consentPage.status === 200 };
    };
    const exchange = (code: string, extra: Record<string, string> = {}) => api.openid.connect.token({ client_id: APP.clientId, client_secret: APP.clientSecret, code, redirect_uri: REDIRECT, ...extra } as never);
    const jwks = async (): Promise<JSONWebKeySet> => (await (await fetch(`${server.url}/openid/connect/keys`)).json()) as JSONWebKeySet;

    before(async () => {
      server = await startServer(engine, fixture(), { adminToken: ADMIN_TOKEN });
      api = new WebClient(undefined, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
    });
    afterEach(() => resetClock(server));
    after(() => server.close());

    test('discovery names the public URL as issuer and §7’s endpoints; the JWKS holds public RS256 keys only', async () => {
      const response = await fetch(`${server.url}/.well-known/openid-configuration`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, /^application\/json/);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      const d = (await response.json()) as Record<string, unknown>;
      assert.equal(d['issuer'], server.url);
      assert.equal(d['authorization_endpoint'], `${server.url}/openid/connect/authorize`);
      assert.equal(d['token_endpoint'], `${server.url}/api/openid.connect.token`);
      assert.equal(d['userinfo_endpoint'], `${server.url}/api/openid.connect.userInfo`);
      assert.equal(d['jwks_uri'], `${server.url}/openid/connect/keys`);
      assert.deepEqual(d['scopes_supported'], ['openid', 'email', 'profile']);
      assert.deepEqual(d['id_token_signing_alg_values_supported'], ['RS256']);

      const keys = await fetch(d['jwks_uri'] as string);
      assert.equal(keys.status, 200);
      assert.match(keys.headers.get('content-type')!, /^application\/json/);
      const set = (await keys.json()) as JSONWebKeySet;
      assert.ok(set.keys.length >= 1);
      for (const key of set.keys) {
        assert.equal(key.kty, 'RSA');
        assert.equal(key.alg, 'RS256');
        assert.equal(key.use, 'sig');
        assert.ok(key.n && key.e);
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(secret in key), `no private member ${secret}`);
        assert.equal(key.kid, await calculateJwkThumbprint({ kty: 'RSA', n: key.n, e: key.e }), 'kid is the RFC 7638 thumbprint');
      }
      // At rest the private key is sealed with the server key.
      const rows = await server.tessera.store.db.selectFrom('signing_keys').select(['private_sealed']).where('retired_at', 'is', null).execute();
      assert.ok(rows.length >= 1);
      for (const r of rows) {
        assert.match(r.private_sealed!, /^v1\./);
        assert.doesNotMatch(r.private_sealed!, /PRIVATE KEY/);
      }
    });

    test('authorize: unknown client and foreign redirect_uri stop on an error page; other errors go back with state', async () => {
      const page = await new FlowClient(server.url).get(link({ response_type: 'code', client_id: '999.999', scope: 'openid', redirect_uri: 'https://evil.example/cb' }));
      assert.equal(page.status, 400);
      assert.equal(page.location, undefined);
      const foreign = await new FlowClient(server.url).get(signInLink({ redirect_uri: 'https://evil.example/cb' }));
      assert.equal(foreign.status, 400);
      assert.equal(foreign.location, undefined);
      const state = 'a b&c=d/é✓';
      const cases: Array<[Record<string, string>, string]> = [
        [{ response_type: '' }, 'unsupported_response_type'],
        [{ response_type: 'token' }, 'unsupported_response_type'],
        [{ scope: 'email profile' }, 'invalid_scope'],
        [{ scope: 'openid chat:write' }, 'invalid_scope'],
        [{ code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
      ];
      for (const [params, error] of cases) {
        const r = await new FlowClient(server.url).get(signInLink({ ...params, state }));
        assert.equal(r.status, 302, JSON.stringify(params));
        const to = new URL(r.location!);
        assert.equal(`${to.origin}${to.pathname}`, REDIRECT);
        assert.equal(to.searchParams.get('error'), error, JSON.stringify(params));
        assert.equal(to.searchParams.get('state'), state);
      }
      const missing = new URLSearchParams({ client_id: APP.clientId, scope: 'openid', state });
      const r = await new FlowClient(server.url).get(`/openid/connect/authorize?${missing}`);
      assert.equal(new URL(r.location!).searchParams.get('error'), 'invalid_request');
    });

    test('the consent page the first time; Cancel is access_denied; then no consent for the same scopes, again for more', async () => {
      const browser = new FlowClient(server.url);
      const first = await browser.get(signInLink({ scope: 'openid email' }));
      assert.equal(first.status, 302);
      assert.match(first.location!, /^\/login\?next=/, 'sign in first');
      await browser.signIn(BOB.email, BOB.password);
      const page = await browser.get(signInLink({ scope: 'openid email' }));
      assert.equal(page.status, 200);
      assert.match(page.body, /<h1>Sign in to Install App with your <strong>Acme<\/strong> account<\/h1>/);
      assert.match(page.body, /View a member’s email address <code>email<\/code>/);
      assert.match(page.body, /<button type="submit" name="decision" value="allow" class="primary">Allow<\/button>/);
      assert.match(page.body, /value="cancel">Cancel<\/button>/);

      const cancelled = await consent(browser, signInLink({ scope: 'openid email', state: 'cancel-me' }), { decision: 'cancel' });
      const back = new URL(cancelled.location);
      assert.equal(back.searchParams.get('error'), 'access_denied');
      assert.equal(back.searchParams.get('state'), 'cancel-me');

      const { code, consentShown } = await codeFor(signInLink({ scope: 'openid email' }), BOB, browser);
      assert.equal(consentShown, true);
      await exchange(code);

      const again = await browser.get(signInLink({ scope: 'openid email', state: 'st-2' }));
      assert.equal(again.status, 302, 'granted before: straight back to the app');
      const to = new URL(again.location!);
      assert.equal(`${to.origin}${to.pathname}`, REDIRECT);
      assert.equal(to.searchParams.get('state'), 'st-2');
      const token = await exchange(to.searchParams.get('code')!);
      assert.equal(token.ok, true);
      const fewer = await browser.get(signInLink({ scope: 'openid', state: 'st-3' }));
      assert.equal(fewer.status, 302, 'fewer scopes than granted: no consent either');
      const more = await browser.get(signInLink({ scope: 'openid email profile' }));
      assert.equal(more.status, 200, 'a scope not granted yet: the consent page again');

      // Once the app is uninstalled, the grant is gone with it.
      await as(token.access_token!).apps.uninstall({ client_id: APP.clientId, client_secret: APP.clientSecret });
      const afterUninstall = await browser.get(signInLink({ scope: 'openid email' }));
      assert.equal(afterUninstall.status, 200);
    });

    test('openid.connect.token: an xoxp token, Bearer, and an RS256 ID token with §7’s claims, verified against the JWKS', async () => {
      const browser = new FlowClient(server.url);
      await browser.signIn(BOB.email, BOB.password);
      const before = Math.floor(server.tessera.clock.now() / 1000);
      const { code } = await codeFor(signInLink(), BOB, browser);
      const r = await exchange(code);
      assert.equal(r.ok, true);
      assert.match(r.access_token!, /^xoxp-/);
      assert.equal(r.token_type, 'Bearer');
      assert.equal(r.refresh_token, undefined, 'no refresh token for an app that does not rotate');
      assert.equal(r.expires_in, undefined);

      const header = decodeProtectedHeader(r.id_token!);
      assert.equal(header.alg, 'RS256');
      assert.ok((await jwks()).keys.some((k) => k.kid === header.kid), 'signed with a published key');
      const { payload } = await jwtVerify(r.id_token!, createLocalJWKSet(await jwks()), { issuer: server.url, audience: APP.clientId, algorithms: ['RS256'] });
      assert.equal(payload.sub, 'U0BOB00001');
      assert.equal(payload['nonce'], 'nonce-1');
      assert.equal(payload['at_hash'], createHash('sha256').update(r.access_token!).digest().subarray(0, 16).toString('base64url'));
      assert.equal(payload.exp! - payload.iat!, 300);
      assert.ok(payload.iat! >= before);
      assert.ok((payload['auth_time'] as number) <= payload.iat! && (payload['auth_time'] as number) >= before - 5, 'auth_time: when bob signed in');
      assert.equal(payload['https://slack.com/user_id'], 'U0BOB00001');
      assert.equal(payload['https://slack.com/team_id'], 'T0ACME0001');
      assert.equal(payload['https://slack.com/team_name'], 'Acme');
      assert.equal(payload['https://slack.com/team_domain'], 'acme');
      assert.equal(payload['email'], 'bob@acme.test');
      assert.equal(payload['email_verified'], true);
      assert.equal(payload['name'], 'Bob Baker');
      assert.equal(payload['given_name'], 'Bob');
      assert.equal(payload['family_name'], 'Baker');
      assert.equal(payload['locale'], 'en-US');
      const picture = await fetch(payload['picture'] as string);
      assert.equal(picture.status, 200);
      assert.equal(picture.headers.get('content-type'), 'image/svg+xml');

      // Without nonce and without profile and email: neither appears.
      const bare = await exchange((await codeFor(link({ response_type: 'code', client_id: APP.clientId, scope: 'openid', redirect_uri: REDIRECT }), BOB, browser)).code);
      const claims = (await jwtVerify(bare.id_token!, createLocalJWKSet(await jwks()))).payload;
      assert.equal(claims['nonce'], undefined);
      assert.equal(claims['email'], undefined);
      assert.equal(claims['name'], undefined);
      assert.equal(claims['https://slack.com/team_id'], 'T0ACME0001');
    });

    test('openid.connect.token errors: client, code, redirect_uri, PKCE, grant type, flow', async () => {
      const browser = new FlowClient(server.url);
      await browser.signIn(BOB.email, BOB.password);
      const fresh = async (extra: Record<string, string> = {}) => (await codeFor(signInLink(extra), BOB, browser)).code;
      const code = await fresh();
      assert.equal(await failure(api.openid.connect.token({ client_id: '1.2', client_secret: APP.clientSecret, code })), 'invalid_client_id');
      assert.equal(await failure(api.openid.connect.token({ client_id: APP.clientId, client_secret: 'wrong', code })), 'bad_client_secret');
      assert.equal(await failure(exchange('no-such-code')), 'invalid_code');
      assert.equal(await failure(api.openid.connect.token({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, code, redirect_uri: REDIRECT })), 'invalid_code', 'another app’s code');
      assert.equal(await failure(api.openid.connect.token({ client_id: APP.clientId, client_secret: APP.clientSecret, code })), 'bad_redirect_uri', 'redirect_uri sent at authorize must be sent again');
      assert.equal(await failure(exchange(code, { redirect_uri: `${REDIRECT}/other` })), 'bad_redirect_uri');
      assert.equal(await failure(exchange(code, { grant_type: 'password' })), 'invalid_grant_type');
      assert.equal(await failure(api.oauth.v2.access({ client_id: APP.clientId, client_secret: APP.clientSecret, code, redirect_uri: REDIRECT })), 'oauth_authorization_url_mismatch');
      assert.equal((await exchange(code, { grant_type: 'authorization_code' })).ok, true, 'none of the refusals used the code');

      const v2 = await consent(browser, `/oauth/v2/authorize?${new URLSearchParams({ client_id: APP.clientId, scope: 'chat:write' })}`, { team: 'T0ACME0001' });
      assert.equal(await failure(api.openid.connect.token({ client_id: APP.clientId, client_secret: APP.clientSecret, code: new URL(v2.location).searchParams.get('code')! })), 'oauth_authorization_url_mismatch');

      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const pkce = await fresh({ code_challenge: challenge, code_challenge_method: 'S256' });
      assert.equal(await failure(exchange(pkce)), 'invalid_code_verifier');
      assert.equal(await failure(exchange(pkce, { code_verifier: randomBytes(32).toString('base64url') })), 'invalid_code_verifier');
      assert.equal((await exchange(pkce, { code_verifier: verifier })).ok, true);
      assert.equal(await failure(exchange(await fresh(), { code_verifier: verifier })), 'invalid_code_verifier', 'a verifier for a code without a challenge');
    });

    test('a reused code answers code_already_used and ends the tokens it issued', async () => {
      const browser = new FlowClient(server.url);
      const { code } = await codeFor(signInLink(), BOB, browser);
      const first = await exchange(code);
      assert.equal((await as(first.access_token!).openid.connect.userInfo()).ok, true);
      assert.equal(await failure(exchange(code)), 'code_already_used');
      assert.equal(await failure(as(first.access_token!).openid.connect.userInfo()), 'token_revoked');
    });

    test('an expired code (the clock moved 10 minutes) is invalid_code', async () => {
      const { code } = await codeFor(signInLink(), BOB);
      await moveClock(server, 601);
      assert.equal(await failure(exchange(code)), 'invalid_code');
    });

    test('openid.connect.userInfo: the member by the token’s scopes; other tokens refused', async () => {
      // alice has not signed in to this app yet: her grant starts from nothing.
      const ALICE = { email: 'alice@acme.test', password: 'alice-password' };
      const aliceBrowser = new FlowClient(server.url);
      const openidOnly = await exchange((await codeFor(signInLink({ scope: 'openid' }), ALICE, aliceBrowser)).code);
      const info = await as(openidOnly.access_token!).openid.connect.userInfo();
      assert.equal(info.sub, 'U0ALICE001');
      assert.equal(info['https://slack.com/user_id'], 'U0ALICE001');
      assert.equal(info['https://slack.com/team_id'], 'T0ACME0001');
      assert.equal(info['https://slack.com/team_name'], 'Acme');
      assert.equal(info.email, undefined);
      assert.equal(info.name, undefined);
      const all = await exchange((await codeFor(signInLink(), ALICE, aliceBrowser)).code);
      const full = await as(all.access_token!).openid.connect.userInfo();
      assert.equal(full.email, 'alice@acme.test');
      assert.equal(full.email_verified, true);
      assert.equal(full.name, 'Alice Archer');
      assert.equal(full.given_name, 'Alice');
      assert.equal(full.family_name, 'Archer');
      assert.equal(full.locale, 'en-US');
      assert.match(full.picture!, /\/avatars\/U0ALICE001\/512\.svg$/);
      assert.equal(full['https://slack.com/team_domain'], 'acme');
      assert.match(full['https://slack.com/user_image_24']!, /\/avatars\/U0ALICE001\/24\.svg$/);

      const browser = new FlowClient(server.url);
      await browser.signIn(BOB.email, BOB.password);

      // An install's user token does not hold `openid`; a sign-in's token holds nothing else.
      const install = await consent(browser, `/oauth/v2/authorize?${new URLSearchParams({ client_id: APP.clientId, scope: 'chat:write', user_scope: 'search:read,team:read' })}`, { team: 'T0ACME0001' });
      const installed = await api.oauth.v2.access({ client_id: APP.clientId, client_secret: APP.clientSecret, code: new URL(install.location).searchParams.get('code')! });
      assert.equal(await failure(as(installed.authed_user!.access_token!).openid.connect.userInfo()), 'missing_scope');
      assert.equal(await failure(as(installed.access_token!).openid.connect.userInfo()), 'not_allowed_token_type');
      assert.equal((await as(installed.authed_user!.access_token!).team.info()).ok, true);
      assert.equal(await failure(as(all.access_token!).team.info()), 'missing_scope', 'the sign-in token did not gain the install’s scopes');
      assert.equal(await failure(as(all.access_token!).users.identity({})), 'missing_scope');
    });

    test('a token of an uninstalled or revoked app: token_revoked, and its refresh token is refused', async () => {
      const browser = new FlowClient(server.url);
      await browser.signIn(BOB.email, BOB.password);
      const uninstalled = await exchange((await codeFor(signInLink(), BOB, browser)).code);
      await as(uninstalled.access_token!).apps.uninstall({ client_id: APP.clientId, client_secret: APP.clientSecret });
      assert.equal(await failure(as(uninstalled.access_token!).openid.connect.userInfo()), 'token_revoked');

      const revoked = await exchange((await codeFor(signInLink(), BOB, browser)).code);
      await as(revoked.access_token!).auth.revoke();
      assert.equal(await failure(as(revoked.access_token!).openid.connect.userInfo()), 'token_revoked');

      const rotatingLink = signInLink({ client_id: ROTATING.clientId });
      const pair = await api.openid.connect.token({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, code: (await codeFor(rotatingLink, BOB, browser)).code, redirect_uri: REDIRECT });
      assert.match(pair.access_token!, /^xoxe\.xoxp-/);
      assert.match(pair.refresh_token!, /^xoxe-1-/);
      assert.equal(pair.expires_in, 43200);
      await as(pair.access_token!).apps.uninstall({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret });
      const refresh = { client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, grant_type: 'refresh_token', refresh_token: pair.refresh_token! } as const;
      assert.equal(await failure(api.openid.connect.token(refresh)), 'invalid_refresh_token');
    });

    test('refresh: only a rotating app, only a sign-in’s own refresh token, single use', async () => {
      const browser = new FlowClient(server.url);
      await browser.signIn(BOB.email, BOB.password);
      const pair = await api.openid.connect.token({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, code: (await codeFor(signInLink({ client_id: ROTATING.clientId }), BOB, browser)).code, redirect_uri: REDIRECT });
      const refresh = (token: string, app = ROTATING) => api.openid.connect.token({ client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: token });
      assert.equal(await failure(refresh(pair.refresh_token!, APP)), 'invalid_refresh_token', 'another app');
      assert.equal(await failure(refresh('xoxe-1-nope')), 'invalid_refresh_token');
      // An install's refresh token of the same app: its grant is not a sign-in.
      const install = await consent(browser, `/oauth/v2/authorize?${new URLSearchParams({ client_id: ROTATING.clientId, scope: 'chat:write' })}`, { team: 'T0ACME0001' });
      const installed = await api.oauth.v2.access({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, code: new URL(install.location).searchParams.get('code')! });
      assert.equal(await failure(refresh(installed.refresh_token!)), 'invalid_refresh_token');

      const next = await refresh(pair.refresh_token!);
      assert.equal(next.token_type, 'Bearer');
      assert.match(next.access_token!, /^xoxe\.xoxp-/);
      assert.notEqual(next.access_token, pair.access_token);
      assert.notEqual(next.refresh_token, pair.refresh_token);
      assert.equal(next.expires_in, 43200);
      const { payload } = await jwtVerify(next.id_token!, createLocalJWKSet(await jwks()), { issuer: server.url, audience: ROTATING.clientId });
      assert.equal(payload.sub, 'U0BOB00001');
      assert.equal(payload['nonce'], undefined, 'a refreshed ID token has no nonce');
      assert.equal(payload['at_hash'], createHash('sha256').update(next.access_token!).digest().subarray(0, 16).toString('base64url'));
      assert.equal((await as(next.access_token!).openid.connect.userInfo()).sub, 'U0BOB00001');
      const retried = await refresh(pair.refresh_token!);
      assert.deepEqual([retried.access_token, retried.id_token], [next.access_token, next.id_token], 'a retry within the grace window gets the same answer');
      await moveClock(server, 61);
      assert.equal(await failure(refresh(pair.refresh_token!)), 'invalid_refresh_token');
      assert.equal(await failure(as(next.access_token!).openid.connect.userInfo()), 'token_revoked', 'reuse revokes the family');
    });

    test('key rotation: ID tokens signed before and after both verify; the old key leaves the JWKS once they have expired', async () => {
      const browser = new FlowClient(server.url);
      await browser.signIn(BOB.email, BOB.password);
      const before = await exchange((await codeFor(signInLink(), BOB, browser)).code);
      const oldKid = decodeProtectedHeader(before.id_token!).kid!;
      const rotated = await rotateSigningKey(server.tessera.store, server.tessera.clock.now());
      assert.deepEqual(rotated.retired.map((r) => r.kid), [oldKid]);
      const afterRotation = await exchange((await codeFor(signInLink(), BOB, browser)).code);
      const newKid = decodeProtectedHeader(afterRotation.id_token!).kid!;
      assert.equal(newKid, rotated.kid);
      assert.notEqual(newKid, oldKid);

      const during = createLocalJWKSet(await jwks());
      assert.deepEqual((await jwks()).keys.map((k) => k.kid), [newKid, oldKid]);
      for (const token of [before.id_token!, afterRotation.id_token!]) {
        const { payload } = await jwtVerify(token, during, { issuer: server.url, audience: APP.clientId, algorithms: ['RS256'] });
        assert.equal(payload.sub, 'U0BOB00001');
      }
      const retired = await server.tessera.store.db.selectFrom('signing_keys').select(['private_sealed', 'retired_at']).where('kid', '=', oldKid).executeTakeFirstOrThrow();
      assert.equal(retired.private_sealed, null, 'a retired key’s private half is gone');

      await moveClock(server, RETIRED_KEY_PUBLISHED_SECONDS + 1);
      const later = await jwks();
      assert.deepEqual(later.keys.map((k) => k.kid), [newKid]);
      // Checked as of its own issue time, so that only the missing key can fail it.
      const issuedAt = new Date(decodeJwt(before.id_token!).iat! * 1000);
      await assert.rejects(jwtVerify(before.id_token!, createLocalJWKSet(later), { currentDate: issuedAt }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
      await jwtVerify(before.id_token!, during, { currentDate: issuedAt });
      const fresh = await exchange((await codeFor(signInLink(), BOB, browser)).code);
      await jwtVerify(fresh.id_token!, createLocalJWKSet(later), { currentDate: new Date(server.tessera.clock.now()) });
    });

    test('users.identity: the fields each legacy identity scope adds, through WebClient', async () => {
      const browser = new FlowClient(server.url);
      await browser.signIn(BOB.email, BOB.password);
      const identityToken = async (userScope: string): Promise<string> => {
        const { location } = await consent(browser, `/oauth/v2/authorize?${new URLSearchParams({ client_id: APP.clientId, user_scope: userScope })}`, { team: 'T0ACME0001' });
        const code = new URL(location).searchParams.get('code');
        assert.ok(code, location);
        const r = await api.oauth.v2.access({ client_id: APP.clientId, client_secret: APP.clientSecret, code });
        assert.equal(r.access_token, undefined, 'no bot token');
        return r.authed_user!.access_token!;
      };
      const basic = await as(await identityToken('identity.basic')).users.identity({});
      assert.deepEqual({ user: basic.user, team: basic.team }, { user: { name: 'Bob Baker', id: 'U0BOB00001' }, team: { id: 'T0ACME0001' } });

      // Scopes accumulate on the member's user token: each call below holds the ones before it too.
      const email = await as(await identityToken('identity.basic,identity.email')).users.identity({});
      assert.deepEqual(email.user, { name: 'Bob Baker', id: 'U0BOB00001', email: 'bob@acme.test' });
      assert.deepEqual(email.team, { id: 'T0ACME0001' });
      const team = await as(await identityToken('identity.basic,identity.team')).users.identity({});
      assert.deepEqual(team.team, { id: 'T0ACME0001', name: 'Acme' });
      const avatar = await as(await identityToken('identity.basic,identity.avatar')).users.identity({});
      for (const size of [24, 32, 48, 72, 192, 512] as const) assert.equal(avatar.user![`image_${size}`], `${server.url}/avatars/U0BOB00001/${size}.svg`);
      assert.equal((await fetch(avatar.user!.image_48!)).status, 200);

      const install = await consent(browser, `/oauth/v2/authorize?${new URLSearchParams({ client_id: ROTATING.clientId, scope: 'chat:write', user_scope: 'search:read' })}`, { team: 'T0ACME0001' });
      const other = await api.oauth.v2.access({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, code: new URL(install.location).searchParams.get('code')! });
      await assert.rejects(as(other.authed_user!.access_token!).users.identity({}), (error: { data?: { error?: string; needed?: string } }) => {
        assert.equal(error.data?.error, 'missing_scope');
        assert.equal(error.data?.needed, 'identity.basic');
        return true;
      });
      assert.equal(await failure(as(other.access_token!).users.identity({})), 'not_allowed_token_type');
    });
  });
}

describe('hostile input to /openid/connect/authorize', () => {
  let server: TestServer;
  let signedIn: FlowClient;
  before(async () => {
    server = await startServer('sqlite', installFixture());
    signedIn = new FlowClient(server.url);
    await signedIn.signIn('alice@acme.test', 'alice-password');
  });
  after(() => server.close());

  test('any query, signed in or not: never a 500, never a redirect off Tessera but to a Redirect URL', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(APP.clientId, clientOf('A0PRIV0001').clientId, REDIRECT, 'https://evil.example/cb', 'code', 'token', 'openid', 'openid email profile', 'openid chat:write', 'S256', 'T0BETA0001', '%00'),
    );
    const key = fc.constantFrom('response_type', 'client_id', 'scope', 'redirect_uri', 'state', 'nonce', 'team', 'code_challenge', 'code_challenge_method', 'user_scope');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 8 }), fc.boolean(), async (pairs, withSession) => {
        const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const answer = await (withSession ? signedIn : new FlowClient(server.url)).get(`/openid/connect/authorize?${query}`);
        assert.ok(answer.status < 500, `HTTP ${answer.status} for ?${query}`);
        const location = answer.location;
        assert.ok(location === undefined || location.startsWith('/login') || location.startsWith(REDIRECT) || location.startsWith('https://app.example.com/path'), `off-site: ${location}`);
      }),
      { numRuns: 120 },
    );
  });
});
