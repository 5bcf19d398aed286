// What a file, a directory and a bad method get over HTTP: the 200 head
// (Content-Type, validators, nosniff, Accept-Ranges, Cache-Control), HEAD,
// 405, index files, the redirect to a directory's slash, 404s and their log
// line, the mount prefix, and an unreadable file (403, in a child process
// that is not root, since root reads any file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { get, getRaw, serveStatic } from './serve-static.js';

function makeRoot(t) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-static-responses-')));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const files = {
    'hello.txt': 'hello\n',
    'page.html': '<p>page</p>',
    'data.json': '{}',
    'style.css': 'p{}',
    'pic.png': 'PNG',
    'blob.unknownext': 'x',
    README: 'readme',
    'empty.txt': '',
    'index.html': 'root index',
    'dir/index.html': '<h1>dir index</h1>',
    'dir/other.txt': 'other',
    'a b/index.html': 'spaced',
    'noindex/a.txt': 'SECRET-NAME-CONTENT',
    'two/index.html': 'first index',
    'two/home.htm': 'second index',
    'second/home.htm': 'home',
    'dirindex/index.html/x': 'an index that is a directory',
    'dirindex/home.htm': 'fallback',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

test('a file: body, Content-Type with charset, Content-Length, ETag, Last-Modified, nosniff, Accept-Ranges', async (t) => {
  const root = makeRoot(t);
  const { port, requests } = await serveStatic(t, { root });
  const { status, headers, body } = await get(port, '/hello.txt');
  assert.equal(status, 200);
  assert.equal(body.toString(), 'hello\n');
  assert.equal(headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(headers['content-length'], '6');
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['accept-ranges'], 'bytes');
  const stats = statSync(join(root, 'hello.txt'));
  assert.equal(headers.etag, `"6-${Math.floor(stats.mtimeMs).toString(16)}"`);
  assert.equal(headers['last-modified'], new Date(Math.floor(stats.mtimeMs / 1000) * 1000).toUTCString());
  assert.equal(headers['cache-control'], undefined);
  assert.equal(headers.vary, undefined);
  assert.equal(headers['content-encoding'], undefined);
  assert.equal(requests[0].responseBytes, 6);
  assert.equal(requests[0].servedBy, process.pid);
});

test('Content-Type from the extension (mime-types), application/octet-stream when unknown', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root });
  const expected = {
    '/page.html': 'text/html; charset=utf-8',
    '/data.json': 'application/json; charset=utf-8',
    '/style.css': 'text/css; charset=utf-8',
    '/pic.png': 'image/png',
    '/blob.unknownext': 'application/octet-stream',
    '/README': 'application/octet-stream',
  };
  for (const [path, type] of Object.entries(expected)) {
    const { status, headers } = await get(port, path);
    assert.equal(status, 200, path);
    assert.equal(headers['content-type'], type, path);
    assert.equal(headers['x-content-type-options'], 'nosniff', path);
  }
});

test('max_age: Cache-Control max-age=N when set, including 0', async (t) => {
  const root = makeRoot(t);
  const hour = await serveStatic(t, { root, maxAgeSeconds: 3600 });
  assert.equal((await get(hour.port, '/hello.txt')).headers['cache-control'], 'max-age=3600');
  const zero = await serveStatic(t, { root, maxAgeSeconds: 0 });
  assert.equal((await get(zero.port, '/hello.txt')).headers['cache-control'], 'max-age=0');
});

test('HEAD: the same head as GET and no body', async (t) => {
  const root = makeRoot(t);
  const { port, requests } = await serveStatic(t, { root, maxAgeSeconds: 60 });
  const withoutDate = ({ date, ...rest }) => rest;
  const full = await get(port, '/hello.txt');
  const head = await get(port, '/hello.txt', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.deepEqual(withoutDate(head.headers), withoutDate(full.headers));
  assert.equal(head.headers['content-length'], '6');
  assert.equal(requests[1].responseBytes, 0);
  // Raw bytes: nothing at all after the head.
  const raw = await getRaw(port, '/hello.txt', { method: 'HEAD' });
  assert.equal(raw.status, 200);
  assert.ok(raw.raw.toString('latin1').endsWith('\r\n\r\n'), JSON.stringify(raw.raw.toString('latin1')));
  // HEAD of a directory's index and of a 404 too.
  assert.equal((await get(port, '/dir/', { method: 'HEAD' })).headers['content-length'], '18');
  const missing = await getRaw(port, '/missing', { method: 'HEAD' });
  assert.equal(missing.status, 404);
  assert.ok(missing.raw.toString('latin1').endsWith('\r\n\r\n'));
});

test('methods other than GET and HEAD: 405 with Allow: GET, HEAD', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root });
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    for (const path of ['/hello.txt', '/missing', '/dir/']) {
      const { status, headers, body } = await get(port, path, { method });
      assert.equal(status, 405, `${method} ${path}`);
      assert.equal(headers.allow, 'GET, HEAD');
      assert.equal(body.toString(), 'Method Not Allowed\n');
    }
  }
});

test('an empty file is a 200 with Content-Length: 0', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root });
  const { status, headers, body } = await get(port, '/empty.txt');
  assert.equal(status, 200);
  assert.equal(headers['content-length'], '0');
  assert.equal(body.length, 0);
});

test('a directory with its slash serves the first index file that exists and is a file', async (t) => {
  const root = makeRoot(t);
  const { port } = await serveStatic(t, { root, index: ['index.html', 'home.htm'] });
  const cases = { '/': 'root index', '/dir/': '<h1>dir index</h1>', '/two/': 'first index', '/second/': 'home', '/dirindex/': 'fallback', '/a%20b/': 'spaced' };
  for (const [path, text] of Object.entries(cases)) {
    const { status, headers, body } = await get(port, path);
    assert.equal(status, 200, path);
    assert.equal(body.toString(), text, path);
    assert.match(headers['content-type'], /^text\/html; charset=utf-8$/, path);
    assert.ok(headers.etag, path);
  }
});

test('a directory without its slash: 301 to the path with it, query kept, mount prefix included', async (t) => {
  const root = makeRoot(t);
  const plain = await serveStatic(t, { root });
  const cases = [
    ['/dir', '/dir/'],
    ['/dir?x=1&y', '/dir/?x=1&y'],
    ['/a%20b', '/a%20b/'],
    ['//dir', '/dir/'],
    ['//dir?q', '/dir/?q'],
    ['/dir/sub/..', null],
  ];
  for (const [target, location] of cases) {
    const response = await getRaw(plain.port, target);
    if (location === null) {
      assert.equal(response.status, 400, target);
      continue;
    }
    assert.equal(response.status, 301, target);
    assert.equal(response.headers.location, location, target);
  }
  const mounted = await serveStatic(t, { root }, { scriptName: '/static' });
  assert.equal((await getRaw(mounted.port, '/static/dir?a=b')).headers.location, '/static/dir/?a=b');
  assert.equal((await getRaw(mounted.port, '/static')).headers.location, '/static/');
  assert.equal((await get(mounted.port, '/static/')).body.toString(), 'root index');
  assert.equal((await get(mounted.port, '/static/hello.txt')).body.toString(), 'hello\n');
  // A file with a trailing slash is not a directory.
  assert.equal((await get(mounted.port, '/static/hello.txt/')).status, 404);
});

test('404: plain "Not Found", one static: debug line; no index and no listing is a 404 too', async (t) => {
  const root = makeRoot(t);
  const { port, log } = await serveStatic(t, { root });
  for (const path of ['/missing.txt', '/dir/missing/', '/hello.txt/', '/noindex/', '/hello.txt/x']) {
    const before = log.length;
    const { status, headers, body } = await get(port, path);
    assert.equal(status, 404, path);
    assert.equal(body.toString(), 'Not Found\n');
    assert.equal(headers['content-type'], 'text/plain');
    const lines = log.slice(before);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], new RegExp(`^\\[DEBUG\\] static: request \\d+ GET ${path.replace(/[.]/g, '\\.')}: 404 \\(`));
  }
  assert.ok(!(await get(port, '/noindex/')).body.toString().includes('a.txt'));
});

test('a file the server may not read: 403 and an error line (EACCES)', async (t) => {
  const root = makeRoot(t);
  chmodSync(root, 0o755);
  writeFileSync(join(root, 'locked.txt'), 'LOCKED');
  chmodSync(join(root, 'locked.txt'), 0o000);
  // Root reads any file, so the server runs as nobody when the tests run as root.
  const asNobody = process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {};
  const helper = new URL('./serve-static.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    import { listenStatic } from ${JSON.stringify(helper)};
    const served = await listenStatic(JSON.parse(process.env.CONFIG));
    process.stdout.write(served.port + '\\n');
    process.stdin.on('end', () => { process.stdout.write(JSON.stringify(served.log) + '\\n'); process.exit(0); });
    process.stdin.resume();
  `], { env: { ...process.env, CONFIG: JSON.stringify({ root }) }, stdio: ['pipe', 'pipe', 'inherit'], ...asNobody });
  t.after(() => child.kill());
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  while (!out.includes('\n')) await once(child.stdout, 'data');
  const port = Number(out.split('\n')[0]);
  const { status, body } = await get(port, '/locked.txt');
  assert.equal(status, 403);
  assert.equal(body.toString(), 'Forbidden\n');
  assert.equal((await get(port, '/hello.txt')).status, 200);
  child.stdin.end();
  await once(child, 'exit');
  const log = JSON.parse(out.split('\n')[1]);
  assert.equal(log.length, 1, log.join('\n'));
  assert.match(log[0], /^\[ERROR\] static: request 1 GET \/locked\.txt: 403 \(EACCES/);
});
