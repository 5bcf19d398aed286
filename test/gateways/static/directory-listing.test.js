// Directory listings: the page itself (escaping, hrefs, order) as a pure
// unit, then over HTTP: on and off, only what could be fetched (no
// dotfiles, no symlinks that are not followed or lead out, no FIFOs), the
// parent link, HEAD, and that an index file still wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeHtml, renderListing } from '../../../dist/gateways/static/directory-listing.js';
import { get, serveStatic } from './serve-static.js';

test('renderListing: names HTML-escaped, hrefs percent-encoded, directories with a slash, parent link', () => {
  const html = renderListing('/static/<dir>/', [
    { name: 'sub dir', isDirectory: true },
    { name: '<script>alert(1)</script>.txt', isDirectory: false },
    { name: 'a"b\'c&d.txt', isDirectory: false },
    { name: 'javascript:alert(1)', isDirectory: false },
    { name: 'café #1?.txt', isDirectory: false },
  ], true);
  assert.match(html, /<title>Index of \/static\/&lt;dir&gt;\/<\/title>/);
  assert.match(html, /<h1>Index of \/static\/&lt;dir&gt;\/<\/h1>/);
  assert.ok(html.includes('<li><a href="../">../</a></li>'));
  assert.ok(html.includes('<li><a href="sub%20dir/">sub dir/</a></li>'));
  assert.ok(html.includes('<a href="%3Cscript%3Ealert(1)%3C%2Fscript%3E.txt">&lt;script&gt;alert(1)&lt;/script&gt;.txt</a>'));
  assert.ok(html.includes('<a href="a%22b&#39;c%26d.txt">a&quot;b&#39;c&amp;d.txt</a>'));
  assert.ok(html.includes('<a href="javascript%3Aalert(1)">'));
  assert.ok(html.includes('<a href="caf%C3%A9%20%231%3F.txt">café #1?.txt</a>'));
  assert.ok(!html.includes('<script>'));
  assert.ok(!renderListing('/', [], false).includes('../'));
  assert.equal(escapeHtml(`<&>"'`), '&lt;&amp;&gt;&quot;&#39;');
});

function makeRoot(t) {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-static-listing-')));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'root');
  for (const dir of ['files/zdir', 'files/adir', 'withindex', 'outside']) mkdirSync(join(root, dir), { recursive: true });
  for (const name of ['b.txt', 'a.txt', 'C.txt', '.secret', 'x <y>.txt']) writeFileSync(join(root, 'files', name), name);
  writeFileSync(join(root, 'withindex', 'index.html'), 'INDEX');
  writeFileSync(join(root, 'withindex', 'listed-only-without-index.txt'), '');
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.txt'), 'x');
  symlinkSync('a.txt', join(root, 'files', 'link-in.txt'));
  symlinkSync('../../outside/secret.txt', join(root, 'files', 'link-out.txt'));
  execFileSync('mkfifo', [join(root, 'files', 'fifo')]);
  return root;
}

const names = (html) => [...html.matchAll(/<a href="([^"]*)">/g)].map((m) => m[1]);

test('list_directories off (the default): a directory without an index is 404, never a listing', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root });
  const response = await get(port, '/files/');
  assert.equal(response.status, 404);
  assert.ok(!response.body.toString().includes('a.txt'));
  assert.equal((await get(port, '/')).status, 404);
});

test('list_directories on: directories first, then files, sorted; only what could be fetched', async (t) => {
  const root = makeRoot(t);
  const { port, requests } = await serveStatic(t, { root, listDirectories: true });
  const response = await get(port, '/files/');
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['content-length'], String(response.body.length));
  assert.equal(requests.at(-1).responseBytes, response.body.length);
  assert.deepEqual(names(response.body.toString()), ['../', 'adir/', 'zdir/', 'C.txt', 'a.txt', 'b.txt', 'x%20%3Cy%3E.txt']);
  assert.ok(response.body.toString().includes('x &lt;y&gt;.txt'));
  // The root has no parent link; an index file still wins over the listing.
  assert.deepEqual(names((await get(port, '/')).body.toString()), ['files/', 'outside/', 'withindex/']);
  assert.equal((await get(port, '/withindex/')).body.toString(), 'INDEX');
  // Without the slash: the redirect, not a listing.
  assert.equal((await get(port, '/files')).status, 301);
  const head = await get(port, '/files/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], response.headers['content-length']);
});

test('list_directories with follow_symlinks and dotfiles on: symlinks inside and dotfiles are listed, a link out never', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root, listDirectories: true, followSymlinks: true, dotfiles: true });
  const listed = names((await get(port, '/files/')).body.toString());
  assert.deepEqual(listed, ['../', 'adir/', 'zdir/', '.secret', 'C.txt', 'a.txt', 'b.txt', 'link-in.txt', 'x%20%3Cy%3E.txt']);
  const mounted = await serveStatic(t, { root, listDirectories: true }, { scriptName: '/pub' });
  assert.match((await get(mounted.port, '/pub/files/adir/')).body.toString(), /<title>Index of \/pub\/files\/adir\/<\/title>/);
});
