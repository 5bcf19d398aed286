// cache_seconds (file-cache.ts): what the file system said is trusted for
// that long, and not longer. A changed, new or deleted file is seen once the
// time is up; with 0, at once (every other static test runs with 0). The
// cache never serves what the path rules refuse, and keeps names apart (one
// file under two names keeps each name's Content-Type).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, get, serveStatic } from './serve-static.js';

const CACHE_MS = 400;

function makeRoot(t) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-static-cache-')));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('a changed file is served as it was for at most cache_seconds, then as it is', async (t) => {
  const root = makeRoot(t);
  writeFileSync(join(root, 'a.txt'), 'first');
  const { port } = await serveStatic(t, { ...DEFAULT_CONFIG, root, cacheMs: CACHE_MS });
  assert.equal((await get(port, '/a.txt')).body.toString(), 'first');
  writeFileSync(join(root, 'a.txt'), 'second, longer');
  const soon = await get(port, '/a.txt');
  assert.equal(soon.body.toString(), 'first', 'within the time: the kept bytes, with their own length');
  assert.equal(soon.headers['content-length'], '5');
  await pause(CACHE_MS + 100);
  const later = await get(port, '/a.txt');
  assert.equal(later.body.toString(), 'second, longer');
  assert.notEqual(later.headers.etag, soon.headers.etag);
});

test('a new file, a new precompressed variant and a deleted file are seen once the time is up', async (t) => {
  const root = makeRoot(t);
  writeFileSync(join(root, 'gone.txt'), 'here');
  writeFileSync(join(root, 'app.js'), 'plain');
  const { port } = await serveStatic(t, { ...DEFAULT_CONFIG, root, precompressed: true, cacheMs: CACHE_MS });
  assert.equal((await get(port, '/new.txt')).status, 404);
  assert.equal((await get(port, '/gone.txt')).status, 200);
  assert.equal((await get(port, '/app.js', { headers: { 'accept-encoding': 'gzip' } })).headers['content-encoding'], undefined);
  writeFileSync(join(root, 'new.txt'), 'new');
  writeFileSync(join(root, 'app.js.gz'), 'gzipped');
  unlinkSync(join(root, 'gone.txt'));
  await pause(CACHE_MS + 100);
  assert.equal((await get(port, '/new.txt')).body.toString(), 'new');
  assert.equal((await get(port, '/gone.txt')).status, 404);
  const variant = await get(port, '/app.js', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(variant.headers['content-encoding'], 'gzip');
  assert.equal(variant.body.toString(), 'gzipped');
});

test('with cache_seconds 0 a change is seen at once', async (t) => {
  const root = makeRoot(t);
  writeFileSync(join(root, 'a.txt'), 'first');
  const { port } = await serveStatic(t, { ...DEFAULT_CONFIG, root, cacheMs: 0 });
  assert.equal((await get(port, '/a.txt')).body.toString(), 'first');
  writeFileSync(join(root, 'a.txt'), 'second');
  assert.equal((await get(port, '/a.txt')).body.toString(), 'second');
});

test('one file under two names: each name keeps its own Content-Type in the cache', async (t) => {
  const root = makeRoot(t);
  writeFileSync(join(root, 'page.html'), '<p>x</p>');
  symlinkSync(join(root, 'page.html'), join(root, 'page.txt'));
  const { port } = await serveStatic(t, { ...DEFAULT_CONFIG, root, followSymlinks: true, cacheMs: 10_000 });
  for (let i = 0; i < 2; i++) {
    assert.match((await get(port, '/page.html')).headers['content-type'], /^text\/html/);
    assert.match((await get(port, '/page.txt')).headers['content-type'], /^text\/plain/);
  }
});

test('the cache never serves what the path rules refuse: traversal and dotfiles stay 404 while cached', async (t) => {
  const root = makeRoot(t);
  writeFileSync(join(root, '.secret'), 'no');
  writeFileSync(join(root, 'ok.txt'), 'ok');
  const { port } = await serveStatic(t, { ...DEFAULT_CONFIG, root, cacheMs: 10_000 });
  for (let i = 0; i < 2; i++) {
    assert.equal((await get(port, '/ok.txt')).status, 200);
    assert.equal((await get(port, '/.secret')).status, 404);
    assert.equal((await get(port, '/%2e%2e/etc/passwd')).status, 400);
  }
});
