// A request pipelined behind a response that ends its connection (an NPH
// script's raw response, or a client that leaves mid-response) never gets the
// socket. node:http says nothing to it; the front must still count it as
// over, or a graceful shutdown waits the whole --graceful-timeout for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRaw } from '../../helpers/raw-http.js';
import { startCgi } from './start-cgi.js';

const GRACE = ['--graceful-timeout', '30'];

/** SIGTERM; resolves with the exit and how long it took. */
async function stopTiming(xgi) {
  const started = Date.now();
  xgi.signal('SIGTERM');
  const exit = await xgi.exit;
  return { ...exit, ms: Date.now() - started };
}

test('behind an NPH response: the raw response, then the close; the request behind it does not hold up shutdown', async (t) => {
  const xgi = await startCgi(t, GRACE);
  const conn = await openRaw(xgi.port);
  conn.write('GET /cgi-bin/nph-hello.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\n\r\n');
  await conn.waitForClose(5000);
  const text = conn.buffer.toString('latin1');
  assert.match(text, /^HTTP\/1\.1 203 Raw And Unparsed\r\n/);
  assert.ok(text.endsWith('raw bytes\n'), 'nothing after the raw response');
  await new Promise((resolve) => setTimeout(resolve, 300)); // the queued request's script runs and ends
  const { code, ms } = await stopTiming(xgi);
  assert.equal(code, 0);
  assert.ok(ms < 10000, `shutdown took ${ms} ms: it waited for a request that can never be answered`);
});

test('a client that leaves with requests pipelined behind a running one: shutdown does not wait for them', async (t) => {
  const xgi = await startCgi(t, GRACE);
  const conn = await openRaw(xgi.port);
  conn.write('GET /cgi-bin/sleeps.sh HTTP/1.1\r\nHost: x\r\n\r\n'
    + 'GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\n\r\n');
  await xgi.waitForLine(/pids \d+ \d+/); // sleeps.sh runs
  await new Promise((resolve) => setTimeout(resolve, 300)); // and the two behind it have been answered, queued
  conn.destroy();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const { code, ms } = await stopTiming(xgi);
  assert.equal(code, 0);
  assert.ok(ms < 10000, `shutdown took ${ms} ms: it waited for responses whose client is gone`);
});
