// A broken app gets the client a plain 500 (or, once the head is out, a
// truncated response), the error log a precise line, and the server goes on
// serving. The errors app breaks one PEP 3333 rule per path; it is not
// wrapped in wsgiref's validator, which would catch the breakage first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../../helpers/start-xgi.js';
import { openRaw, parseResponses } from '../../helpers/raw-http.js';

const SECRET = 'secret-detail-4711';

/**
 * Invalid output before any byte went out: path, and the log text naming the
 * rule: a RegExp somewhere in the message, or a string that is the whole
 * message after "Error handling request GET <path>: " (to the line's end).
 */
const INVALID_OUTPUT = [
  ['/status-bytes', /status must be a str/],
  ['/status-bad', /status must be three digits/],
  // PEP 3333 (and wsgiref.validate): a status is "200 OK", a code, a space and a reason.
  ['/status-no-reason', /status must be three digits, a space and a reason/],
  ['/headers-tuple', /headers must be a list/],
  ['/header-crlf', /header X-Split has CR, LF or NUL/],
  ['/header-not-latin1', /header X-Price is not latin-1/],
  ['/hop-connection', /hop-by-hop header Connection/],
  ['/hop-transfer-encoding', /hop-by-hop header Transfer-Encoding/],
  ['/body-str', /response body items must be bytes, got str/],
  ['/start-twice', /start_response\(\) called a second time without exc_info/],
  ['/header-list', "each header must be a (name, value) tuple, got ['Content-Type', 'text/plain']"],
  ['/header-three', "each header must be a (name, value) tuple, got ('Content-Type', 'text/plain', 'extra')"],
  ['/header-bytes-value', "header name and value must be str, got ('Content-Type', b'text/plain')"],
  ['/status-not-latin1', "status must be latin-1, got '200 Caf\u20ac'"],
  ['/write-str', 'write() takes bytes, got str'],
  ['/no-start-response', 'the app returned without calling start_response()'],
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('app errors (errors app)', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'errors']);
  });
  after(() => scope.close());

  /** The server must still answer a normal request after each failure. */
  async function assertStillServing() {
    const response = await xgi.request('/ok');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.text, 'still serving\n');
  }

  /** A plain 500 that leaks nothing of the app's failure. */
  function assertPlain500(response) {
    assert.equal(response.status, 500);
    assert.equal(response.text, 'Internal Server Error\n');
    assert.doesNotMatch(response.text, new RegExp(`${SECRET}|Traceback|Error:`));
  }

  /** GET over a raw socket; resolves with the bytes once the server closed. */
  async function rawGetUntilClosed(path) {
    const conn = await openRaw(xgi.port);
    conn.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await conn.waitForClose(); // keep-alive was asked for: only a cut closes it
    return conn.buffer;
  }

  test('app raises before start_response: 500 without a leak, traceback in the log', async () => {
    const response = await xgi.request('/raise-before?q=1');
    assertPlain500(response);
    const [entry] = await xgi.waitForLine(/Error handling request GET \/raise-before\?q=1\n[\s\S]*?ValueError: app failed before start_response secret-detail-4711/);
    assert.match(entry, /Traceback \(most recent call last\):/);
    assert.match(entry, /errors\/wsgi\.py", line \d+, in app/);
    await assertStillServing();
  });

  /** GET `path`, whose app fails after its first chunk: that chunk, then a cut (no 0-chunk), nothing of `hidden` sent. */
  async function assertCutAfterFirstChunk(path, hidden) {
    const buffer = await rawGetUntilClosed(path);
    const [response] = parseResponses(buffer);
    assert.ok(response, `the head and the first chunk must reach the client before the cut; got ${JSON.stringify(buffer.toString('latin1'))}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    assert.equal(response.body.toString(), 'first chunk\n');
    assert.equal(response.isComplete, false, 'no terminating 0-chunk');
    assert.ok(!buffer.toString('latin1').includes('\r\n0\r\n\r\n'));
    assert.doesNotMatch(buffer.toString('latin1'), hidden);
  }

  test('app raises after the first chunk: truncated chunked body, connection closed', async () => {
    await assertCutAfterFirstChunk('/raise-after', new RegExp(SECRET));
    await xgi.waitForLine(/Error handling request GET \/raise-after\n[\s\S]*?RuntimeError: failed after the first chunk/);
    await assertStillServing();
  });

  test('a str body item after the head went out: truncated chunked body, the rule in the log', async () => {
    await assertCutAfterFirstChunk('/str-after-head', /a str after the head/);
    await xgi.waitForLine(/\[ERROR\] Error handling request GET \/str-after-head: response body items must be bytes, got str$/m);
    await assertStillServing();
  });

  for (const [path, rule] of INVALID_OUTPUT) {
    test(`invalid output ${path}: 500 and a log line naming the rule`, async () => {
      const response = await xgi.request(path);
      assertPlain500(response);
      assert.equal(response.headers.get('x-split'), null);
      assert.equal(response.headers.get('x-injected'), null);
      const message = typeof rule === 'string' ? `${escape(rule)}$` : `.*${rule.source}`;
      await xgi.waitForLine(new RegExp(`\\[ERROR\\] Error handling request GET ${escape(path)}: ${message}`, 'm'));
      await assertStillServing();
    });
  }

  test('start_response with exc_info before the head went out: the second status wins', async () => {
    const response = await xgi.request('/exc-info-before');
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('x-second'), 'yes');
    assert.equal(response.text, 'custom error page\n');
    const conn = await openRaw(xgi.port);
    conn.write('GET /exc-info-before HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const buffer = await conn.waitForClose();
    assert.match(buffer.toString('latin1'), /^HTTP\/1\.1 503 Custom Unavailable\r\n/);
    await assertStillServing();
  });

  test('start_response with exc_info after the head went out re-raises: truncated response', async () => {
    const buffer = await rawGetUntilClosed('/exc-info-after');
    const [response] = parseResponses(buffer);
    assert.ok(response, `the head and the first chunk must reach the client before the cut; got ${JSON.stringify(buffer.toString('latin1'))}`);
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'first chunk\n');
    assert.equal(response.isComplete, false);
    assert.doesNotMatch(buffer.toString('latin1'), /never sent/);
    await xgi.waitForLine(/Error handling request GET \/exc-info-after\n[\s\S]*?RuntimeError: late failure/);
    await assertStillServing();
  });

  test('the worker survived every error: same pid, still one worker', async () => {
    await assertStillServing();
    assert.equal(xgi.workerPids().length, 1, xgi.stderr);
    assert.doesNotMatch(xgi.stderr, /worker \d+ .*(died|exited|killing)/i);
  });
});
