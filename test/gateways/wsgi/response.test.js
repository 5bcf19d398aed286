// Response framing from a WSGI app, checked on the wire: chunked when the
// length is unknown (HTTP/1.1), close-delimited on HTTP/1.0, the app's
// Content-Length honoured both ways, no body for HEAD/204/304, write().
// A pipelined follow-up request shows that the framing left no stray bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../../helpers/start-xgi.js';
import { hasResponses, openRaw, parseResponses, rawRequest } from '../../helpers/raw-http.js';

const get = (path, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const CLOSE = 'Connection: close\r\n';

/** The bytes after the first head (the whole body as sent, framing included). */
function afterHead(buffer) {
  return buffer.subarray(buffer.indexOf('\r\n\r\n') + 4);
}

describe('response framing (response app)', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'response']);
  });
  after(() => scope.close());

  test('a streamed body without Content-Length is chunked on HTTP/1.1', async () => {
    const buffer = await rawRequest(xgi.port, get('/stream', CLOSE), { until: hasResponses(1) });
    const [response] = parseResponses(buffer);
    assert.equal(response.status, 200);
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    assert.equal(response.headers['content-length'], undefined);
    assert.ok(response.isComplete, 'ends with the last-chunk');
    assert.equal(response.body.toString(), 'one\ntwo\nthree\n');
  });

  test('a streamed body on HTTP/1.0 is close-delimited', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /stream HTTP/1.0\r\nHost: x\r\n\r\n');
    await conn.waitForClose();
    const [response] = parseResponses(conn.buffer);
    assert.equal(response.status, 200);
    assert.equal(response.headers['transfer-encoding'], undefined);
    assert.equal(response.headers['content-length'], undefined);
    assert.equal(afterHead(conn.buffer).toString(), 'one\ntwo\nthree\n');
  });

  test('Content-Length 5 with 10 bytes yielded: the client gets exactly 5', async () => {
    const conn = await openRaw(xgi.port);
    conn.write(get('/cl-short') + get('/fixed', CLOSE));
    await conn.waitForClose();
    const responses = parseResponses(conn.buffer);
    assert.equal(responses.length, 2, conn.buffer.toString('latin1'));
    assert.equal(responses[0].headers['content-length'], '5');
    assert.equal(responses[0].body.toString(), '01234');
    // The next response starts right after the 5 bytes: nothing extra was sent.
    assert.equal(responses[1].status, 200);
    assert.equal(responses[1].body.toString(), 'hello world\n');
  });

  test('Content-Length 10 with 5 bytes yielded: a truncated response, connection closed', async () => {
    const conn = await openRaw(xgi.port);
    conn.write(get('/cl-long'));
    await conn.waitForClose(); // no Connection: close asked: the server must cut it
    const [response] = parseResponses(conn.buffer);
    assert.ok(response, `the head and the 5 bytes must reach the client before the cut; got ${JSON.stringify(conn.buffer.toString('latin1'))}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-length'], '10');
    assert.equal(response.body.toString(), '01234');
    assert.equal(response.isComplete, false);
    await xgi.waitForLine(/GET \/cl-long.*shorter than its Content-Length/);
  });

  test('a whole body without Content-Length gets one (small, and past the size that travels in its own DATA frame); HEAD gets none', async () => {
    const conn = await openRaw(xgi.port);
    conn.write(get('/list') + get('/big-list') + `HEAD /list HTTP/1.1\r\nHost: x\r\n${CLOSE}\r\n`);
    await conn.waitForClose();
    const [small, big] = parseResponses(conn.buffer);
    assert.equal(small.headers['content-length'], '11');
    assert.equal(small.headers['transfer-encoding'], undefined);
    assert.equal(small.body.toString(), 'whole body\n');
    assert.equal(big.headers['content-length'], '20480');
    assert.equal(big.headers['transfer-encoding'], undefined);
    assert.equal(big.body.length, 20480);
    const head = conn.buffer.subarray(conn.buffer.lastIndexOf('HTTP/1.1 200')).toString('latin1');
    assert.doesNotMatch(head, /content-length/i, 'a HEAD response does not know the length');
  });

  test('HEAD has no body but keeps Content-Length', async () => {
    const buffer = await rawRequest(xgi.port, `HEAD /fixed HTTP/1.1\r\nHost: x\r\n${CLOSE}\r\n`);
    const [response] = parseResponses(buffer, { isHead: true });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-length'], '12');
    assert.equal(response.headers['x-case'], 'fixed');
    assert.equal(afterHead(buffer).length, 0, 'no body bytes after a HEAD response');
  });

  test('HEAD of a streamed body sends no body either', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    await conn.waitFor((buf) => buf.includes('\r\n\r\n'));
    conn.write(get('/fixed', CLOSE));
    await conn.waitForClose();
    const text = conn.buffer.toString('latin1');
    const second = text.indexOf('HTTP/1.1', 1);
    assert.ok(second > 0, text);
    assert.ok(text.slice(0, second).endsWith('\r\n\r\n'), `bytes after the HEAD response's head: ${text}`);
    const [next] = parseResponses(conn.buffer.subarray(second));
    assert.equal(next.body.toString(), 'hello world\n');
  });

  for (const status of [204, 304]) {
    test(`${status} has no body`, async () => {
      const conn = await openRaw(xgi.port);
      conn.write(get(`/${status}`) + get('/fixed', CLOSE));
      await conn.waitForClose();
      const text = conn.buffer.toString('latin1');
      const responses = parseResponses(conn.buffer);
      assert.deepEqual(responses.map((r) => r.status), [status, 200], text);
      assert.equal(responses[0].headers['transfer-encoding'], undefined);
      assert.ok(text.indexOf('HTTP/1.1 200') === text.indexOf('\r\n\r\n') + 4, `bytes between the ${status} and the next response: ${text}`);
      assert.equal(responses[1].body.toString(), 'hello world\n');
    });
  }

  test('write() output comes first, then the returned iterable, in order', async () => {
    const response = await xgi.request('/write');
    assert.equal(response.status, 200);
    assert.equal(response.text, 'written-1\nwritten-2\nreturned-1\nreturned-2\n');
  });

  test('after truncated responses the server still serves, and closed every iterable', async () => {
    for (let i = 0; i < 3; i++) {
      const [cut] = parseResponses(await rawRequest(xgi.port, get('/cl-long', CLOSE)));
      assert.notEqual(cut?.isComplete, true); // whether the head got out is the test above
    }
    const response = await xgi.request('/fixed');
    assert.equal(response.status, 200);
    assert.equal(response.text, 'hello world\n');
    // wsgiref's validator prints this when a response iterable was never closed.
    assert.doesNotMatch(xgi.stderr, /Iterator garbage collected without being closed/);
  });
});
