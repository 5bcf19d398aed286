// Range plans (RFC 9110 §14) and the multipart/byteranges layout as tables:
// what is 206, what is 416, what is ignored (200), merging, the range limit,
// and a layout whose Content-Length is checked against the bytes it makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_RANGES, contentRange, layoutMultipart, planRanges, rangeLength,
} from '../../../dist/gateways/static/byte-ranges.js';

const FULL = { kind: 'full' };
const UNSATISFIABLE = { kind: 'unsatisfiable' };
const partial = (...pairs) => ({ kind: 'partial', ranges: pairs.map(([start, end]) => ({ start, end })) });

/** [size, Range, plan]. */
const PLANS = [
  [10, undefined, FULL],
  [10, 'bytes=0-0', partial([0, 0])],
  [10, 'bytes=0-4', partial([0, 4])],
  [10, 'bytes=5-', partial([5, 9])],
  [10, 'bytes=-3', partial([7, 9])],
  [10, 'bytes=-30', partial([0, 9])],
  [10, 'bytes=-10', partial([0, 9])],
  [10, 'bytes=0-1, -30', partial([0, 9])],
  [10, 'bytes=-11,0-0', partial([0, 9])],
  [0, 'bytes=-5', UNSATISFIABLE],
  [10, 'bytes=8-100', partial([8, 9])],
  [10, 'BYTES=0-1', partial([0, 1])],
  [10, 'bytes=0-1,4-5', partial([0, 1], [4, 5])],
  [10, 'bytes=4-5,0-1', partial([4, 5], [0, 1])],
  [10, 'bytes=0-3,2-5', partial([0, 5])],
  [10, 'bytes=0-1,2-3', partial([0, 3])],
  [10, 'bytes=0-1, 20-30', partial([0, 1])],
  [10, 'bytes=10-', UNSATISFIABLE],
  [10, 'bytes=10-20', UNSATISFIABLE],
  [10, 'bytes=-0', UNSATISFIABLE],
  [0, 'bytes=0-', UNSATISFIABLE],
  [10, 'bytes=abc', FULL],
  [10, 'bytes=1-2,x', FULL],
  [10, 'bytes 0-1', FULL],
  [10, 'items=0-1', FULL],
  [10, 'items=20-30', FULL],
  [10, '', FULL],
];

for (const [size, header, expected] of PLANS) {
  test(`planRanges(${size}, ${JSON.stringify(header)}) → ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(planRanges(size, header), expected);
  });
}

test(`planRanges: more than ${MAX_RANGES} ranges after merging → the whole file`, () => {
  const many = (n) => 'bytes=' + Array.from({ length: n }, (_, i) => `${i * 2}-${i * 2}`).join(',');
  assert.equal(planRanges(10_000, many(MAX_RANGES)).ranges.length, MAX_RANGES);
  assert.deepEqual(planRanges(10_000, many(MAX_RANGES + 1)), FULL);
  // Overlapping ranges merge first, so a thousand copies of one range are one range.
  const same = 'bytes=' + Array(1000).fill('0-99').join(',');
  assert.deepEqual(planRanges(10_000, same), partial([0, 99]));
});

test('contentRange and rangeLength', () => {
  assert.equal(contentRange({ start: 0, end: 499 }, 1234), 'bytes 0-499/1234');
  assert.equal(rangeLength({ start: 0, end: 499 }), 500);
  assert.equal(rangeLength({ start: 7, end: 7 }), 1);
});

test('layoutMultipart: exact bytes of heads and trailer, and a Content-Length that adds up', () => {
  const file = Buffer.from('0123456789');
  const ranges = [{ start: 0, end: 1 }, { start: 4, end: 5 }, { start: 9, end: 9 }];
  const layout = layoutMultipart(ranges, file.length, 'text/plain; charset=utf-8', 'BOUND');
  assert.equal(layout.contentType, 'multipart/byteranges; boundary=BOUND');
  const body = Buffer.concat([
    ...layout.parts.flatMap((part) => [part.head, file.subarray(part.range.start, part.range.end + 1)]),
    layout.trailer,
  ]);
  assert.equal(body.toString('latin1'),
    '--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/10\r\n\r\n01' +
    '\r\n--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 4-5/10\r\n\r\n45' +
    '\r\n--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 9-9/10\r\n\r\n9' +
    '\r\n--BOUND--\r\n');
  assert.equal(layout.contentLength, body.length);
  assert.deepEqual(layout.parts.map((part) => part.range), ranges);
});
