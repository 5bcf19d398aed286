// A real CGI program nobody here wrote: Debian's `git http-backend`, mounted
// as a single program, serving `git clone` and `git push` over smart HTTP.
// Push needs http.receivepack in the repository (there is no REMOTE_USER:
// xgi authenticates no one), and the pack goes up as a chunked body larger
// than the front's buffer, so it streams to the backend's stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startXgi } from '../../helpers/start-xgi.js';

const run = promisify(execFile);
const BACKEND = '/usr/lib/git-core/git-http-backend';

test('git clone and git push over HTTP through git http-backend', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'xgi-cgi-git-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const env = {
    ...process.env, HOME: root, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.test', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.test',
  };
  const git = (cwd, ...args) => run('git', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });

  // A bare repository with one commit, pushed locally.
  const bare = join(root, 'project.git');
  await git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  await git(bare, 'config', 'http.receivepack', 'true');
  const seed = join(root, 'seed');
  await git(root, 'init', '--quiet', '--initial-branch=main', seed);
  writeFileSync(join(seed, 'README'), 'first\n');
  await git(seed, 'add', 'README');
  await git(seed, 'commit', '--quiet', '-m', 'first');
  await git(seed, 'push', '--quiet', bare, 'main');

  const xgi = await startXgi(t, [
    '--cgi', `/git=${BACKEND}`, '--cgi-env', `GIT_PROJECT_ROOT=${root}`, '--cgi-env', 'GIT_HTTP_EXPORT_ALL=1',
  ], { waitForWorkers: false });
  const url = `${xgi.url}/git/project.git`;

  const clone = join(root, 'clone');
  await git(root, 'clone', '--quiet', url, clone);
  assert.equal(readFileSync(join(clone, 'README'), 'utf8'), 'first\n');

  // 3 MiB that does not compress: the pack is sent chunked (past http.postBuffer) and streams.
  writeFileSync(join(clone, 'blob.bin'), randomBytes(3 * 1024 * 1024));
  writeFileSync(join(clone, 'README'), 'second\n');
  await git(clone, 'add', 'README', 'blob.bin');
  await git(clone, 'commit', '--quiet', '-m', 'second');
  await git(clone, 'push', '--quiet', 'origin', 'main');

  const { stdout: pushed } = await git(bare, 'log', '--format=%s', 'main');
  assert.deepEqual(pushed.trim().split('\n'), ['second', 'first']);
  const { stdout: local } = await git(clone, 'rev-parse', 'HEAD');
  const { stdout: remote } = await git(bare, 'rev-parse', 'main');
  assert.equal(remote, local);

  // And back out again: a second clone sees the push.
  const again = join(root, 'again');
  await git(root, 'clone', '--quiet', url, again);
  assert.equal(readFileSync(join(again, 'README'), 'utf8'), 'second\n');
  assert.equal(readFileSync(join(again, 'blob.bin')).length, 3 * 1024 * 1024);
});

test('git http-backend refuses a push when the repository does not enable it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'xgi-cgi-git-ro-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const env = { ...process.env, HOME: root, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  await run('git', ['init', '--quiet', '--bare', join(root, 'ro.git')], { env });
  const xgi = await startXgi(t, [
    '--cgi', `/git=${BACKEND}`, '--cgi-env', `GIT_PROJECT_ROOT=${root}`, '--cgi-env', 'GIT_HTTP_EXPORT_ALL=1',
  ], { waitForWorkers: false });
  // The receive-pack advertisement: 403 from the backend itself (no REMOTE_USER, no http.receivepack).
  const res = await xgi.get('/git/ro.git/info/refs?service=git-receive-pack');
  assert.equal(res.status, 403);
  const upload = await xgi.get('/git/ro.git/info/refs?service=git-upload-pack');
  assert.equal(upload.status, 200);
  assert.equal(upload.headers.get('content-type'), 'application/x-git-upload-pack-advertisement');
});
