// Preconditions over HTTP (RFC 9110 §13): 304 and 412 for each header, with
// the validators the server itself sent, what a 304 carries (ETag,
// Last-Modified, Cache-Control, Vary; no body, no Content-Length), and that
// a changed file changes its validators.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, getRaw, serveStatic } from './serve-static.js';

const MTIME = new Date(Date.UTC(2024, 0, 15, 10, 30, 0, 500));

async function setup(t, config = {}) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-static-conditional-')));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'a.txt'), 'content of a\n');
  utimesSync(join(root, 'a.txt'), MTIME, MTIME);
  const served = await serveStatic(t, { root, ...config });
  const first = await get(served.port, '/a.txt');
  return { ...served, root, etag: first.headers.etag, lastModified: first.headers['last-modified'] };
}

const EARLIER = 'Mon, 15 Jan 2024 10:29:59 GMT';
const LATER = 'Mon, 15 Jan 2024 10:30:01 GMT';

test('the validators sent: Last-Modified is the mtime as an HTTP-date', async (t) => {
  const { lastModified, etag } = await setup(t);
  assert.equal(lastModified, 'Mon, 15 Jan 2024 10:30:00 GMT');
  assert.match(etag, /^"d-[0-9a-f]+"$/);
});

test('each precondition, alone and in the pairs whose order matters (§13.2.2)', async (t) => {
  const { port, etag, lastModified } = await setup(t);
  /** [headers, status]. */
  const cases = [
    [{ 'If-Match': etag }, 200],
    [{ 'If-Match': '*' }, 200],
    [{ 'If-Match': `"x", ${etag}` }, 200],
    [{ 'If-Match': '"x"' }, 412],
    [{ 'If-Match': `W/${etag}` }, 412],
    [{ 'If-Unmodified-Since': lastModified }, 200],
    [{ 'If-Unmodified-Since': EARLIER }, 412],
    [{ 'If-Unmodified-Since': 'garbage' }, 200],
    [{ 'If-Match': etag, 'If-Unmodified-Since': EARLIER }, 200],
    [{ 'If-None-Match': etag }, 304],
    [{ 'If-None-Match': `W/${etag}` }, 304],
    [{ 'If-None-Match': `"x", ${etag}` }, 304],
    [{ 'If-None-Match': '*' }, 304],
    [{ 'If-None-Match': '"x"' }, 200],
    [{ 'If-Modified-Since': lastModified }, 304],
    [{ 'If-Modified-Since': LATER }, 304],
    [{ 'If-Modified-Since': EARLIER }, 200],
    [{ 'If-Modified-Since': 'garbage' }, 200],
    [{ 'If-None-Match': '"x"', 'If-Modified-Since': LATER }, 200],
    [{ 'If-Match': '"x"', 'If-None-Match': etag }, 412],
    [{ 'If-Unmodified-Since': EARLIER, 'If-Modified-Since': LATER }, 412],
  ];
  for (const [headers, status] of cases) {
    for (const method of ['GET', 'HEAD']) {
      const response = await get(port, '/a.txt', { method, headers });
      assert.equal(response.status, status, `${method} ${JSON.stringify(headers)}`);
      if (status === 200 && method === 'GET') assert.equal(response.body.toString(), 'content of a\n');
      if (status === 412 && method === 'GET') assert.equal(response.body.toString(), 'Precondition Failed\n');
    }
  }
});

test('a 304 carries ETag, Last-Modified, Cache-Control and Vary, and no body or Content-Length', async (t) => {
  const { port, etag, lastModified, root } = await setup(t, { maxAgeSeconds: 600, precompressed: true });
  writeFileSync(join(root, 'a.txt.gz'), 'gz bytes');
  const response = await getRaw(port, '/a.txt', { headers: `If-None-Match: ${etag}\r\n` });
  assert.equal(response.status, 304);
  assert.equal(response.headers.etag, etag);
  assert.equal(response.headers['last-modified'], lastModified);
  assert.equal(response.headers['cache-control'], 'max-age=600');
  assert.equal(response.headers.vary, 'Accept-Encoding');
  assert.equal(response.headers['content-length'], undefined);
  assert.equal(response.headers['transfer-encoding'], undefined);
  assert.equal(response.headers['content-type'], undefined);
  assert.ok(response.raw.toString('latin1').endsWith('\r\n\r\n'));
  const bySince = await getRaw(port, '/a.txt', { headers: `If-Modified-Since: ${lastModified}\r\n` });
  assert.equal(bySince.status, 304);
  assert.equal(bySince.headers.etag, etag);
  assert.equal(bySince.headers['content-length'], undefined);
});

test('a changed file gets new validators, and the old ones no longer match', async (t) => {
  const { port, etag, root } = await setup(t);
  writeFileSync(join(root, 'a.txt'), 'new content, longer\n');
  const response = await get(port, '/a.txt', { headers: { 'If-None-Match': etag } });
  assert.equal(response.status, 200);
  assert.notEqual(response.headers.etag, etag);
  assert.equal((await get(port, '/a.txt', { headers: { 'If-Match': etag } })).status, 412);
  // Same size, other mtime: the ETag still changes.
  const before = (await get(port, '/a.txt')).headers.etag;
  utimesSync(join(root, 'a.txt'), MTIME, new Date(MTIME.getTime() + 1));
  assert.notEqual((await get(port, '/a.txt')).headers.etag, before);
});

test('preconditions come after the path rules: a missing file is 404 whatever If-Match says', async (t) => {
  const { port } = await setup(t);
  assert.equal((await get(port, '/missing.txt', { headers: { 'If-Match': '*' } })).status, 404);
  assert.equal((await get(port, '/missing.txt', { headers: { 'If-None-Match': '*' } })).status, 404);
});
