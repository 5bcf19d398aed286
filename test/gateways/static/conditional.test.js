// Validators and RFC 9110 §13.2.2 precondition order as tables: each header
// alone, the pairs whose order matters, list and weak forms of entity-tags,
// invalid dates (ignored), and If-Range (§13.1.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildValidators, evaluatePreconditions, isRangeFresh } from '../../../dist/gateways/static/conditional.js';
import { formatHttpDate } from '../../../dist/gateways/static/http-date.js';

const MTIME_MS = Date.UTC(2024, 0, 15, 10, 30, 0) + 250; // a quarter second past the minute
const V = buildValidators(1234, MTIME_MS, null);
const LAST_MODIFIED = 'Mon, 15 Jan 2024 10:30:00 GMT';
const EARLIER = 'Mon, 15 Jan 2024 10:29:59 GMT';
const LATER = 'Mon, 15 Jan 2024 10:30:01 GMT';

test('buildValidators: nginx-style ETag of size and mtime, per coding; Last-Modified in whole seconds', () => {
  assert.equal(V.etag, `"4d2-${Math.floor(MTIME_MS).toString(16)}"`);
  assert.equal(buildValidators(1234, MTIME_MS, 'br').etag, `"4d2-${MTIME_MS.toString(16)}-br"`);
  assert.equal(buildValidators(1234, MTIME_MS, 'gzip').etag, `"4d2-${MTIME_MS.toString(16)}-gzip"`);
  assert.notEqual(buildValidators(1235, MTIME_MS, null).etag, V.etag);
  assert.notEqual(buildValidators(1234, MTIME_MS + 1, null).etag, V.etag);
  assert.equal(V.lastModifiedMs, Date.UTC(2024, 0, 15, 10, 30, 0));
  assert.equal(formatHttpDate(V.lastModifiedMs), LAST_MODIFIED);
});

/** [headers, expected outcome]. */
const PRECONDITIONS = [
  [{}, 'proceed'],
  // If-Match (§13.1.1): strong comparison, * matches an existing file.
  [{ 'if-match': V.etag }, 'proceed'],
  [{ 'if-match': '*' }, 'proceed'],
  [{ 'if-match': `"nope", ${V.etag}` }, 'proceed'],
  [{ 'if-match': '"nope"' }, 412],
  [{ 'if-match': `W/${V.etag}` }, 412],
  [{ 'if-match': 'garbage' }, 412],
  // If-Unmodified-Since (§13.1.4).
  [{ 'if-unmodified-since': LAST_MODIFIED }, 'proceed'],
  [{ 'if-unmodified-since': LATER }, 'proceed'],
  [{ 'if-unmodified-since': EARLIER }, 412],
  [{ 'if-unmodified-since': 'not a date' }, 'proceed'],
  // ... ignored when If-Match is present.
  [{ 'if-match': V.etag, 'if-unmodified-since': EARLIER }, 'proceed'],
  // If-None-Match (§13.1.2): weak comparison, lists, *.
  [{ 'if-none-match': V.etag }, 304],
  [{ 'if-none-match': `W/${V.etag}` }, 304],
  [{ 'if-none-match': `"a", W/"b", ${V.etag}` }, 304],
  [{ 'if-none-match': '*' }, 304],
  [{ 'if-none-match': '"other"' }, 'proceed'],
  [{ 'if-none-match': '"a,b", "c"' }, 'proceed'],
  // If-Modified-Since (§13.1.3).
  [{ 'if-modified-since': LAST_MODIFIED }, 304],
  [{ 'if-modified-since': LATER }, 304],
  [{ 'if-modified-since': EARLIER }, 'proceed'],
  [{ 'if-modified-since': 'yesterday-ish' }, 'proceed'],
  [{ 'if-modified-since': 'Monday, 15-Jan-24 10:30:00 GMT' }, 304],
  [{ 'if-modified-since': 'Mon Jan 15 10:30:00 2024' }, 304],
  [{ 'if-modified-since': 'Mon Jan 15 10:29:59 2024' }, 'proceed'],
  [{ 'if-modified-since': '2030-01-01' }, 'proceed'],
  // ... ignored when If-None-Match is present.
  [{ 'if-none-match': '"other"', 'if-modified-since': LATER }, 'proceed'],
  [{ 'if-none-match': V.etag, 'if-modified-since': EARLIER }, 304],
  // Order: If-Match / If-Unmodified-Since fail before If-None-Match can 304.
  [{ 'if-match': '"nope"', 'if-none-match': V.etag }, 412],
  [{ 'if-unmodified-since': EARLIER, 'if-none-match': V.etag }, 412],
  [{ 'if-unmodified-since': EARLIER, 'if-modified-since': LATER }, 412],
  [{ 'if-match': V.etag, 'if-none-match': V.etag }, 304],
];

for (const [headers, expected] of PRECONDITIONS) {
  test(`evaluatePreconditions ${JSON.stringify(headers)} → ${expected}`, () => {
    assert.equal(evaluatePreconditions(headers, V), expected);
  });
}

/** [If-Range, expected: honour the Range?]. */
const IF_RANGE = [
  [undefined, true],
  [V.etag, true],
  [` ${V.etag} `, true],
  [`W/${V.etag}`, false],
  ['"other"', false],
  [LAST_MODIFIED, true],
  [EARLIER, false],
  [LATER, false],
  ['not a date', false],
];

for (const [ifRange, expected] of IF_RANGE) {
  test(`isRangeFresh(${JSON.stringify(ifRange)}) → ${expected}`, () => {
    assert.equal(isRangeFresh(ifRange, V), expected);
  });
}
