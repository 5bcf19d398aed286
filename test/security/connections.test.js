// Bounds on what many clients can hold: --worker-connections (further
// connections wait, unread, their bytes in the kernel's receive queue) and
// the pool's --queue-limit (503 at once when the queue is full).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { APPS, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { hasResponses, openRaw, parseResponses, rawRequest } from '../helpers/raw-http.js';
import { sleep } from '../helpers/processes.js';

const HOSTILE = ['wsgi:app', '--pythonpath', APPS + 'hostile'];

/**
 * Bytes waiting unread in the server side's receive queue of the connection
 * from local port `clientPort` to `serverPort` (/proc/net/tcp, rx_queue), or
 * null when the kernel lists no such socket.
 */
function serverReceiveQueue(serverPort, clientPort) {
  const hex = (n) => n.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    if (fields[1]?.endsWith(`:${hex(serverPort)}`) && fields[2]?.endsWith(`:${hex(clientPort)}`)) {
      return parseInt(fields[4].split(':')[1], 16);
    }
  }
  return null;
}


describe('--worker-connections', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [...HOSTILE, '--worker-connections', '2', '--header-timeout', '20']);
  });
  after(() => scope.close());

  test('a connection over the limit waits unread in the kernel, and is served when one closes', async () => {
    const holders = [await openRaw(xgi.port), await openRaw(xgi.port)];
    holders[0].write('GET / HTTP/1.1\r\nHost: x\r\n'); // an unfinished head holds its slot
    const waiter = await openRaw(xgi.port);
    const request = 'GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    waiter.write(request);
    await sleep(300);
    assert.equal(waiter.buffer.length, 0, 'no answer while two connections are open');
    assert.equal(serverReceiveQueue(xgi.port, waiter.localPort), request.length, 'its request sits unread in the kernel');
    holders[1].destroy();
    const buffer = await waiter.waitForClose();
    assert.equal(parseResponses(buffer)[0]?.status, 200);
    holders[0].destroy();
    await xgi.waitForLine(/http: 2 connections open \(--worker-connections\): new ones wait/);
  });

  test('closing connections take turns: six at once over a limit of two are all served', async () => {
    const statuses = await Promise.all(Array.from({ length: 6 }, () =>
      rawRequest(xgi.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').then((b) => parseResponses(b)[0]?.status)));
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
  });
});

describe('--worker-connections 1 with keep-alive clients', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [...HOSTILE, '--worker-connections', '1', '--keep-alive', '20', '--header-timeout', '20']);
  });
  after(() => scope.close());

  test('the limit counts open connections, not requests: a second keep-alive client waits until the first closes', async () => {
    const request = 'GET /echo HTTP/1.1\r\nHost: x\r\n\r\n';
    const first = await openRaw(xgi.port);
    first.write(request);
    await first.waitFor(hasResponses(1));
    const second = await openRaw(xgi.port);
    second.write(request);
    await sleep(500);
    assert.equal(second.buffer.length, 0, 'no answer while the first client holds its idle keep-alive connection');
    assert.equal(second.isClosed, false, 'the waiting client is not turned away');
    assert.equal(serverReceiveQueue(xgi.port, second.localPort), request.length, 'its request sits unread in the kernel');
    // The first client is still served on its own connection meanwhile: it holds the one slot.
    first.write(request);
    await first.waitFor(hasResponses(2));
    assert.equal(second.buffer.length, 0, 'still nothing for the second client');
    first.destroy();
    const buffer = await second.waitFor(hasResponses(1));
    const [response] = parseResponses(buffer);
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body).REMOTE_PORT, String(second.localPort), 'the answer is the second client\'s own');
    assert.equal(second.isClosed, false, 'and it keeps its connection alive in turn');
    second.destroy();
    await xgi.waitForLine(/http: 1 connections open \(--worker-connections\): new ones wait/);
  });
});

describe('--queue-limit (the worker pool)', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [...HOSTILE, '--max-in-flight', '1', '--queue-limit', '1']);
  });
  after(() => scope.close());

  test('one running, one waiting, the next gets 503 at once, and the first two are served', async () => {
    const get = (path) => rawRequest(xgi.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeoutMs: 10000 })
      .then((buffer) => parseResponses(buffer)[0]?.status);
    assert.equal(await get('/'), 200, 'the worker is ready');
    const running = get('/sleep?s=2');
    await sleep(300);
    const waiting = get('/sleep?s=0');
    await sleep(200);
    const started = Date.now();
    const third = await get('/');
    const elapsed = Date.now() - started;
    const statuses = [await running, await waiting, third];
    assert.deepEqual(statuses, [200, 200, 503], xgi.stderr);
    assert.ok(elapsed < 1000, `the 503 did not wait for a worker (${elapsed} ms)`);
    await xgi.waitForLine(/--queue-limit/);
  });
});
