import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, freePort, launchBrowser } from '../helpers/browser.ts';
import { clientOf, installFixture } from '../helpers/fixture.ts';
import { ENGINES, startServer, type TestServer } from '../helpers/server.ts';

/**
 * Sign in with Slack as a relying party meets it: a small web app using openid-client (a certified OpenID Connect
 * client) with discovery, the authorization code flow with PKCE, state and nonce, signature checks on ID tokens,
 * userinfo and refresh, and a member signing in through Tessera's pages in Debian's Chromium.
 */

interface SignInResult {
  tokens?: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
  claims?: client.IDToken;
  userInfo?: client.UserInfoResponse;
  error?: Error;
}

interface RelyingParty {
  port: number;
  config: client.Configuration;
  /** What the last callback got. */
  last: SignInResult | undefined;
  /** The nonce the last sign-in sent. */
  sentNonce: string | undefined;
  /** Check the ID token against this nonce instead of the one sent (a tampered or replayed response). */
  expectNonce: string | undefined;
  close(): Promise<void>;
}

/** The relying party: /login starts a sign-in, /callback finishes it, as a web app using openid-client would. */
async function startRelyingParty(server: TestServer, port: number, appId: string, auth: 'basic' | 'post'): Promise<RelyingParty> {
  const { clientId, clientSecret } = clientOf(appId);
  const config = await client.discovery(new URL(server.url), clientId, clientSecret, auth === 'basic' ? client.ClientSecretBasic(clientSecret) : client.ClientSecretPost(clientSecret), {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });
  const redirectUri = `http://localhost:${port}/callback`;
  const pending = new Map<string, { verifier: string; nonce: string }>();
  const rp: RelyingParty = { port, config, last: undefined, sentNonce: undefined, expectNonce: undefined, close: async () => {} };
  const httpServer = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://localhost:${port}`);
      if (url.pathname === '/login') {
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const nonce = client.randomNonce();
        pending.set(state, { verifier, nonce });
        rp.sentNonce = nonce;
        const target = client.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid email profile',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        });
        res.writeHead(302, { location: target.href }).end();
        return;
      }
      if (url.pathname === '/callback') {
        const state = url.searchParams.get('state') ?? '';
        const saved = pending.get(state);
        pending.delete(state);
        const result: SignInResult = {};
        try {
          if (!saved) throw new Error('unknown state');
          const tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: saved.verifier, expectedState: state, expectedNonce: rp.expectNonce ?? saved.nonce, idTokenExpected: true });
          result.tokens = tokens;
          result.claims = tokens.claims();
          result.userInfo = await client.fetchUserInfo(config, tokens.access_token, result.claims!.sub);
        } catch (error) {
          result.error = error as Error;
        }
        rp.last = result;
        res.writeHead(result.error ? 400 : 200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(result.error ? '<h1>Sign-in failed</h1>' : `<h1>Welcome, ${String(result.userInfo!.name).replace(/[<&]/g, '')}</h1>`);
        return;
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => httpServer.listen(port, resolve));
  rp.close = () => new Promise((resolve) => httpServer.close(() => resolve()));
  return rp;
}

async function signInThroughTessera(page: Page, rp: RelyingParty, options: { credentials?: { email: string; password: string }; consent?: boolean; screenshot?: string }): Promise<void> {
  await page.goto(`http://localhost:${rp.port}/login`);
  if (options.credentials) {
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Email').fill(options.credentials.email);
    await page.getByLabel('Password').fill(options.credentials.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  if (options.consent) {
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    if (options.screenshot) await page.screenshot({ path: artifactPath(options.screenshot), fullPage: true });
    await page.getByRole('button', { name: 'Allow' }).click();
  }
  await page.waitForURL((u) => u.port === String(rp.port) && u.pathname === '/callback');
}

const leftHalfSha256 = (token: string) => createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const engine of ENGINES) {
  describe(`Sign in with Slack through openid-client and Chromium (${engine})`, () => {
    test('discovery, code + PKCE + state + nonce, signed ID token with at_hash, userinfo; wrong nonce refused; refresh for a rotating app', async () => {
      const port = await freePort();
      const rotatingPort = await freePort();
      const server = await startServer(engine, installFixture([`http://localhost:${port}/callback`, `http://localhost:${rotatingPort}/callback`]));
      const rp = await startRelyingParty(server, port, 'A0INST0001', 'basic');
      const rotating = await startRelyingParty(server, rotatingPort, 'A0ROTA0001', 'post');
      const context = await browser.newContext();
      try {
        const meta = rp.config.serverMetadata();
        assert.equal(meta.issuer, server.url);
        assert.equal(meta.token_endpoint, `${server.url}/api/openid.connect.token`);
        assert.equal(meta.userinfo_endpoint, `${server.url}/api/openid.connect.userInfo`);

        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        await signInThroughTessera(page, rp, { credentials: { email: 'bob@acme.test', password: 'bob-password' }, consent: true, screenshot: `sign-in-with-slack-${engine}.png` });
        await page.getByRole('heading', { name: 'Welcome, Bob Baker' }).waitFor();
        const first = rp.last!;
        assert.equal(first.error, undefined, String(first.error?.stack));

        // openid-client checked iss, aud, exp, iat, nonce, state, PKCE and the signature (non-repudiation checks on).
        const claims = first.claims!;
        assert.equal(claims.iss, server.url);
        assert.equal(claims.aud, clientOf('A0INST0001').clientId);
        assert.equal(claims.sub, 'U0BOB00001');
        assert.equal(claims.nonce, rp.sentNonce);
        assert.equal(typeof claims.auth_time, 'number');
        // openid-client leaves at_hash to the app in the code flow: checked here, as OpenID Connect Core §3.1.3.8 says.
        assert.equal(claims['at_hash'], leftHalfSha256(first.tokens!.access_token));
        assert.equal(first.tokens!.token_type, 'bearer');
        assert.match(first.tokens!.access_token, /^xoxp-/);
        assert.equal(first.tokens!.refresh_token, undefined);
        assert.equal(claims['https://slack.com/team_id'], 'T0ACME0001');
        assert.equal(claims['https://slack.com/team_domain'], 'acme');
        assert.equal(claims['email'], 'bob@acme.test');
        // The signature again, independently of openid-client: against the JWKS the discovery document names.
        const keys = createRemoteJWKSet(new URL(meta.jwks_uri!));
        const verified = await jwtVerify(first.tokens!.id_token!, keys, { issuer: server.url, audience: clientOf('A0INST0001').clientId, algorithms: ['RS256'] });
        assert.equal(verified.protectedHeader.alg, 'RS256');
        assert.equal(verified.payload.sub, 'U0BOB00001');
        const userInfo = first.userInfo!;
        assert.equal(userInfo.sub, 'U0BOB00001');
        assert.equal(userInfo.email, 'bob@acme.test');
        assert.equal(userInfo.name, 'Bob Baker');
        assert.equal(userInfo['https://slack.com/user_id'], 'U0BOB00001');

        // Signing in again: no consent this time, and an ID token whose nonce is not the expected one is refused.
        rp.expectNonce = 'a-nonce-this-sign-in-never-sent';
        await signInThroughTessera(page, rp, {});
        const tampered = rp.last!;
        assert.ok(tampered.error, 'the wrong nonce is refused');
        const refusal = tampered.error as Error & { code?: string; cause?: { cause?: { claim?: string; claims?: { nonce?: string } } } };
        assert.equal(refusal.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', tampered.error.message);
        assert.equal(refusal.cause?.cause?.claim, 'nonce');
        assert.equal(refusal.cause?.cause?.claims?.nonce, rp.sentNonce, 'Tessera echoed the nonce that was sent');
        assert.equal(tampered.tokens, undefined);
        rp.expectNonce = undefined;
        await signInThroughTessera(page, rp, {});
        assert.equal(rp.last!.error, undefined, 'the right nonce still passes');
        assert.notEqual(rp.last!.claims!.nonce, claims.nonce, 'each sign-in its own nonce');

        // A rotating app: a refresh token, refreshed by openid-client, whose new ID token it validates too.
        await signInThroughTessera(page, rotating, { consent: true });
        const pair = rotating.last!;
        assert.equal(pair.error, undefined, String(pair.error?.stack));
        assert.match(pair.tokens!.access_token, /^xoxe\.xoxp-/);
        assert.match(pair.tokens!.refresh_token!, /^xoxe-1-/);
        assert.equal(pair.tokens!.expires_in, 43200);
        const refreshed = await client.refreshTokenGrant(rotating.config, pair.tokens!.refresh_token!);
        assert.match(refreshed.access_token, /^xoxe\.xoxp-/);
        assert.notEqual(refreshed.access_token, pair.tokens!.access_token);
        assert.notEqual(refreshed.refresh_token, pair.tokens!.refresh_token);
        const refreshedClaims = refreshed.claims()!;
        assert.equal(refreshedClaims.sub, 'U0BOB00001');
        assert.equal(refreshedClaims.aud, clientOf('A0ROTA0001').clientId);
        assert.equal(refreshedClaims['at_hash'], leftHalfSha256(refreshed.access_token));
        assert.equal(decodeProtectedHeader(refreshed.id_token!).kid, decodeProtectedHeader(pair.tokens!.id_token!).kid);
        const again = await client.fetchUserInfo(rotating.config, refreshed.access_token, 'U0BOB00001');
        assert.equal(again.email, 'bob@acme.test');
        // The refresh token was single use: openid-client cannot refresh with it twice after the grace window, and
        // within it gets the same answer (checked in test/oauth/openid.test.ts); here a fresh one works.
        const second = await client.refreshTokenGrant(rotating.config, refreshed.refresh_token!);
        assert.equal(second.claims()!.sub, 'U0BOB00001');
      } finally {
        await context.close();
        await rp.close();
        await rotating.close();
        await server.close();
      }
    });
  });
}
