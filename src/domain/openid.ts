import { hash } from 'node:crypto';

/**
 * Sign in with Slack (slack-compat.md §7), without I/O: the discovery document, and the claims of ID tokens and of
 * openid.connect.userInfo, chosen by the scopes the member granted.
 */
export const OPENID_SCOPES: readonly string[] = ['openid', 'email', 'profile'];

/** As Slack's: an ID token is for signing in now, not a session (Slack's example has exp - iat = 300). */
export const ID_TOKEN_LIFETIME_SECONDS = 300;

/**
 * How long a retired signing key stays in the JWKS: every ID token it signed expires within
 * ID_TOKEN_LIFETIME_SECONDS, and the rest is room for relying parties' clock skew and their JWKS caches.
 */
export const RETIRED_KEY_PUBLISHED_SECONDS = ID_TOKEN_LIFETIME_SECONDS + 600;

export const SIGNING_ALGORITHM = 'RS256';

/** Tessera keeps no locale per member; Slack's default. */
export const DEFAULT_LOCALE = 'en-US';

export const AVATAR_SIZES = [24, 32, 48, 72, 192, 512] as const;

/** What the claims are made of: a member and their workspace. */
export interface OpenIdSubject {
  userId: string;
  realName: string;
  email: string | null;
  teamId: string;
  teamName: string;
  teamDomain: string;
  enterpriseId: string | null;
  enterpriseName: string | null;
  enterpriseDomain: string | null;
}

const SLACK = 'https://slack.com/';

export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/openid/connect/authorize`,
    token_endpoint: `${issuer}/api/openid.connect.token`,
    userinfo_endpoint: `${issuer}/api/openid.connect.userInfo`,
    jwks_uri: `${issuer}/openid/connect/keys`,
    scopes_supported: [...OPENID_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: [
      'iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash',
      'email', 'email_verified', 'name', 'given_name', 'family_name', 'picture', 'locale',
      `${SLACK}user_id`, `${SLACK}team_id`, `${SLACK}team_name`, `${SLACK}team_domain`,
    ],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}

/** An avatar that Tessera serves itself (it keeps no pictures): one per member and size. */
export function avatarUrl(publicUrl: string, userId: string, size: number): string {
  return `${publicUrl}/avatars/${encodeURIComponent(userId)}/${size}.svg`;
}

/** "Alice Archer" → Alice, Archer; a single name is a given name. */
export function splitName(realName: string): { given: string; family: string } {
  const trimmed = realName.trim();
  const space = trimmed.search(/\s/);
  if (space === -1) return { given: trimmed, family: '' };
  return { given: trimmed.slice(0, space), family: trimmed.slice(space + 1).trim() };
}

/**
 * The claims about the member, by scope (OpenID Connect Core §5.4): `openid` names the member and workspace,
 * `email` adds the address, `profile` the name, picture and locale. Shared by ID tokens and userInfo.
 */
export function memberClaims(subject: OpenIdSubject, scopes: readonly string[], publicUrl: string): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: subject.userId,
    [`${SLACK}user_id`]: subject.userId,
    [`${SLACK}team_id`]: subject.teamId,
    [`${SLACK}team_name`]: subject.teamName,
    [`${SLACK}team_domain`]: subject.teamDomain,
  };
  if (subject.enterpriseId !== null) {
    claims[`${SLACK}enterprise_id`] = subject.enterpriseId;
    claims[`${SLACK}enterprise_name`] = subject.enterpriseName ?? '';
    claims[`${SLACK}enterprise_domain`] = subject.enterpriseDomain ?? '';
  }
  // Members are made by a fixture or an admin and sign in with this address: it is the one the workspace knows.
  if (scopes.includes('email') && subject.email !== null) {
    claims['email'] = subject.email;
    claims['email_verified'] = true;
  }
  if (scopes.includes('profile')) {
    const { given, family } = splitName(subject.realName);
    claims['name'] = subject.realName;
    claims['given_name'] = given;
    claims['family_name'] = family;
    claims['picture'] = avatarUrl(publicUrl, subject.userId, 512);
    claims['locale'] = DEFAULT_LOCALE;
    for (const size of AVATAR_SIZES) claims[`${SLACK}user_image_${size}`] = avatarUrl(publicUrl, subject.userId, size);
    claims[`${SLACK}team_image_default`] = true;
  }
  return claims;
}

/** OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url. */
export function atHash(accessToken: string): string {
  return hash('sha256', accessToken, 'buffer').subarray(0, 16).toString('base64url');
}

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  subject: OpenIdSubject;
  scopes: readonly string[];
  accessToken: string;
  /** Seconds since the epoch, from the server's clock. */
  issuedAt: number;
  /** When the member signed in, in seconds; unknown (left out) on a refresh. */
  authTime: number | null;
  nonce: string | null;
  publicUrl: string;
}

export function idTokenClaims(input: IdTokenInput): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    iss: input.issuer,
    sub: input.subject.userId,
    aud: input.clientId,
    exp: input.issuedAt + ID_TOKEN_LIFETIME_SECONDS,
    iat: input.issuedAt,
  };
  if (input.authTime !== null) claims['auth_time'] = input.authTime;
  if (input.nonce !== null) claims['nonce'] = input.nonce;
  claims['at_hash'] = atHash(input.accessToken);
  return { ...claims, ...memberClaims(input.subject, input.scopes, input.publicUrl) };
}
