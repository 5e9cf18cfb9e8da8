import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowed, parseRange, type Ipv4Range } from '../../src/domain/ip-allowlist.ts';

const ranges = (...texts: string[]) => texts.map((t) => parseRange(t) as Ipv4Range);

test('CIDR ranges and bare addresses', () => {
  const cases: Array<[string[], string, boolean]> = [
    [[], '203.0.113.9', true],
    [['10.0.0.0/8'], '10.200.3.4', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['192.168.1.7'], '192.168.1.7', true],
    [['192.168.1.7'], '192.168.1.8', false],
    [['192.168.1.0/24'], '::ffff:192.168.1.99', true],
    [['127.0.0.1'], '::1', true],
    [['10.0.0.0/8'], '2001:db8::1', false],
    [['0.0.0.0/0'], '8.8.8.8', true],
    [['10.1.2.3/8'], '10.9.9.9', true], // host bits are ignored
  ];
  for (const [list, address, ok] of cases) assert.equal(allowed(ranges(...list), address), ok, `${list} ${address}`);
});

test('bad ranges are named', () => {
  for (const bad of ['10.0.0/8', '10.0.0.256', '10.0.0.0/33', '10.0.0.0/8/1', 'fe80::/10', '01.2.3.4', '']) {
    assert.equal(typeof parseRange(bad), 'string', bad);
  }
});
