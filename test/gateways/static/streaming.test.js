// Bodies stream from the file: a client that goes away mid-file stops the
// read and the file is closed (no fd of the process points at it any
// more), every kind of answer closes its file, a file cut short cuts the
// connection, close() cuts what outlives the grace period, and a 100 MB
// file goes out with the server's memory bounded while the client holds
// back (backpressure, not buffering). The server runs in this process, so
// /proc/self is the server's: its fd table shows which files are open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleRss } from '../../helpers/memory.js';
import { get, serveStatic } from './serve-static.js';

const MB = 1024 * 1024;

/** The files under `dir` this process has open: precise where a count of all fds would also see sockets closing. */
function openFilesUnder(dir) {
  const open = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir + '/')) open.push(target);
    } catch {
      // the fd readdir itself used, closed by now
    }
  }
  return open;
}



/** Poll until `predicate()`, bounded: there is no event for "the fd was closed". */
async function waitFor(predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function makeRoot(t, files) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-static-streaming-')));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(join(root, name), '');
    truncateSync(join(root, name), bytes); // sparse: no disk, same bytes to read
  }
  return root;
}

test('a client that goes away mid-file: the read stops and the file is closed', async (t) => {
  const root = makeRoot(t, { 'big.bin': 20 * MB });
  const { port, requests, log } = await serveStatic(t, { root });
  for (const range of [null, 'bytes=0-0,1-20000000']) {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.write(`GET /big.bin HTTP/1.1\r\nHost: t\r\n${range === null ? '' : `Range: ${range}\r\n`}\r\n`);
    const [first] = await new Promise((resolve) => socket.once('data', (...args) => resolve(args)));
    assert.match(first.toString('latin1', 0, 12), /^HTTP\/1\.1 20[06]/);
    assert.deepEqual(openFilesUnder(root), [join(root, 'big.bin')], 'open while it is sent');
    socket.destroy();
    const request = requests.at(-1);
    await waitFor(() => request.signal.aborted, 'the abort');
    await waitFor(() => openFilesUnder(root).length === 0, `the file to be closed (open: ${openFilesUnder(root)})`);
    assert.ok(request.responseBytes < 20 * MB, `sent ${request.responseBytes} bytes: the read did not stop`);
    await waitFor(() => log.some((line) => line.includes(`request ${request.id} GET /big.bin: client went away`)), 'the log line');
  }
  assert.deepEqual(log.filter((line) => !line.startsWith('[DEBUG]')), []);
});

test('every kind of answer closes the file it opened: 200, HEAD, 206, multipart, 304, 412, 416', async (t) => {
  const root = makeRoot(t, { 'f.bin': 1000, 'f.bin.gz': 10 });
  const { port } = await serveStatic(t, { root, precompressed: true });
  const etag = `"3e8-${Math.floor(statSync(join(root, 'f.bin')).mtimeMs).toString(16)}"`;
  const requests = [
    {}, { method: 'HEAD' }, { headers: { Range: 'bytes=0-9' } }, { headers: { Range: 'bytes=0-1,5-6' } },
    { headers: { 'If-None-Match': etag } }, { headers: { 'If-Match': '"x"' } }, { headers: { Range: 'bytes=5000-' } },
    { headers: { 'Accept-Encoding': 'gzip' } },
  ];
  for (let round = 0; round < 5; round++) {
    for (const options of requests) await get(port, '/f.bin', options);
  }
  await waitFor(() => openFilesUnder(root).length === 0, `the files to be closed (open: ${openFilesUnder(root)})`);
});

test('a 100 MB file streams with the server\'s memory bounded while the client holds back', async (t) => {
  const size = 100 * MB;
  const root = makeRoot(t, { 'huge.bin': size });
  const { port, requests } = await serveStatic(t, { root });
  const sampler = sampleRss(process.pid);
  const received = await new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let bytes = 0;
    let isPaused = false;
    socket.write('GET /huge.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      if (!isPaused) {
        // Hold back: a server without backpressure would read the whole file into memory now.
        isPaused = true;
        socket.pause();
        setTimeout(() => socket.resume(), 500);
      }
    });
    socket.on('end', () => resolve(bytes));
    socket.on('error', reject);
  });
  const { baseline, peak } = sampler.stop();
  assert.ok(received > size && received < size + 1024, `received ${received}`);
  assert.equal(requests[0].responseBytes, size);
  assert.ok(peak - baseline < 40 * MB, `RSS grew by ${((peak - baseline) / MB).toFixed(1)} MB`);
});

test('a file cut short while it is sent: the connection is cut, never a short body that looks complete, and an error line', async (t) => {
  const root = makeRoot(t, { 'shrinks.bin': 20 * MB });
  const { port, log } = await serveStatic(t, { root });
  const { headerLength, contentLength, bodyBytes } = await new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks = [];
    socket.write('GET /shrinks.bin HTTP/1.1\r\nHost: t\r\n\r\n');
    socket.once('data', () => {
      // The server is now blocked on backpressure; cut the file under it, then read on.
      socket.pause();
      truncateSync(join(root, 'shrinks.bin'), 0);
      setTimeout(() => socket.resume(), 100);
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n') + 4;
      resolve({ headerLength: end, contentLength: Number(/content-length: (\d+)/i.exec(all.toString('latin1', 0, end))[1]), bodyBytes: all.length - end });
    });
    socket.on('error', reject);
  });
  assert.ok(headerLength > 4);
  assert.equal(contentLength, 20 * MB);
  assert.ok(bodyBytes < contentLength, `got ${bodyBytes} of ${contentLength}`);
  const errors = log.filter((line) => line.startsWith('[ERROR]'));
  assert.equal(errors.length, 1, log.join('\n'));
  assert.match(errors[0], /^\[ERROR\] static: request 1 GET \/shrinks\.bin: file shrank while being sent: .*; connection cut after \d+ body bytes$/);
});

test('close(graceMs): new requests get 503; a transfer still running after the grace period is cut and its file closed', async (t) => {
  const root = makeRoot(t, { 'big.bin': 20 * MB, 'small.txt': 5 });
  const { port, gateway, log } = await serveStatic(t, { root });
  const socket = connect({ port, host: '127.0.0.1' });
  socket.write('GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  socket.pause(); // a client that stopped reading: the transfer cannot finish by itself
  const closed = new Promise((resolve) => socket.once('close', resolve));
  const started = Date.now();
  await gateway.close(200);
  const tookMs = Date.now() - started;
  assert.ok(tookMs >= 190 && tookMs < 2000, `close took ${tookMs} ms`);
  socket.resume();
  await closed;
  const after = await get(port, '/small.txt');
  assert.equal(after.status, 503);
  assert.equal(after.body.toString(), 'Service Unavailable\n');
  await waitFor(() => openFilesUnder(root).length === 0, `the file to be closed (open: ${openFilesUnder(root)})`);
  assert.deepEqual(log.filter((line) => line.startsWith('[ERROR]')), []);
});

test('close(graceMs) resolves at once when nothing is in flight', async (t) => {
  const root = makeRoot(t, { 'small.txt': 5 });
  const { gateway } = await serveStatic(t, { root });
  const started = Date.now();
  await gateway.close(10_000);
  assert.ok(Date.now() - started < 1000);
});
