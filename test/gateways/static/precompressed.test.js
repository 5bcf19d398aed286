// Accept-Encoding negotiation (RFC 9110 §12.5.3) for precompressed
// variants, as a table: q values, q=0, `*`, x-gzip, identity, and which
// variants exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseCoding, parseAcceptEncoding } from '../../../dist/gateways/static/precompressed.js';

const BOTH = ['br', 'gzip'];

/** [Accept-Encoding, available variants, chosen coding or null for the file itself]. */
const CASES = [
  [undefined, BOTH, null],
  ['', BOTH, null],
  ['identity', BOTH, null],
  ['gzip, deflate, br', BOTH, 'br'],
  ['gzip, deflate, br', ['gzip'], 'gzip'],
  ['gzip, deflate, br', ['br'], 'br'],
  ['gzip, deflate, br', [], null],
  ['gzip', BOTH, 'gzip'],
  ['br', ['gzip'], null],
  ['x-gzip', BOTH, 'gzip'],
  ['GZIP', BOTH, 'gzip'],
  ['br;q=0, gzip', BOTH, 'gzip'],
  ['br; q=0.0, gzip', BOTH, 'gzip'],
  ['br;q=0, gzip;q=0', BOTH, null],
  ['gzip;q=1, br;q=0.5', BOTH, 'gzip'],
  ['gzip;q=0.5, br;q=0.5', BOTH, 'br'],
  ['br;Q=0.9, gzip;q=0.8', BOTH, 'br'],
  ['*', BOTH, 'br'],
  ['*', ['gzip'], 'gzip'],
  ['*;q=0', BOTH, null],
  ['br;q=0, *', BOTH, 'gzip'],
  ['gzip;q=0.5, identity', BOTH, null],
  ['gzip, identity;q=0', BOTH, 'gzip'],
  ['gzip;q=2, br;q=abc', BOTH, null],
  ['deflate', BOTH, null],
  ['br;q=0.0001, gzip;q=0.1', BOTH, 'gzip'],
  ['br;q=, gzip;q=0.1', BOTH, 'gzip'],
  ['br;q=1.000, gzip', BOTH, 'br'],
];

for (const [header, available, expected] of CASES) {
  test(`chooseCoding(${JSON.stringify(header)}, [${available}]) → ${expected}`, () => {
    assert.equal(chooseCoding(header, available), expected);
  });
}

test('parseAcceptEncoding keeps names lower-case, defaults q to 1, keeps the first of a repeat', () => {
  assert.deepEqual([...parseAcceptEncoding('GZip;q=0.5, br, gzip;q=1, *;q=0.1')], [['gzip', 0.5], ['br', 1], ['*', 0.1]]);
});
