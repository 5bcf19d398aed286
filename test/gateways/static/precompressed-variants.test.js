// Precompressed variants over HTTP (nginx's gzip_static / brotli_static):
// which of name.br, name.gz or name is sent for each Accept-Encoding,
// Content-Type and Vary on all of them, an ETag per variant, and variants
// that must not count (a symlink when symlinks are not followed, a
// directory, precompressed off).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, serveStatic } from './serve-static.js';

const BODIES = { identity: 'the identity bytes of app.js\n', br: 'BR-BYTES', gzip: 'GZIP-BYTES-LONGER' };

function makeRoot(t) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-static-precompressed-')));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const files = {
    'app.js': BODIES.identity,
    'app.js.br': BODIES.br,
    'app.js.gz': BODIES.gzip,
    'only-gz.css': 'p{}',
    'only-gz.css.gz': 'GZ-CSS',
    'plain.txt': 'no variants',
    'index.html': 'index',
    'index.html.gz': 'GZ-INDEX',
    'linked.js': 'linked identity',
    'weird.js': 'weird identity',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  symlinkSync('app.js.gz', join(root, 'linked.js.gz'));
  mkdirSync(join(root, 'weird.js.br'));
  return root;
}

/** [Accept-Encoding (undefined: none), which body]. */
const NEGOTIATION = [
  [undefined, 'identity'],
  ['gzip, deflate, br', 'br'],
  ['br', 'br'],
  ['gzip', 'gzip'],
  ['x-gzip', 'gzip'],
  ['br;q=0, gzip', 'gzip'],
  ['br;q=0, gzip;q=0', 'identity'],
  ['gzip;q=1.0, br;q=0.5', 'gzip'],
  ['identity', 'identity'],
  ['deflate', 'identity'],
  ['*', 'br'],
  ['*;q=0', 'identity'],
];

test('Accept-Encoding picks br, gzip or the file; same Content-Type and Vary on each, an ETag per variant', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root, precompressed: true });
  const etags = new Map();
  for (const [acceptEncoding, which] of NEGOTIATION) {
    const headers = acceptEncoding === undefined ? {} : { 'Accept-Encoding': acceptEncoding };
    const response = await get(port, '/app.js', { headers });
    const what = `Accept-Encoding: ${acceptEncoding}`;
    assert.equal(response.status, 200, what);
    assert.equal(response.body.toString(), BODIES[which], what);
    assert.equal(response.headers['content-encoding'], which === 'identity' ? undefined : which, what);
    assert.equal(response.headers['content-length'], String(BODIES[which].length), what);
    assert.equal(response.headers['content-type'], 'text/javascript; charset=utf-8', what);
    assert.equal(response.headers.vary, 'Accept-Encoding', what);
    if (!etags.has(which)) etags.set(which, response.headers.etag);
    assert.equal(response.headers.etag, etags.get(which), what);
  }
  assert.equal(new Set(etags.values()).size, 3);
});

test('the ETag of one variant does not validate another', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root, precompressed: true });
  const gzip = await get(port, '/app.js', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal((await get(port, '/app.js', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gzip.headers.etag } })).status, 304);
  const other = await get(port, '/app.js', { headers: { 'Accept-Encoding': 'br', 'If-None-Match': gzip.headers.etag } });
  assert.equal(other.status, 200);
  assert.equal(other.body.toString(), BODIES.br);
  assert.equal((await get(port, '/app.js', { headers: { 'If-None-Match': gzip.headers.etag } })).status, 200);
});

test('only the variants that exist: no .br means gzip or the file, still with Vary', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root, precompressed: true });
  const br = await get(port, '/only-gz.css', { headers: { 'Accept-Encoding': 'br' } });
  assert.equal(br.body.toString(), 'p{}');
  assert.equal(br.headers.vary, 'Accept-Encoding');
  assert.equal(br.headers['content-encoding'], undefined);
  const gzip = await get(port, '/only-gz.css', { headers: { 'Accept-Encoding': 'br, gzip' } });
  assert.equal(gzip.body.toString(), 'GZ-CSS');
  assert.equal(gzip.headers['content-type'], 'text/css; charset=utf-8');
  const plain = await get(port, '/plain.txt', { headers: { 'Accept-Encoding': 'br, gzip' } });
  assert.equal(plain.body.toString(), 'no variants');
  assert.equal(plain.headers.vary, undefined);
  const index = await get(port, '/', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(index.body.toString(), 'GZ-INDEX');
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  const head = await get(port, '/app.js', { method: 'HEAD', headers: { 'Accept-Encoding': 'br' } });
  assert.equal(head.headers['content-encoding'], 'br');
  assert.equal(head.headers['content-length'], String(BODIES.br.length));
});

test('a variant counts only if it could be served itself: regular file, symlink rules', async (t) => {
  const root = makeRoot(t);
  const noFollow = await serveStatic(t, { root, precompressed: true });
  const linked = await get(noFollow.port, '/linked.js', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(linked.body.toString(), 'linked identity');
  assert.equal(linked.headers.vary, undefined);
  const weird = await get(noFollow.port, '/weird.js', { headers: { 'Accept-Encoding': 'br' } });
  assert.equal(weird.body.toString(), 'weird identity');
  assert.equal(weird.headers.vary, undefined);
  const follow = await serveStatic(t, { root, precompressed: true, followSymlinks: true });
  const followed = await get(follow.port, '/linked.js', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(followed.body.toString(), BODIES.gzip);
  assert.equal(followed.headers['content-encoding'], 'gzip');
});

test('precompressed off: variants are ignored and no Vary is sent', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root, precompressed: false });
  const response = await get(port, '/app.js', { headers: { 'Accept-Encoding': 'br, gzip' } });
  assert.equal(response.body.toString(), BODIES.identity);
  assert.equal(response.headers['content-encoding'], undefined);
  assert.equal(response.headers.vary, undefined);
  // The variant files themselves are still plain files to ask for.
  const direct = await get(port, '/app.js.gz');
  assert.equal(direct.body.toString(), BODIES.gzip);
  assert.equal(direct.headers['content-type'], 'application/gzip');
});
