// Every limit of issue 7 against a real xgi and the hostile app: its flag,
// its default where the default is what matters, the status, and that the
// connection closes after a refusal. Timeouts run at 1 s to keep this short.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { openRaw, parseResponses, rawRequest } from '../helpers/raw-http.js';

const HOSTILE = ['wsgi:app', '--pythonpath', APPS + 'hostile'];
const ok = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

async function statusOf(port, bytes) {
  const [response] = parseResponses(await rawRequest(port, bytes));
  return response?.status;
}

/** Send `bytes`; resolve with { response, closedAfterMs } once the server closed the connection. */
async function sendUntilClosed(port, bytes, timeoutMs = 5000) {
  const conn = await openRaw(port);
  const started = Date.now();
  conn.write(bytes);
  await conn.waitForClose(timeoutMs);
  return { response: parseResponses(conn.buffer)[0], closedAfterMs: Date.now() - started };
}

describe('limits at their defaults', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, HOSTILE);
  });
  after(() => scope.close());

  test('--limit-request-line 4094: a 4094-byte line is served, 4095 bytes get 414 and close', async () => {
    const target = (n) => '/' + 'a'.repeat(n - 'GET  HTTP/1.1'.length - 1);
    assert.equal(await statusOf(xgi.port, `GET ${target(4094)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 200);
    const { response } = await sendUntilClosed(xgi.port, `GET ${target(4095)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(response.status, 414);
  });

  test('--limit-request-fields 100: 100 fields are served, 101 get 431', async () => {
    const fields = (n) => Array.from({ length: n - 1 }, (_, i) => `X-F${i}: ${i}\r\n`).join('');
    assert.equal(await statusOf(xgi.port, `GET / HTTP/1.1\r\nHost: x\r\n${fields(99)}Connection: close\r\n\r\n`), 200);
    const { response } = await sendUntilClosed(xgi.port, `GET / HTTP/1.1\r\nHost: x\r\n${fields(101)}\r\n`);
    assert.equal(response.status, 431);
  });

  test('--limit-request-field_size 8190: an 8190-byte field is served, 8191 bytes get 431', async () => {
    const field = (n) => `X-Big: ${'b'.repeat(n - 'X-Big: '.length)}\r\n`;
    assert.equal(await statusOf(xgi.port, `GET / HTTP/1.1\r\nHost: x\r\n${field(8190)}Connection: close\r\n\r\n`), 200);
    const { response } = await sendUntilClosed(xgi.port, `GET / HTTP/1.1\r\nHost: x\r\n${field(8191)}\r\n`);
    assert.equal(response.status, 431);
  });

  test('--limit-request-body 1g: a larger Content-Length gets 413 before any body byte is sent', async () => {
    const { response } = await sendUntilClosed(xgi.port, `POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 ** 30 + 1}\r\n\r\n`);
    assert.equal(response.status, 413);
  });

  test('Expect: 100-continue over the limit gets 413 and no 100 Continue', async () => {
    const conn = await openRaw(xgi.port);
    conn.write(`POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 ** 31}\r\nExpect: 100-continue\r\n\r\n`);
    const buffer = await conn.waitForClose();
    assert.match(buffer.toString('latin1'), /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(buffer.toString('latin1'), /100 Continue/);
  });
});

describe('limits set small', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [
      ...HOSTILE, '--limit-request-body', '64k', '--request-buffer-size', '4k', '--body-timeout', '1', '--header-timeout', '1',
      '--keep-alive', '1', '--log-level', 'debug',
    ]);
  });
  after(() => scope.close());

  test('a chunked body that streams to the app past --limit-request-body: 413, close, the app\'s read is cancelled', async () => {
    const chunk = `8000\r\n${'c'.repeat(0x8000)}\r\n`;
    const { response } = await sendUntilClosed(xgi.port, `POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(3)}0\r\n\r\n`);
    assert.equal(response.status, 413);
    await xgi.waitForLine(/http: request \d+ POST \/read from 127\.0\.0\.1: body over --limit-request-body 65536 bytes/);
    await xgi.waitForLine(/hostile: body read ended by the server after \d+ bytes: Cancelled/);
    assert.equal(await statusOf(xgi.port, ok), 200);
  });

  test('a chunked body under the limit is served whole', async () => {
    const chunk = `4000\r\n${'c'.repeat(0x4000)}\r\n`;
    const [response] = parseResponses(await rawRequest(xgi.port,
      `POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk.repeat(3)}0\r\n\r\n`));
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { size: 3 * 0x4000 });
  });

  test('--header-timeout: a head that never ends gets 408 and the connection closes', async () => {
    const { response, closedAfterMs } = await sendUntilClosed(xgi.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
    assert.equal(response.status, 408);
    assert.ok(closedAfterMs >= 900 && closedAfterMs < 3000, `closed after ${closedAfterMs} ms`);
  });

  test('--body-timeout while the front buffers the body: 408 and close', async () => {
    const { response, closedAfterMs } = await sendUntilClosed(xgi.port, 'POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nhalf');
    assert.equal(response.status, 408);
    assert.ok(closedAfterMs >= 900 && closedAfterMs < 3000, `closed after ${closedAfterMs} ms`);
  });

  test('--body-timeout while the app reads a streamed body: 408, close, the worker\'s read is cancelled', async () => {
    const { response } = await sendUntilClosed(xgi.port, `POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n${'s'.repeat(20000)}`);
    assert.equal(response.status, 408);
    await xgi.waitForLine(/http: request \d+ POST \/read from 127\.0\.0\.1: no body bytes for --body-timeout 1 s/, 5000, 1);
    // The second cancelled read: the first was the body-limit test's.
    await xgi.waitForLine(/hostile: body read ended by the server after \d+ bytes: Cancelled/, 5000, 1);
    assert.equal(await statusOf(xgi.port, ok), 200);
    assert.equal(xgi.workerPids().length, 1, 'the worker was not killed or replaced');
  });

  test('a body the app does not ask for is not timed: 100-continue waits without a 408', async () => {
    // /sleep never reads the body and answers after 2.5 s, well past --body-timeout 1:
    // had the body clock run while the body was not invited, the client would get 408.
    const conn = await openRaw(xgi.port);
    const started = Date.now();
    conn.write('POST /sleep?s=2.5 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n');
    const buffer = await conn.waitFor((b) => b.includes('\r\n\r\nslept\n') || / 408 /.test(b.toString('latin1')), 8000);
    const elapsedMs = Date.now() - started;
    conn.destroy();
    const text = buffer.toString('latin1');
    assert.doesNotMatch(text, /408/, 'no 408 for a body nobody asked for');
    assert.doesNotMatch(text, /100 Continue/, 'the body was never invited');
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nslept\n$/);
    assert.ok(elapsedMs >= 2000, `the answer came from the app after its sleep (${elapsedMs} ms), past --body-timeout 1`);
    assert.doesNotMatch(xgi.stderr, /POST \/sleep\S* from 127\.0\.0\.1: no body bytes for --body-timeout/);
  });

  test('--keep-alive: an idle connection is closed after it', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await conn.waitFor((b) => b.includes('ok\n'));
    const idleFrom = Date.now();
    await conn.waitForClose(4000);
    const idleMs = Date.now() - idleFrom;
    assert.ok(idleMs >= 900 && idleMs < 3000, `closed after ${idleMs} ms idle`);
  });
});
