// Script resolution over HTTP (raw bytes: a real client would normalise the
// paths we need to send): the hostile-path corpus, directories, files
// without the execute bit, symlinks in and out of the mount, a FIFO, and a
// program mount. Nothing refused may ever show a file's content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResponses, rawRequest } from '../../helpers/raw-http.js';
import { startXgi } from '../../helpers/start-xgi.js';
import { HOSTILE_PATHS } from './hostile-paths.js';
import { CGI_BIN, startCgi } from './start-cgi.js';

async function get(xgi, path) {
  const bytes = await rawRequest(xgi.port, `GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  const [response] = parseResponses(bytes);
  assert.ok(response, `no response to ${path}: ${bytes.toString('latin1')}`);
  return { status: response.status, body: response.body.toString('latin1') };
}

const SCRIPT = (text) => `#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n${text}\\n'\n`;

/** A mount with every kind of entry, and a directory beside it that must stay out of reach. */
function makeTree() {
  const root = mkdtempSync(join(tmpdir(), 'xgi-cgi-paths-'));
  const mount = join(root, 'cgi');
  const outside = join(root, 'outside');
  mkdirSync(join(mount, 'sub'), { recursive: true });
  mkdirSync(outside);
  const write = (path, text, mode) => {
    writeFileSync(path, text);
    chmodSync(path, mode);
  };
  write(join(mount, 'ok.sh'), SCRIPT('ok'), 0o755);
  write(join(mount, 'plain.sh'), SCRIPT('SECRET-SOURCE'), 0o644);
  write(join(mount, 'sub', 'inner.sh'), SCRIPT('inner'), 0o755);
  write(join(outside, 'evil.sh'), SCRIPT('EVIL'), 0o755);
  write(join(outside, 'data.txt'), 'SECRET-DATA', 0o755);
  symlinkSync('ok.sh', join(mount, 'link-in.sh'));
  symlinkSync('../outside/evil.sh', join(mount, 'link-out.sh'));
  symlinkSync('sub', join(mount, 'sublink'));
  symlinkSync('../outside', join(mount, 'outlink'));
  symlinkSync('missing.sh', join(mount, 'dangling.sh'));
  execFileSync('mkfifo', ['-m', '0755', join(mount, 'fifo')]);
  return { root, mount };
}

test('hostile paths, directories and files without the execute bit', async (t) => {
  const xgi = await startCgi(t);
  for (const [path, status] of HOSTILE_PATHS) {
    const got = await get(xgi, `/cgi-bin${path}`);
    assert.equal(got.status, status, path);
    assert.doesNotMatch(got.body, /root:|SECRET|Hello/, path);
  }
  const cases = [
    ['/cgi-bin', 403, 'the mount itself is a directory'],
    ['/cgi-bin/', 404, 'an empty segment names nothing'],
    ['/cgi-bin/sub', 403, 'a directory'],
    ['/cgi-bin//hello.sh', 404, 'an empty segment before the script'],
    ['/cgi-bin/nope.sh', 404, 'missing'],
    ['/cgi-bin/hello.sh.bak', 404, 'only exact names'],
    ['/cgi-bin/HELLO.SH', 404, 'case matters'],
    ['/cgi-bin/not-executable.sh', 403, 'no execute bit'],
    ['/cgi-bin/not-executable.sh/x', 403, 'no execute bit, with PATH_INFO'],
    [`/cgi-bin/${'a'.repeat(300)}`, 404, 'a name too long for the file system'],
    ['/cgi-bin/%FF%FE.sh', 404, 'not UTF-8'],
  ];
  for (const [path, status, why] of cases) {
    const got = await get(xgi, path);
    assert.equal(got.status, status, `${path}: ${why}`);
    assert.doesNotMatch(got.body, /SECRET/, path);
  }
  assert.equal((await get(xgi, '/cgi-bin/sub/deep.sh/x')).body, 'deep /cgi-bin/sub/deep.sh|/x\n', 'a script in a subdirectory');
  assert.equal((await get(xgi, '/cgi-bin/hello.sh')).status, 200);
  assert.equal((await get(xgi, '/cgi-bin/hello%2Esh')).status, 200, 'an encoded letter that is not a dot segment decodes');
});

test('symlinks: refused by default; with --cgi-allow-symlinks only those that stay inside', async (t) => {
  const tree = makeTree();
  t.after(() => rmSync(tree.root, { recursive: true, force: true }));
  const strict = await startXgi(t, ['--cgi', `/c=${tree.mount}`], { waitForWorkers: false });
  const loose = await startXgi(t, ['--cgi', `/c=${tree.mount}`, '--cgi-allow-symlinks'], { waitForWorkers: false });
  const cases = [
    // [path, status without the flag, status with it]
    ['/c/ok.sh', 200, 200],
    ['/c/link-in.sh', 403, 200],
    ['/c/sublink/inner.sh', 403, 200],
    ['/c/link-out.sh', 403, 403],
    ['/c/outlink/evil.sh', 403, 403],
    ['/c/outlink/data.txt', 403, 403],
    ['/c/dangling.sh', 403, 404],
    ['/c/fifo', 403, 403],
    ['/c/plain.sh', 403, 403],
  ];
  for (const [path, strictStatus, looseStatus] of cases) {
    const a = await get(strict, path);
    const b = await get(loose, path);
    assert.equal(a.status, strictStatus, `${path} without --cgi-allow-symlinks`);
    assert.equal(b.status, looseStatus, `${path} with --cgi-allow-symlinks`);
    for (const got of [a, b]) assert.doesNotMatch(got.body, /EVIL|SECRET/, path);
  }
  assert.equal((await get(loose, '/c/sublink/inner.sh')).body, 'inner\n');
});

test('a program mount: one executable serves the whole prefix, the rest is PATH_INFO', async (t) => {
  const xgi = await startXgi(t, ['--cgi', `/env=${CGI_BIN}/env.py`], { waitForWorkers: false });
  const { env } = JSON.parse((await get(xgi, '/env/a/b%20c?x=1')).body);
  assert.equal(env.SCRIPT_NAME, '/env');
  assert.equal(env.PATH_INFO, '/a/b c');
  assert.equal(env.SCRIPT_FILENAME, `${CGI_BIN}/env.py`);
  assert.equal(JSON.parse((await get(xgi, '/env')).body).env.PATH_INFO, '');
  assert.equal((await get(xgi, '/env/../x')).status, 403, 'hostile paths are refused for programs too');
  assert.equal((await get(xgi, '/env/a%2fb')).status, 404);
  assert.equal((await get(xgi, '/environment')).status, 404, 'the prefix matches whole segments only');
});
