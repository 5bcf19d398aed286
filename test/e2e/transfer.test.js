// 100 MB each way through a real worker, checked by hash, with the memory of
// xgi's front process sampled all along: it must stay bounded (the body
// streams with backpressure in both directions, DESIGN.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { APPS, startXgi } from '../helpers/start-xgi.js';
import { sampleRss } from '../helpers/memory.js';

const MB = 1024 * 1024;
const BLOCK = 64 * 1024;
/** Growth of the front's RSS allowed while 100 MB pass through it. */
const MAX_GROWTH_BYTES = 64 * MB;

function patternBlock(i) {
  const block = Buffer.alloc(BLOCK);
  for (let k = 0; k < BLOCK; k++) block[k] = (i + (k % 256)) & 0xff;
  return block;
}

test('100 MB upload and download in bounded memory', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'transfer']);

  await t.test('upload: the app sees every byte, in order', async () => {
    const total = 100 * MB;
    const expected = createHash('sha256');
    const memory = sampleRss(xgi.pid);
    const answer = await new Promise((resolve, reject) => {
      const req = request(`${xgi.url}/upload`, { method: 'POST', headers: { 'content-length': total } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s) => { text += s; }).on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('error', reject);
      let sent = 0;
      let i = 0;
      const pump = () => {
        while (sent < total) {
          const block = patternBlock(i++ & 0xff);
          expected.update(block);
          sent += block.length;
          if (!req.write(block)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    const { baseline, peak } = memory.stop();
    assert.equal(answer.status, 200);
    assert.equal(answer.text, `${total} ${expected.digest('hex')}`);
    assert.ok(peak - baseline < MAX_GROWTH_BYTES, `front RSS grew ${((peak - baseline) / MB).toFixed(1)} MB`);
  });

  await t.test('download: every byte arrives, in order', async () => {
    const memory = sampleRss(xgi.pid);
    const { status, digest, length } = await new Promise((resolve, reject) => {
      request(`${xgi.url}/download?mb=100`, (res) => {
        const hash = createHash('sha256');
        let n = 0;
        res.on('data', (chunk) => { hash.update(chunk); n += chunk.length; });
        res.on('end', () => resolve({ status: res.statusCode, digest: hash.digest('hex'), length: n }));
        res.on('error', reject);
      }).on('error', reject).end();
    });
    const { baseline, peak } = memory.stop();
    const expected = createHash('sha256');
    for (let i = 0; i < 100 * 16; i++) expected.update(patternBlock(i & 0xff));
    assert.equal(status, 200);
    assert.equal(length, 100 * MB);
    assert.equal(digest, expected.digest('hex'));
    assert.ok(peak - baseline < MAX_GROWTH_BYTES, `front RSS grew ${((peak - baseline) / MB).toFixed(1)} MB`);
  });

  await t.test('a client that stops reading costs no worker: the body waits on disk', async () => {
    // One single-threaded worker. A 100 MB download whose client stops reading
    // must not hold it: the front spools the body and credits the worker.
    const spooling = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'transfer', '-w', '1']);
    const stalled = request(`${spooling.url}/download?mb=100`);
    const response = new Promise((resolve) => stalled.once('response', resolve));
    stalled.end();
    const res = await response;
    res.pause();
    const memory = sampleRss(spooling.pid);
    const begun = performance.now();
    const other = await spooling.get('/download?mb=1');
    assert.equal(other.status, 200);
    assert.equal(other.body.length, MB);
    assert.ok(performance.now() - begun < 5000, 'served while the first client reads nothing');
    // Now read the stalled response: every byte, in order.
    const hash = createHash('sha256');
    let length = 0;
    res.on('data', (chunk) => { hash.update(chunk); length += chunk.length; });
    res.resume();
    await new Promise((resolve, reject) => res.on('end', resolve).on('error', reject));
    const { baseline, peak } = memory.stop();
    const expected = createHash('sha256');
    for (let i = 0; i < 100 * 16; i++) expected.update(patternBlock(i & 0xff));
    assert.equal(length, 100 * MB);
    assert.equal(hash.digest('hex'), expected.digest('hex'));
    assert.ok(peak - baseline < MAX_GROWTH_BYTES, `front RSS grew ${((peak - baseline) / MB).toFixed(1)} MB`);
  });

  await t.test('a client that reads in fits and starts gets every byte, in order', async () => {
    // Pauses make the front spool to memory, then to disk, then drain back:
    // each switch is a chance to reorder bytes.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let round = 0; round < 4; round++) {
      const { digest, length } = await new Promise((resolve, reject) => {
        request(`${xgi.url}/download?mb=30`, (res) => {
          const hash = createHash('sha256');
          let n = 0;
          res.on('data', (chunk) => {
            hash.update(chunk);
            n += chunk.length;
            const dice = rand();
            if (dice < 0.05) {
              res.pause();
              setTimeout(() => res.resume(), rand() * 20);
            } else if (dice < 0.1) {
              const until = Date.now() + 5; // a busy client: the socket fills while we spin
              while (Date.now() < until);
            }
          });
          res.on('end', () => resolve({ digest: hash.digest('hex'), length: n }));
          res.on('error', reject);
        }).on('error', reject).end();
      });
      const expected = createHash('sha256');
      for (let i = 0; i < 30 * 16; i++) expected.update(patternBlock(i & 0xff));
      assert.equal(length, 30 * MB);
      assert.equal(digest, expected.digest('hex'), `round ${round}`);
    }
  });
});
