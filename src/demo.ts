import { randomBytes } from 'node:crypto';
import { validateFixture, type Fixture } from './domain/fixture.ts';
import { newId } from './domain/ids.ts';
import { randomBase62 } from './domain/base62.ts';

export interface DemoCredentials {
  email: string;
  password: string;
  teamName: string;
  appId: string;
  appName: string;
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  redirectUrl: string;
}

/** The workspace, owner and app a first start creates, so a newcomer can sign in and install at once. */
export function demoFixture(): { fixture: Fixture; credentials: DemoCredentials } {
  const teamId = newId('T');
  const ownerId = newId('U');
  const digits = (n: number): string => String(BigInt('0x' + randomBytes(8).toString('hex')) % 10n ** BigInt(n)).padStart(n, '1');
  const credentials: DemoCredentials = {
    email: 'owner@demo.tessera.test',
    password: randomBase62(20, randomBytes),
    teamName: 'Tessera Demo',
    appId: newId('A'),
    appName: 'Demo App',
    clientId: `${digits(13)}.${digits(13)}`,
    clientSecret: randomBytes(16).toString('hex'),
    signingSecret: randomBytes(16).toString('hex'),
    redirectUrl: 'http://localhost:3000/slack/oauth_redirect',
  };
  const fixture = validateFixture({
    teams: [{ id: teamId, name: credentials.teamName, domain: 'demo' }],
    users: [{ id: ownerId, team_id: teamId, name: 'owner', real_name: 'Demo Owner', email: credentials.email, password: credentials.password, role: 'owner' }],
    channels: [
      { id: newId('C'), team_id: teamId, name: 'general', is_private: false, members: [ownerId] },
      { id: newId('C'), team_id: teamId, name: 'random', is_private: false, members: [ownerId] },
    ],
    apps: [
      {
        id: credentials.appId,
        name: credentials.appName,
        team_id: teamId,
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        signing_secret: credentials.signingSecret,
        redirect_urls: [credentials.redirectUrl],
        bot_scopes: ['chat:write', 'channels:read', 'channels:join', 'users:read', 'team:read', 'incoming-webhook'],
        user_scopes: ['search:read', 'users:read'],
        created: new Date().toISOString().slice(0, 10),
      },
    ],
  });
  return { fixture, credentials };
}

export function demoBanner(publicUrl: string, c: DemoCredentials): string {
  return [
    '',
    'Tessera created a demo workspace on this first start. These secrets are shown once; keep them.',
    '',
    `  Sign in:        ${publicUrl}/login`,
    `    Email:        ${c.email}`,
    `    Password:     ${c.password}`,
    '',
    `  Bolt app (${c.appName}, ${c.appId}):`,
    `    clientId:      '${c.clientId}'`,
    `    clientSecret:  '${c.clientSecret}'`,
    `    signingSecret: '${c.signingSecret}'`,
    `    clientOptions: { slackApiUrl: '${publicUrl}/api/' }`,
    `    installerOptions: { authorizationUrl: '${publicUrl}/oauth/v2/authorize' }`,
    `    Redirect URL:  ${c.redirectUrl}`,
    '',
  ].join('\n');
}
