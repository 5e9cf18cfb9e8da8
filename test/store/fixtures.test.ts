import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SecretBox } from '../../src/crypto/sealed.ts';
import { randomBytes } from 'node:crypto';
import { FixtureError, validateFixture } from '../../src/domain/fixture.ts';
import { Store } from '../../src/store/index.ts';
import { tokenDigest } from '../../src/domain/token-strings.ts';
import { ENGINES, testDatabase } from '../helpers/server.ts';
import { mint, standardFixture } from '../helpers/fixture.ts';

const problemsOf = (input: unknown): string[] => {
  try {
    validateFixture(input);
    return [];
  } catch (e) {
    assert.ok(e instanceof FixtureError);
    return e.problems;
  }
};

test('the standard test fixture and product.md’s example are valid', () => {
  validateFixture(standardFixture().fixture);
  validateFixture({
    teams: [{ id: 'T0ACME0001', name: 'Acme', domain: 'acme' }],
    users: [{ id: 'U0ALICE001', team_id: 'T0ACME0001', name: 'alice', real_name: 'Alice Archer', email: 'alice@acme.test', password: 'alice-password', role: 'owner' }],
    channels: [{ id: 'C0GENERAL1', team_id: 'T0ACME0001', name: 'general', is_private: false, members: ['U0ALICE001'] }],
    apps: [
      {
        id: 'A0DEMO0001', name: 'Demo App', team_id: 'T0ACME0001', client_id: '1000.2000', client_secret: 'demo-client-secret',
        signing_secret: 'demo-signing-secret', redirect_urls: ['http://localhost:3000/slack/oauth_redirect'],
        bot_scopes: ['chat:write', 'channels:read'], user_scopes: ['search:read'], classic: false, workspace_app: false,
        distributed: true, token_rotation: false, request_url: null, ip_allowlist: [], token_lifetime_seconds: 43200, created: '2024-01-01',
      },
    ],
    tokens: [
      { kind: 'app', app_id: 'A0DEMO0001', scopes: ['connections:write', 'authorizations:read'], token: mint.app() },
      { kind: 'config', team_id: 'T0ACME0001', user_id: 'U0ALICE001', token: mint.rotatingUser(), refresh_token: mint.refresh() },
      { kind: 'legacy', team_id: 'T0ACME0001', user_id: 'U0ALICE001', token: mint.user() },
    ],
  });
});

test('errors name the bad entry and field', () => {
  const { fixture } = standardFixture();
  const apps = fixture['apps'] as Array<Record<string, unknown>>;
  apps[2] = { ...apps[2], redirect_urls: ['/relative'] };
  apps[1] = { ...apps[1], bot_scopes: ['chat:write', 'no:such'] };
  const tokens = fixture['tokens'] as Array<Record<string, unknown>>;
  tokens[0] = { ...tokens[0], token: (tokens[0]!['token'] as string).slice(0, -1) + '0' };
  tokens[1] = { ...tokens[1], token: mint.app() };
  const users = fixture['users'] as Array<Record<string, unknown>>;
  users[1] = { ...users[1], team_id: 'T0NOPE0001' };
  const problems = problemsOf(fixture);
  for (const expected of [
    'apps[2].redirect_urls[0]: not an absolute URL',
    'apps[1].bot_scopes[1]: unknown bot scope no:such',
    'tokens[0].token: not a well-formed token with a valid checksum',
    'tokens[1].token: a app token string cannot be a bot token',
    'users[1].team_id: no team T0NOPE0001 in this fixture',
  ]) {
    assert.ok(problems.includes(expected), `missing "${expected}" in:\n${problems.join('\n')}`);
  }
});

test('more validation rules, in a table', () => {
  const base = () => ({ teams: [{ id: 'T0ACME0001', name: 'Acme', domain: 'acme' }] });
  const app = (extra: Record<string, unknown>) => ({ ...base(), apps: [{ id: 'A0X0000001', name: 'X', team_id: 'T0ACME0001', client_id: '1.2', client_secret: 'secret-secret', signing_secret: 'signing-secret', ...extra }] });
  const cases: Array<[unknown, string]> = [
    [[], '(fixture): must be a JSON object'],
    [{ teams: {} }, 'teams: must be a list'],
    [{ bogus: [] }, 'bogus: unknown section'],
    [{ teams: [{ id: 'acme', name: 'Acme', domain: 'acme' }] }, 'teams[0].id: not an id starting with T (upper-case letters and digits)'],
    [{ teams: [{ id: 'T0ACME0001', name: 'Acme', domain: 'acme' }, { id: 'T0ACME0001', name: 'B', domain: 'b' }] }, 'teams[1].id: T0ACME0001 appears twice'],
    [{ ...base(), users: [{ id: 'U0X0000001', team_id: 'T0ACME0001', name: 'x', role: 'king' }] }, 'users[0].role: must be owner, admin, member or deactivated'],
    [{ ...base(), users: [{ id: 'U0X0000001', team_id: 'T0ACME0001', name: 'x', email: 'nope' }] }, 'users[0].email: not an email address'],
    [app({ redirect_urls: ['http://example.com/cb'] }), 'apps[0].redirect_urls[0]: http:// is accepted only for localhost and loopback addresses'],
    [app({ ip_allowlist: ['10.0.0.0/33'] }), 'apps[0].ip_allowlist[0]: prefix length must be 0 to 32'],
    [app({ ip_allowlist: Array.from({ length: 11 }, (_, i) => `10.0.0.${i}`) }), 'apps[0].ip_allowlist: at most 10 ranges'],
    [app({ bot_scopes: ['bot'] }), 'apps[0].bot_scopes[0]: only a classic app may request the bot scope'],
    [app({ token_lifetime_seconds: 0 }), 'apps[0].token_lifetime_seconds: must be a whole number of seconds from 1 to 31536000'],
    [app({ created: 'yesterday' }), 'apps[0].created: not a date (YYYY-MM-DD)'],
    [app({ classic: 'yes' }), 'apps[0].classic: must be true or false'],
    [{ ...app({}), tokens: [{ kind: 'bot', app_id: 'A0X0000001', token: mint.rotatingBot() }] }, 'tokens[0].token: app A0X0000001 does not rotate tokens, so its tokens do not start with xoxe.'],
    [{ ...app({}), tokens: [{ kind: 'app', app_id: 'A0X0000001', token: mint.app(), scopes: ['chat:write'] }] }, 'tokens[0].scopes[0]: not a scope a app token can hold: chat:write'],
    [{ ...app({}), tokens: [{ kind: 'wizard', token: 'x' }] }, 'tokens[0].kind: must be bot, user, app, workspace, legacy or config'],
  ];
  for (const [input, expected] of cases) {
    const problems = problemsOf(input);
    assert.ok(problems.includes(expected), `expected "${expected}", got:\n${problems.join('\n')}`);
  }
});

async function snapshot(store: Store): Promise<string> {
  const tables = ['enterprises', 'teams', 'users', 'channels', 'channel_members', 'apps', 'installations', 'bots', 'authorizations', 'tokens'] as const;
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = (await store.db.selectFrom(t).selectAll().execute()).map((row) => JSON.stringify(row)).sort();
  return JSON.stringify(out);
}

for (const engine of ENGINES) {
  describe(`loading fixtures (${engine})`, () => {
    test('loading twice changes nothing; tokens and secrets are stored only as digests or sealed', async () => {
      const database = testDatabase(engine);
      const store = await Store.open(database.spec, new SecretBox(randomBytes(32)));
      try {
        await store.migrate();
        const { fixture, tokens } = standardFixture();
        const valid = validateFixture(fixture);
        const first = await store.loadFixture(valid, 1_700_000_000_000);
        assert.equal(first.tokensAdded, 14);
        const once = await snapshot(store);
        const second = await store.loadFixture(valid, 1_700_000_500_000);
        assert.equal(second.tokensAdded, 0);
        assert.equal(await snapshot(store), once);
        for (const secret of [...Object.values(tokens), 'a0demo0001-client-secret', 'a0demo0001-signing-secret', 'alice-password']) {
          assert.ok(!once.includes(secret), 'a secret is stored in clear');
        }
        assert.ok(once.includes(tokenDigest(tokens.bot)));
      } finally {
        await store.close();
        await database.drop();
      }
    });

    test('a load that fails part-way leaves nothing behind', async () => {
      const database = testDatabase(engine);
      const store = await Store.open(database.spec, new SecretBox(randomBytes(32)));
      try {
        await store.migrate();
        await store.loadFixture(validateFixture({ teams: [{ id: 'T0AAAA0001', name: 'A', domain: 'taken' }] }), 1);
        // Valid on its own, but its team's domain is already used by another team in the database.
        const { fixture } = standardFixture();
        (fixture['teams'] as Array<Record<string, unknown>>)[1]!['domain'] = 'taken';
        await assert.rejects(store.loadFixture(validateFixture(fixture), 2));
        const teams = await store.db.selectFrom('teams').select('id').execute();
        assert.deepEqual(teams.map((t) => t.id), ['T0AAAA0001']);
        assert.equal((await store.db.selectFrom('tokens').select('digest').execute()).length, 0);
        assert.equal((await store.db.selectFrom('users').select('id').execute()).length, 0);
      } finally {
        await store.close();
        await database.drop();
      }
    });

    test('token rotation is one-way: a fixture may turn it on, never off', async () => {
      const database = testDatabase(engine);
      const store = await Store.open(database.spec, new SecretBox(randomBytes(32)));
      try {
        await store.migrate();
        const { fixture } = standardFixture();
        const apps = fixture['apps'] as Array<Record<string, unknown>>;
        const demo = apps.find((a) => a['id'] === 'A0DEMO0001')!;
        await store.loadFixture(validateFixture(fixture), 1);
        demo['token_rotation'] = true; // its long-lived tokens stay valid: they are oauth.v2.exchange's input
        await store.loadFixture(validateFixture(fixture), 2);
        demo['token_rotation'] = false;
        await assert.rejects(store.loadFixture(validateFixture(fixture), 3), (e: Error) => e.message.includes('A0DEMO0001.token_rotation: token rotation is on for this app and cannot be turned off'));
        assert.equal((await store.apps.byId('A0DEMO0001'))!.token_rotation, true);
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}
