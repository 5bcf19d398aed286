// Paths over HTTP, as exact bytes (a real client would normalise what we
// need to send): traversal in every spelling, NUL, encoded slashes and
// backslashes, symlinks out of the root (to /etc, to a sibling whose name
// starts like the root's), symlinks inside it with follow_symlinks on and
// off, dotfiles and .well-known, a FIFO. Nothing refused may ever show a
// byte of what it points at, or tell whether it exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRaw, serveStatic } from './serve-static.js';

/** base/root is served; base/outside and base/rootevil must stay out of reach. */
function makeTree(t) {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-static-paths-')));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'root');
  const write = (path, text) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  write(join(root, 'public.txt'), 'PUBLIC');
  write(join(root, 'sub', 'file.txt'), 'SUBFILE');
  write(join(root, 'sub', '.env'), 'SECRET-SUB-DOTFILE');
  write(join(root, '.env'), 'SECRET-DOTFILE');
  write(join(root, '.hidden', 'x.txt'), 'SECRET-HIDDEN');
  write(join(root, '.well-known', 'security.txt'), 'CONTACT');
  write(join(root, '.well-known', '.private'), 'SECRET-WELL-KNOWN-DOTFILE');
  write(join(base, 'outside', 'secret.txt'), 'SECRET-OUTSIDE');
  write(join(base, 'rootevil', 'secret.txt'), 'SECRET-PREFIX');
  symlinkSync('/etc', join(root, 'link-etc'));
  symlinkSync('/etc/passwd', join(root, 'link-passwd'));
  symlinkSync('../outside/secret.txt', join(root, 'link-out'));
  symlinkSync('../outside/missing.txt', join(root, 'link-out-missing'));
  symlinkSync('../outside', join(root, 'link-outdir'));
  symlinkSync('../rootevil/secret.txt', join(root, 'link-prefix'));
  symlinkSync('public.txt', join(root, 'alias.html'));
  symlinkSync('sub', join(root, 'link-sub'));
  symlinkSync('link-out', join(root, 'link-chain-out'));
  symlinkSync('alias.html', join(root, 'link-chain-in'));
  symlinkSync('nowhere', join(root, 'dangling'));
  symlinkSync('.', join(root, 'self'));
  symlinkSync(root, join(base, 'root-link'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  symlinkSync('fifo', join(root, 'link-fifo'));
  return { base, root };
}

const SECRET = /SECRET|root:/;

/** [raw target, status]: the same with follow_symlinks on and off. */
const HOSTILE = [
  ['/../outside/secret.txt', 400],
  ['/../../../../../../etc/passwd', 400],
  ['/sub/../../outside/secret.txt', 400],
  ['/%2e%2e/outside/secret.txt', 400],
  ['/%2E%2E/%2E%2E/%2E%2E/etc/passwd', 400],
  ['/.%2e/outside/secret.txt', 400],
  ['/sub/%2e%2e/%2e%2e/outside/secret.txt', 400],
  ['/./public.txt', 400],
  ['http://t/../outside/secret.txt', 400],
  ['/sub%2f..%2f..%2foutside%2fsecret.txt', 404],
  ['/a%2f..%2f..%2fetc%2fpasswd', 404],
  ['/..%2foutside%2fsecret.txt', 404],
  ['/..%5c..%5coutside%5csecret.txt', 404],
  ['/..%5Coutside%5Csecret.txt', 404],
  ['/..\\outside\\secret.txt', 404],
  ['/public.txt%00', 400],
  ['/public.txt%00.png', 400],
  ['/%00', 400],
  ['/%252e%252e/outside/secret.txt', 404],
  ['/link-etc/passwd', 404],
  ['/link-etc/', 404],
  ['/link-passwd', 404],
  ['/link-out', 404],
  ['/link-out-missing', 404],
  ['/link-outdir/secret.txt', 404],
  ['/link-prefix', 404],
  ['/link-chain-out', 404],
  ['/dangling', 404],
  ['/fifo', 404],
  ['/link-fifo', 404],
  ['/.env', 404],
  ['/%2eenv', 404],
  ['/sub/.env', 404],
  ['/.hidden/x.txt', 404],
  ['/.well-known/.private', 404],
];

for (const followSymlinks of [false, true]) {
  test(`hostile paths are refused and show nothing (follow_symlinks ${followSymlinks})`, async (t) => {
    const { root } = makeTree(t);
    const { port, log } = await serveStatic(t, { root, followSymlinks });
    for (const [target, status] of HOSTILE) {
      const response = await getRaw(port, target);
      assert.equal(response.status, status, `${target}: ${response.text}`);
      assert.doesNotMatch(response.text, SECRET, target);
      assert.equal(response.text, status === 400 ? 'Bad Request\n' : 'Not Found\n', target);
    }
    assert.equal(log.filter((line) => line.startsWith('[DEBUG] static: ')).length, HOSTILE.length);
    assert.deepEqual(log.filter((line) => !line.startsWith('[DEBUG]')), []);
  });
}

test('a symlink out of the root answers exactly as a missing file: nothing tells whether the target exists', async (t) => {
  const { root } = makeTree(t);
  const { port } = await serveStatic(t, { root, followSymlinks: true });
  const strip = ({ headers: { date, ...headers }, raw, ...rest }) => ({ ...rest, headers });
  const existing = strip(await getRaw(port, '/link-out'));
  assert.deepEqual(strip(await getRaw(port, '/link-out-missing')), existing);
  assert.deepEqual(strip(await getRaw(port, '/no-such-file')), existing);
  assert.deepEqual(strip(await getRaw(port, '/link-etc/passwd')), strip(await getRaw(port, '/link-etc/no-such-file')));
});

test('follow_symlinks off: every symlink is a 404, even one that stays inside the root', async (t) => {
  const { root } = makeTree(t);
  const { port } = await serveStatic(t, { root, followSymlinks: false });
  for (const target of ['/alias.html', '/link-sub/file.txt', '/link-sub/', '/link-sub', '/link-chain-in', '/self/public.txt']) {
    assert.equal((await getRaw(port, target)).status, 404, target);
  }
  assert.equal((await getRaw(port, '/public.txt')).text, 'PUBLIC');
  assert.equal((await getRaw(port, '/sub/file.txt')).text, 'SUBFILE');
});

test('follow_symlinks on: a symlink inside the root is served, with the Content-Type of the name asked for', async (t) => {
  const { root } = makeTree(t);
  const { port } = await serveStatic(t, { root, followSymlinks: true });
  const alias = await getRaw(port, '/alias.html');
  assert.equal(alias.status, 200);
  assert.equal(alias.text, 'PUBLIC');
  assert.equal(alias.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal((await getRaw(port, '/link-chain-in')).text, 'PUBLIC');
  assert.equal((await getRaw(port, '/link-sub/file.txt')).text, 'SUBFILE');
  assert.equal((await getRaw(port, '/self/self/public.txt')).text, 'PUBLIC');
  assert.equal((await getRaw(port, '/link-sub')).headers.location, '/link-sub/');
});

test('a root given through a symlink: "inside" is judged on real paths', async (t) => {
  const { base } = makeTree(t);
  const { port } = await serveStatic(t, { root: join(base, 'root-link'), followSymlinks: true });
  assert.equal((await getRaw(port, '/alias.html')).text, 'PUBLIC');
  assert.equal((await getRaw(port, '/link-out')).status, 404);
});

test('dotfiles: 404 by default, .well-known always served; served when dotfiles is on', async (t) => {
  const { root } = makeTree(t);
  const off = await serveStatic(t, { root });
  assert.equal((await getRaw(off.port, '/.well-known/security.txt')).text, 'CONTACT');
  assert.equal((await getRaw(off.port, '/.env')).status, 404);
  assert.equal((await getRaw(off.port, '/.hidden/')).status, 404);
  const on = await serveStatic(t, { root, dotfiles: true });
  assert.equal((await getRaw(on.port, '/.env')).text, 'SECRET-DOTFILE');
  assert.equal((await getRaw(on.port, '/sub/.env')).text, 'SECRET-SUB-DOTFILE');
  assert.equal((await getRaw(on.port, '/.hidden/x.txt')).text, 'SECRET-HIDDEN');
  assert.equal((await getRaw(on.port, '/.well-known/.private')).text, 'SECRET-WELL-KNOWN-DOTFILE');
  // Dot segments stay refused whatever dotfiles says.
  assert.equal((await getRaw(on.port, '/sub/../.env')).status, 400);
});
