// wsgi.input end to end: every reading method over a body of several lines,
// reads that stop at the end of the body, chunked request bodies, a body
// larger than the 1 MiB buffer (streamed to the worker), and
// `Expect: 100-continue`, answered only when the app reads the body.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { APPS, startXgi, suiteScope } from '../../helpers/start-xgi.js';
import { hasResponses, openRaw, parseResponses } from '../../helpers/raw-http.js';

const BODY = 'first line\nsecond, longer line\n\n4th line after an empty one\nno newline at the end';
const LINES = ['first line\n', 'second, longer line\n', '\n', '4th line after an empty one\n', 'no newline at the end'];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The app's JSON; fails loudly on a 500 (a validator error or a server bug). */
function json(response) {
  const text = response.text ?? response.body.toString('latin1');
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

/** `parts` as one chunked body: each part a chunk, then the last-chunk. */
function chunked(parts) {
  return parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';
}

describe('wsgi.input (input app)', () => {
  const scope = suiteScope();
  let xgi;
  const post = (path, body, headers = {}) => xgi.request(path, { method: 'POST', body, headers });
  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'input']);
  });
  after(() => scope.close());

  test('read() returns the whole body, then b""', async () => {
    assert.deepEqual(json(await post('/read', BODY)), [BODY, '']);
  });

  test('read(n) returns n bytes at a time until b""', async () => {
    const pieces = json(await post('/read-n?n=7', BODY));
    assert.equal(pieces.join(''), BODY);
    assert.ok(pieces.slice(0, -1).every((p) => p.length === 7), JSON.stringify(pieces));
    assert.equal(pieces.length, Math.ceil(BODY.length / 7));
  });

  test('readline() returns one line at a time, the last without newline', async () => {
    assert.deepEqual(json(await post('/readline', BODY)), LINES);
  });

  test('readline(n) never returns more than n bytes nor crosses a line end', async () => {
    const pieces = json(await post('/readline-n?n=8', BODY));
    assert.equal(pieces.join(''), BODY);
    for (const piece of pieces) {
      assert.ok(piece.length <= 8, JSON.stringify(piece));
      assert.ok(!piece.slice(0, -1).includes('\n'), `crosses a line end: ${JSON.stringify(piece)}`);
    }
    // "second, longer line\n" is 20 bytes: 8 + 8 + 4.
    assert.deepEqual(pieces.slice(2, 5), ['second, ', 'longer l', 'ine\n']);
  });

  test('readlines() returns every line', async () => {
    assert.deepEqual(json(await post('/readlines', BODY)), LINES);
  });

  test('iterating wsgi.input yields every line', async () => {
    assert.deepEqual(json(await post('/iter', BODY)), LINES);
  });

  test('reading past the end returns what is there, then b"", without blocking', async () => {
    assert.deepEqual(json(await post('/past-end', '0123456789')), [10, 0]);
    // No body at all: the first read is already the end.
    assert.deepEqual(json(await xgi.request('/past-end')), [0, 0]);
    assert.deepEqual(json(await xgi.request('/readline')), []);
  });

  test('a chunked request body arrives de-chunked', async () => {
    const conn = await openRaw(xgi.port);
    conn.write(
      'POST /readline HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n' +
      chunked(['first li', 'ne\nsecond, longer line\n\n4th line after', ' an empty one\nno newline at the end']),
    );
    const [response] = parseResponses(await conn.waitFor(hasResponses(1)));
    conn.destroy();
    assert.deepEqual(json(response), LINES);
  });

  test('a 5 MiB body (past the 1 MiB buffer) streams through intact', async () => {
    const body = randomBytes(5 * 1024 * 1024);
    const result = json(await post('/sha256', body, { 'Content-Type': 'application/octet-stream' }));
    assert.deepEqual(result, { size: body.length, sha256: sha256(body) });
  });

  test('a 3 MiB chunked body (past the buffer, no Content-Length) streams through intact', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    const parts = [];
    for (let at = 0; at < body.length; at += 100_000) parts.push(body.subarray(at, at + 100_000));
    const conn = await openRaw(xgi.port);
    conn.write('POST /sha256 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    for (const part of parts) conn.write(Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]));
    conn.write('0\r\n\r\n');
    const [response] = parseResponses(await conn.waitFor(hasResponses(1), 15000));
    conn.destroy();
    assert.deepEqual(json(response), { size: body.length, sha256: sha256(body) });
  });

  test('Expect: 100-continue is answered with 100 Continue when the app reads the body', async () => {
    const body = randomBytes(200 * 1024);
    const conn = await openRaw(xgi.port);
    conn.write(
      'POST /sha256 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/octet-stream\r\n' +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    // A real client waits for the 100 before it sends the body.
    const interim = await conn.waitFor((buf) => buf.includes('\r\n\r\n'));
    assert.match(interim.toString('latin1'), /^HTTP\/1\.1 100 Continue\r\n/);
    conn.write(body);
    await conn.waitFor((buf) => parseResponses(buf).some((r) => r.status === 200 && r.isComplete));
    conn.destroy();
    const responses = parseResponses(conn.buffer);
    assert.deepEqual(responses.map((r) => r.status), [100, 200]);
    assert.deepEqual(json(responses[1]), { size: body.length, sha256: sha256(body) });
  });

  test('Expect: 100-continue gets no 100 Continue when the app never reads the body', async () => {
    const conn = await openRaw(xgi.port);
    conn.write(
      'POST /ignore HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: text/plain\r\n' +
      'Content-Length: 1000\r\nConnection: close\r\n\r\n',
    );
    // The body is never sent: the final response must come anyway.
    await conn.waitFor((buf) => parseResponses(buf).some((r) => r.status >= 200 && r.isComplete));
    conn.destroy();
    const text = conn.buffer.toString('latin1');
    assert.doesNotMatch(text, /100 Continue/);
    const responses = parseResponses(conn.buffer);
    assert.equal(responses.length, 1, text);
    assert.equal(responses[0].status, 200);
    assert.equal(json(responses[0]), 'ignored');
  });
});
