// Fuzzing the CGI response-head parser (src/gateways/cgi/response-head.ts):
// whatever a broken script writes, in whatever pieces, the parser answers
// 'more', a head or an error code, never throws, gives the same answer
// however the output is cut, and a head never carries anything node:http
// would refuse or a client would misread (CR, LF, NUL, a bad name, a
// hop-by-hop field, a status outside 200-599). Every case takes < 200 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ResponseHeadParser } from '../../dist/gateways/cgi/response-head.js';
import { cutAt, fuzzOptions } from './fuzz-options.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);

const anyText = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 30 });
const name = fc.oneof(
  fc.constantFrom('Status', 'Location', 'Content-Type', 'Content-Length', 'X-Script', 'Set-Cookie', 'Connection',
    'Transfer-Encoding', 'status', 'LOCATION', 'X Bad', '', ' Lead'),
  anyText,
);
const value = fc.oneof(
  fc.constantFrom('200 OK', '302', '404 Not Found', '999', '100 Continue', '/local?x=1', 'http://elsewhere/', 'text/html',
    '12', '-1', '99999999999999999', 'a\rb', 'a\0b', ''),
  anyText,
);
const line = fc.tuple(name, fc.constantFrom(':', ': ', ':\t', ' :', ''), value, fc.constantFrom('\n', '\r\n', '\r'))
  .map(([n, colon, v, end]) => `${n}${colon}${v}${end}`);
const output = fc.tuple(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', ''), anyText)
  .map(([lines, blank, body]) => Buffer.from(lines.join('') + blank + body, 'latin1'));

/** Feed the pieces until the parser answers, then end() if it still wants more; the answer and what was not consumed. */
function parse(pieces, maxHeadBytes) {
  const parser = new ResponseHeadParser(maxHeadBytes);
  for (let i = 0; i < pieces.length; i++) {
    const step = parser.push(pieces[i]);
    if (step.kind === 'head') return { step, rest: Buffer.concat([step.rest, ...pieces.slice(i + 1)]) };
    if (step.kind === 'error') return { step, rest: null };
    assert.equal(step.kind, 'more');
  }
  return { step: parser.end(), rest: null };
}

/** Generous for a few hundred bytes: this catches a hang or quadratic blow-up, not a slow machine. */
const CASE_BOUND_MS = 200;

function assertSafeHead(head) {
  assert.ok(Number.isInteger(head.status) && head.status >= 200 && head.status <= 599, `status ${head.status}`);
  assert.ok(head.reason === null || FIELD_VALUE.test(head.reason), `reason ${JSON.stringify(head.reason)}`);
  assert.equal(head.headers.length % 2, 0);
  for (let i = 0; i < head.headers.length; i += 2) {
    const [n, v] = [head.headers[i], head.headers[i + 1]];
    assert.match(n, TOKEN);
    assert.match(v, FIELD_VALUE);
    assert.ok(!HOP_BY_HOP.has(n.toLowerCase()) && n.toLowerCase() !== 'status', `field ${n} must not reach the client`);
  }
  assert.ok(head.contentLength === null || Number.isSafeInteger(head.contentLength));
}

test('ResponseHeadParser: any output, any cutting: one answer, and a head that is safe to send', () => {
  fc.assert(fc.property(fc.oneof(output, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))), fc.array(fc.nat(), { maxLength: 6 }),
    fc.constantFrom(64, 65536), (bytes, cuts, maxHeadBytes) => {
      const started = performance.now();
      const whole = parse([bytes], maxHeadBytes);
      const cut = parse(cutAt(bytes, cuts), maxHeadBytes);
      const elapsedMs = performance.now() - started;
      assert.ok(elapsedMs < CASE_BOUND_MS, `one case took ${elapsedMs.toFixed(1)} ms (bound ${CASE_BOUND_MS} ms)`);
      assert.deepEqual(
        { kind: cut.step.kind, code: cut.step.code, head: cut.step.head },
        { kind: whole.step.kind, code: whole.step.code, head: whole.step.head },
        'the same answer whole and cut up',
      );
      if (whole.step.kind === 'head') {
        assertSafeHead(whole.step.head);
        assert.deepEqual([...cut.rest], [...whole.rest], 'the same body bytes after the head');
      } else {
        assert.match(whole.step.code, /^XGI_CGI_/);
      }
    }), fuzzOptions(1000));
});
