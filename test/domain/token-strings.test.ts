import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checksum, idNumber, mintToken, parseToken, tokenDigest, tokenHint, type TokenFamily } from '../../src/domain/token-strings.ts';

test('checksum: CRC-32 in base 62, six characters (vectors computed with zlib outside Node)', () => {
  assert.equal(checksum('xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy'), '40soQ6');
  assert.equal(checksum('xapp-1-A0DEMO0001-1700000000-abcdefghijklmnopqrstuvwxyz'), '3fNpkW');
  assert.equal(checksum(''), '000000');
});

test('a hand-made token with the right checksum parses', () => {
  const body = 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy';
  assert.equal(parseToken(body + '40soQ6'), 'bot');
  assert.equal(parseToken(body + '40soQ7'), null);
});

test('every family mints strings of its shape that parse back to it', () => {
  const cases: Array<[TokenFamily, Array<string | number>, RegExp]> = [
    ['bot', ['123', '456'], /^xoxb-123-456-[0-9A-Za-z]{32}$/],
    ['user', ['123', '456', '7'], /^xoxp-123-456-7-[0-9A-Za-z]{32}$/],
    ['rotating_bot', ['123', '456'], /^xoxe\.xoxb-1-123-456-[0-9A-Za-z]{32}$/],
    ['rotating_user', ['123', '456', '7'], /^xoxe\.xoxp-1-123-456-7-[0-9A-Za-z]{32}$/],
    ['refresh', ['123'], /^xoxe-1-123-[0-9A-Za-z]{32}$/],
    ['app', ['A0DEMO0001', '1700000000'], /^xapp-1-A0DEMO0001-1700000000-[0-9A-Za-z]{32}$/],
    ['workspace', ['123', '9'], /^xoxa-2-123-9-[0-9A-Za-z]{32}$/],
    ['workspace_refresh', ['123', '9'], /^xoxr-123-9-[0-9A-Za-z]{32}$/],
  ];
  for (const [family, segments, shape] of cases) {
    const token = mintToken(family, segments);
    assert.match(token, shape, family);
    assert.equal(parseToken(token), family, family);
  }
});

test('malformed and forged strings are refused before any lookup', () => {
  const good = mintToken('bot', ['1', '2']);
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['xoxb-', 'prefix only'],
    ['xoxz-1-2-abcdefghijklmnopqrstuvwxyz012345', 'unknown prefix'],
    [flip(good, good.length - 10), 'one secret character changed'],
    [flip(good, good.length - 1), 'one checksum character changed'],
    [good.replace('xoxb-1-', 'xoxb-x-'), 'a letter where the team number goes'],
    [good + 'A', 'one character too many'],
    ['xoxb-1-2-' + 'a'.repeat(300), 'longer than 255'],
    [good.replace('xoxb-', 'xoxp-'), 'bot segments under the user prefix'],
    ['xoxb-1-2-short0000', 'secret too short'],
    [good.slice(0, -6) + '!!!!!!', 'non-base-62 checksum'],
  ];
  for (const [token, why] of cases) assert.equal(parseToken(token), null, why);
});

test('secrets are random: a thousand mints, a thousand strings', () => {
  const seen = new Set(Array.from({ length: 1000 }, () => mintToken('bot', ['1', '2'])));
  assert.equal(seen.size, 1000);
});

test('digests, hints and id numbers', () => {
  const token = mintToken('rotating_user', ['1', '2', '3']);
  assert.match(tokenDigest(token), /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(tokenDigest(token), tokenDigest(token + 'x'));
  const hint = tokenHint(token);
  assert.ok(hint.startsWith('xoxe.xoxp-') && hint.endsWith(token.slice(-6)));
  assert.ok(!hint.includes(token.slice(-20, -6)), 'the hint never shows the secret');
  assert.equal(idNumber('T0000000010'), '36');
  assert.equal(idNumber('TZ'), '35');
});
