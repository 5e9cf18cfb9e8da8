import { SlackError } from '../../domain/errors.ts';
import { idTokenClaims, memberClaims } from '../../domain/openid.ts';
import { parseToken, tokenDigest } from '../../domain/token-strings.ts';
import { idTokenSigner } from '../../openid/keys.ts';
import type { Rotated } from '../../store/refresh.ts';
import { authenticateClient, CLIENT_ARGS } from '../client-auth.ts';
import { defineMethod, type MethodContext } from '../registry.ts';
import { exchangeCode } from './oauth.ts';
import { refreshGrant } from './rotation.ts';

const TOKEN_ARGS = {
  ...CLIENT_ARGS,
  code: { type: 'string', maxLength: 256 },
  redirect_uri: { type: 'string', maxLength: 2048 },
  code_verifier: { type: 'string', maxLength: 256 },
  grant_type: { type: 'string', maxLength: 64 },
  refresh_token: { type: 'string', maxLength: 256 },
} as const;

/**
 * openid.connect.token (slack-compat.md §7): a Sign in with Slack code for a user token and an ID token, or, for an
 * app that rotates tokens, a refresh token for a new pair and a new ID token. Errors are the install flows' own.
 */
export const openidConnectToken = defineMethod({
  name: 'openid.connect.token',
  tokens: 'none',
  tier: 4,
  args: TOKEN_ARGS,
  async handler(ctx: MethodContext<typeof TOKEN_ARGS>) {
    const services = ctx.services;
    const app = await authenticateClient(services, ctx.args, ctx.basicAuthorization);
    const grant = ctx.args.grant_type;
    if (grant === 'refresh_token') {
      const refreshToken = ctx.args.refresh_token;
      // Only a sign-in's own refresh tokens: an install's would hand out an ID token for a grant of other scopes.
      const owner = refreshToken && parseToken(refreshToken) === 'refresh' ? await services.store.openid.refreshSubject(tokenDigest(refreshToken)) : null;
      if (owner === null || owner.appId !== app.id) throw new SlackError('invalid_refresh_token');
      const subject = await services.store.openid.subject(owner.userId);
      if (subject === null) throw new SlackError('invalid_refresh_token');
      const signer = await idTokenSigner(services.store, services.clock.now());
      return refreshGrant(services, app, refreshToken, async (r: Rotated) => ({
        access_token: r.accessToken,
        token_type: 'Bearer',
        id_token: await signer.sign(
          idTokenClaims({ issuer: services.publicUrl, clientId: app.client_id, subject, scopes: r.scopes, accessToken: r.accessToken, issuedAt: Math.floor(r.issuedAt / 1000), authTime: null, nonce: null, publicUrl: services.publicUrl }),
        ),
        refresh_token: r.refreshToken,
        expires_in: Math.round((r.expiresAt - r.issuedAt) / 1000),
      }));
    }
    if (grant !== undefined && grant !== 'authorization_code') throw new SlackError('invalid_grant_type');
    const { code, issued } = await exchangeCode(services, app, 'oidc', ctx.args);
    const user = issued.user!;
    const subject = await services.store.openid.subject(issued.userId);
    if (subject === null) throw new SlackError('invalid_code');
    const now = services.clock.now();
    const signer = await idTokenSigner(services.store, now);
    const idToken = await signer.sign(
      idTokenClaims({
        issuer: services.publicUrl,
        clientId: app.client_id,
        subject,
        scopes: code.userScopes,
        accessToken: user.token,
        issuedAt: Math.floor(now / 1000),
        authTime: code.authTime === null ? null : Math.floor(code.authTime / 1000),
        nonce: code.nonce,
        publicUrl: services.publicUrl,
      }),
    );
    const answer: Record<string, unknown> = { access_token: user.token, token_type: 'Bearer', id_token: idToken };
    if (user.refreshToken !== null && user.expiresAt !== null) {
      Object.assign(answer, { refresh_token: user.refreshToken, expires_in: Math.max(0, Math.round((user.expiresAt - now) / 1000)) });
    }
    return answer;
  },
});

/** openid.connect.userInfo: the signed-in member, as the ID token describes them, by the scopes the token holds. */
export const openidConnectUserInfo = defineMethod({
  name: 'openid.connect.userInfo',
  tokens: ['user'],
  scopes: { user: ['openid'] },
  tier: 3,
  args: {},
  async handler(ctx) {
    const auth = ctx.auth!;
    const subject = auth.userId === null ? null : await ctx.services.store.openid.subject(auth.userId);
    if (subject === null) throw new SlackError('user_not_found');
    return memberClaims(subject, auth.effectiveScopes, ctx.services.publicUrl);
  },
});
