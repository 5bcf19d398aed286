// HTTP-date (RFC 9110 §5.6.7) as a table: the three forms a recipient must
// accept, all GMT whatever the local zone, and what is not an HTTP-date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHttpDate, parseHttpDate } from '../../../dist/gateways/static/http-date.js';

const EXAMPLE_MS = Date.UTC(1994, 10, 6, 8, 49, 37);

test('formatHttpDate writes IMF-fixdate and drops the fraction of a second', () => {
  assert.equal(formatHttpDate(EXAMPLE_MS), 'Sun, 06 Nov 1994 08:49:37 GMT');
  assert.equal(formatHttpDate(EXAMPLE_MS + 999), 'Sun, 06 Nov 1994 08:49:37 GMT');
});

/** [text, epoch ms or null]. */
const PARSE = [
  ['Sun, 06 Nov 1994 08:49:37 GMT', EXAMPLE_MS],
  ['  Sun, 06 Nov 1994 08:49:37 GMT ', EXAMPLE_MS],
  ['Sunday, 06-Nov-94 08:49:37 GMT', EXAMPLE_MS],
  ['Sun Nov  6 08:49:37 1994', EXAMPLE_MS],
  ['Sun Nov 16 08:49:37 1994', Date.UTC(1994, 10, 16, 8, 49, 37)],
  [undefined, null],
  ['', null],
  ['Sun, 06 Nov 1994 08:49:37 +0000', null],
  ['Sun, 06 Nov 1994 08:49:37', null],
  ['1994-11-06T08:49:37Z', null],
  ['Sun, 31 Feb 1994 08:49:37 GMT', null],
  ['Sun, 06 Nov 1994 25:49:37 GMT', null],
  ['Sun, 06 Foo 1994 08:49:37 GMT', null],
  ['784111777', null],
];

for (const [text, expected] of PARSE) {
  test(`parseHttpDate(${JSON.stringify(text)}) → ${expected}`, () => {
    assert.equal(parseHttpDate(text), expected);
  });
}

test('parseHttpDate: a two-digit year more than 50 years ahead is in the past century', () => {
  const now = new Date().getUTCFullYear();
  const ahead = (now + 51) % 100;
  const text = `Monday, 01-Jan-${String(ahead).padStart(2, '0')} 00:00:00 GMT`;
  assert.equal(new Date(parseHttpDate(text)).getUTCFullYear(), now + 51 - 100);
  const near = (now + 1) % 100;
  const nearText = `Monday, 01-Jan-${String(near).padStart(2, '0')} 00:00:00 GMT`;
  assert.equal(new Date(parseHttpDate(nearText)).getUTCFullYear(), now + 1);
});
