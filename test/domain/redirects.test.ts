import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseRedirect, redirectMatches, redirectUrlProblem } from '../../src/domain/redirects.ts';

test("the seed's GOOD/BAD table (over https, since http is for loopback only), with the spec's same-scheme rule", () => {
  const registered = 'https://example.com/path';
  const cases: Array<[string, boolean]> = [
    ['https://example.com/path', true],
    ['https://example.com/path/subdir/other', true],
    ['http://example.com/path', false], // the seed's scheme change is GOOD there; slack-compat.md §5 requires the same scheme
    ['https://example.com/bar', false],
    ['https://example.com/', false],
    ['https://example.com:8080/path', false],
    ['https://oauth.example.com:8080/path', false],
    ['https://example.org', false],
    ['https://example.com/pathology', false],
    ['https://example.com/path#frag', false],
    ['https://example.com/path/../bar', false],
    ['https://example.com/path/%2e%2e/bar', false],
    ['https://example.com/path%2Fevil', false],
    ['https://user:pw@example.com/path', false],
    ['https://EXAMPLE.com/path', true],
    ['https://example.com:443/path', true],
    ['https://example.com/path?x=1', true],
    ['not a url', false],
  ];
  for (const [candidate, ok] of cases) assert.equal(redirectMatches(registered, candidate), ok, candidate);
});

test('http is allowed for loopback hosts only', () => {
  assert.equal(redirectMatches('http://localhost:3000/cb', 'http://localhost:3000/cb'), true);
  assert.equal(redirectMatches('https://app.test/cb', 'https://app.test/cb/x'), true);
  assert.equal(redirectUrlProblem('http://example.com/cb'), 'http:// is accepted only for localhost and loopback addresses');
  assert.equal(redirectUrlProblem('http://127.0.0.1:8080/cb'), null);
  assert.equal(redirectUrlProblem('http://[::1]:8080/cb'), null);
  assert.equal(redirectUrlProblem('https://example.com/cb#x'), 'must not contain #');
  assert.equal(redirectUrlProblem('example.com/cb'), 'not an absolute URL');
  assert.equal(redirectUrlProblem('javascript:alert(1)'), 'scheme not allowed');
});

test('without a redirect_uri the first registered URL is used', () => {
  const urls = ['https://a.test/one', 'https://b.test/two'];
  assert.equal(chooseRedirect(urls, undefined), 'https://a.test/one');
  assert.equal(chooseRedirect(urls, 'https://b.test/two/deeper'), 'https://b.test/two/deeper');
  assert.equal(chooseRedirect(urls, 'https://c.test/two'), undefined);
});
