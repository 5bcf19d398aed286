// -b forms end to end: IPv6 loopback, a Unix socket path (a stale socket file
// left by a dead server is replaced), several binds at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS, startXgi } from '../helpers/start-xgi.js';

const APP = APPS + 'supervised';

function getOverUnix(socketPath, path) {
  return new Promise((resolve, reject) => {
    request({ socketPath, path }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s) => { text += s; }).on('end', () => resolve({ status: res.statusCode, text }));
    }).on('error', reject).end();
  });
}

test('[::1]:0 listens on IPv6 loopback', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-b', '[::1]:0']);
  assert.match(xgi.url, /^http:\/\/\[::1\]:\d+$/);
  assert.equal((await xgi.get('/')).text, 'ok');
});

test('unix:PATH listens on a Unix socket, replacing a stale socket file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-unix-'));
  const path = join(dir, 'xgi.sock');
  // A socket file nobody listens on any more (a server that died without
  // removing it; node would remove it on close, so Python makes it).
  execFileSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
  assert.ok(statSync(path).isSocket());
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-b', `unix:${path}`]);
  assert.equal(xgi.url, `unix:${path}`);
  const res = await getOverUnix(path, '/env?name=PATH');
  assert.equal(res.status, 200);
});

test('several -b at once: every address serves', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-unix-'));
  const path = join(dir, 'xgi.sock');
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-b', '127.0.0.1:0', '-b', `unix:${path}`]);
  await xgi.waitForLine(/Listening at: unix:/);
  assert.equal((await xgi.get('/')).text, 'ok');
  assert.equal((await getOverUnix(path, '/')).text, 'ok');
});
