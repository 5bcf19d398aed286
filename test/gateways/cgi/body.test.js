// Bodies through CGI, both ways, with backpressure: a 1 GB upload and a
// 256 MiB download in bounded memory (xgi's RSS sampled all along), a client
// that stops reading holding the script back, a large
// chunked upload without CONTENT_LENGTH, Expect: 100-continue, a script that
// never reads its body, and a response that streams as the script writes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRaw, parseResponses } from '../../helpers/raw-http.js';
import { startCgi } from './start-cgi.js';
import { sampleRss } from '../../helpers/memory.js';

const MB = 1024 * 1024;
/** Growth of xgi's RSS allowed while a body many times larger passes through. */
const MAX_GROWTH_BYTES = 64 * MB;
/** A client that reads nothing: what may pile up (pipe, stream buffers, loopback socket; about 4 MiB seen) and xgi's RSS growth. */
const PAUSED_MAX_BYTES = 32 * MB;


/** POST `total` bytes of a fixed pattern (chunked when `isChunked`); resolves with the answer and the body's MD5. */
function upload(url, total, { isChunked = false } = {}) {
  const block = Buffer.alloc(MB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 7) & 0xff;
  const md5 = createHash('md5');
  return new Promise((resolve, reject) => {
    const headers = isChunked ? {} : { 'content-length': total };
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s) => { text += s; }).on('end', () => resolve({ status: res.statusCode, text, md5: md5.digest('hex') }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = total - sent >= block.length ? block : block.subarray(0, total - sent);
        md5.update(piece);
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

test('1 GB upload to a script, every byte in order, in bounded memory', async (t) => {
  const xgi = await startCgi(t);
  const memory = sampleRss(xgi.pid);
  const answer = await upload(`${xgi.url}/cgi-bin/upload-md5.sh`, 1024 * MB);
  const { baseline, peak } = memory.stop();
  assert.equal(answer.status, 200);
  assert.equal(answer.text.split(' ')[0], answer.md5);
  assert.ok(peak - baseline < MAX_GROWTH_BYTES, `RSS grew by ${Math.round((peak - baseline) / MB)} MiB`);
});

test('256 MiB download from a script in bounded memory, chunked', async (t) => {
  const xgi = await startCgi(t);
  const total = 256 * MB;
  const memory = sampleRss(xgi.pid);
  const { received, headers } = await new Promise((resolve, reject) => {
    request(`${xgi.url}/cgi-bin/big.sh?${total}`, (res) => {
      let count = 0;
      res.on('data', (chunk) => { count += chunk.length; }).on('end', () => resolve({ received: count, headers: res.headers }));
    }).on('error', reject).end();
  });
  const { baseline, peak } = memory.stop();
  assert.equal(received, total);
  assert.equal(headers['transfer-encoding'], 'chunked');
  assert.ok(peak - baseline < MAX_GROWTH_BYTES, `RSS grew by ${Math.round((peak - baseline) / MB)} MiB`);
});

test('a client that stops reading holds the script back: it blocks, xgi buffers little, and the rest comes on resume', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-cgi-paused-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const xgi = await startCgi(t, ['--cgi-env', `RUN_DIR=${dir}`]);
  const total = 256 * MB;
  const written = () => {
    try {
      return Number(readFileSync(join(dir, 'written'), 'latin1'));
    } catch {
      return 0; // not yet a first block
    }
  };
  const memory = sampleRss(xgi.pid);
  const res = await new Promise((resolve, reject) => {
    request(`${xgi.url}/cgi-bin/counts-output.py?${total}`, resolve).on('error', reject).end();
  });
  res.pause(); // the head is in; not one body byte is taken from here on
  assert.equal(res.statusCode, 200);
  await new Promise((r) => setTimeout(r, 1500));
  const early = written();
  await new Promise((r) => setTimeout(r, 1500));
  const late = written();
  const { baseline, peak } = memory.stop();
  // What the script got out is what fits in the pipe, xgi's stream buffers
  // and the loopback socket's: a few MiB, nowhere near the whole body.
  assert.ok(early > 0, 'the script runs and has written its first blocks');
  assert.ok(late < PAUSED_MAX_BYTES, `the script wrote ${Math.round(late / MB)} MiB to a client that reads nothing`);
  assert.equal(late, early, 'the script is blocked, not slowly writing on');
  assert.ok(peak - baseline < PAUSED_MAX_BYTES, `RSS grew by ${Math.round((peak - baseline) / MB)} MiB while the client paused`);
  const received = await new Promise((resolve, reject) => {
    let count = 0;
    res.on('data', (chunk) => { count += chunk.length; }).on('end', () => resolve(count)).on('error', reject);
    res.resume();
  });
  assert.equal(received, total);
  assert.equal(written(), total, 'the script ran to the end once the client read again');
});

test('a chunked upload past the buffer streams to stdin without CONTENT_LENGTH; the script reads to EOF', async (t) => {
  const xgi = await startCgi(t);
  const answer = await upload(`${xgi.url}/cgi-bin/upload-md5.sh`, 8 * MB + 123, { isChunked: true });
  assert.equal(answer.text.split(' ')[0], answer.md5);
  const conn = await openRaw(xgi.port);
  conn.write('POST /cgi-bin/env.py HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
  const big = 'x'.repeat(2 * MB);
  conn.write(`${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`);
  await conn.waitForClose();
  const got = JSON.parse(parseResponses(conn.buffer)[0].body.toString());
  assert.equal('CONTENT_LENGTH' in got.env, false);
  assert.equal(got.body, 2 * MB);
});

test('Expect: 100-continue is answered once the script runs', async (t) => {
  const xgi = await startCgi(t);
  const conn = await openRaw(xgi.port);
  conn.write('POST /cgi-bin/upload-md5.sh HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
  await conn.waitFor((buf) => buf.includes('100 Continue'));
  conn.write('hello');
  await conn.waitForClose();
  const final = parseResponses(conn.buffer).at(-1);
  assert.equal(final.body.toString().split(' ')[0], createHash('md5').update('hello').digest('hex'));
});

test('a script that never reads its body still answers, and the connection goes on', async (t) => {
  // The first script of a fresh xgi is the likeliest to have exited before
  // its stdin (a spawner's socket) reached the front: the rest of the body
  // must be dropped then too, or the next request on the connection is
  // never read. Several rounds, each on a new connection.
  const xgi = await startCgi(t);
  const body = 'z'.repeat(4 * MB);
  for (let round = 0; round < 3; round++) {
    const conn = await openRaw(xgi.port);
    conn.write(`POST /cgi-bin/hello.sh HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    conn.write('GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    await conn.waitForClose(10_000);
    const responses = parseResponses(conn.buffer);
    assert.deepEqual(responses.map((r) => [r.status, r.body.toString(), r.isComplete]), [
      [200, 'Hello World!\n', true],
      [200, 'Hello World!\n', true],
    ], `round ${round}: ${conn.buffer.toString('latin1')}`);
  }
});

test('the response streams as the script writes it, the request body as the client sends it', async (t) => {
  const xgi = await startCgi(t, ['--request-buffer-size', '0']);
  const conn = await openRaw(xgi.port);
  conn.write('POST /cgi-bin/echo-lines.py HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
  conn.write('4\r\none\n\r\n');
  // The script has answered the first line while the request is still open.
  await conn.waitFor((buf) => buf.includes('got one\n'));
  conn.write('4\r\ntwo\n\r\n0\r\n\r\n');
  await conn.waitForClose();
  const [res] = parseResponses(conn.buffer);
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  assert.equal(res.isComplete, true);
  assert.equal(res.body.toString(), 'got one\ngot two\n');
});
