// Inherited listening sockets (issue 4): systemd socket activation
// (LISTEN_FDS/LISTEN_PID, sockets from fd 3) and gunicorn's -b fd://N. A
// small Python wrapper binds a socket, puts it on fd 3 and execs xgi, as
// systemd does; the socket stays the same across a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { systemdBinds } from '../../dist/server/systemd.js';
import { APPS, RunningXgi, XGI } from '../helpers/start-xgi.js';
import { freshGet } from '../helpers/raw-http.js';
import { listeningSocket } from '../helpers/processes.js';

const APP = APPS + 'supervision';
const WRAPPER = `
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
env = dict(os.environ)
if sys.argv[1] == "systemd":
    env["LISTEN_FDS"] = "1"
    env["LISTEN_PID"] = str(os.getpid())  # exec keeps the pid: it is xgi's
os.execve(sys.argv[2], sys.argv[2:], env)
`;

/** xgi started the way systemd starts it: a listening socket on fd 3. */
async function startWithSocket(t, mode, args) {
  const child = spawn(process.env.XGI_TEST_PYTHON ?? 'python3', ['-c', WRAPPER, mode, process.execPath, XGI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const xgi = new RunningXgi(child);
  t.after(() => xgi.kill());
  xgi.url = (await xgi.waitForLine(/Listening at: (\S+)/, 15_000))[1];
  return xgi;
}

test('systemdBinds: fds from 3 for this pid only', () => {
  assert.deepEqual(systemdBinds({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42), [{ kind: 'fd', fd: 3 }, { kind: 'fd', fd: 4 }]);
  assert.equal(systemdBinds({ LISTEN_PID: '41', LISTEN_FDS: '2' }, 42), null, 'meant for another process');
  assert.equal(systemdBinds({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42), null);
  assert.equal(systemdBinds({}, 42), null);
});

test('socket activation: xgi serves on the socket systemd passed, --bind is ignored, a reload keeps it', async (t) => {
  const xgi = await startWithSocket(t, 'systemd', ['wsgi:app', '--pythonpath', APP, '-b', '127.0.0.1:1']);
  assert.match(xgi.stderr, /Using 1 listening socket\(s\) from systemd \(LISTEN_FDS\); --bind is ignored/);
  assert.match(xgi.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  await xgi.waitForLine(/Booting worker with pid: (\d+)/);
  assert.equal((await xgi.get('/')).text, 'ok');
  // fd 3 is the socket systemd passed; the same one, with the same inode, serves after a reload.
  const inode = readlinkSync(`/proc/${xgi.pid}/fd/3`);
  assert.match(inode, /^socket:\[\d+\]$/);
  const port = Number(new URL(xgi.url).port);
  const old = Number((await freshGet(port, '/pid')).body);
  xgi.signal('SIGHUP');
  await xgi.waitForLine(/Reloaded: 1 new worker\(s\)/);
  assert.equal(readlinkSync(`/proc/${xgi.pid}/fd/3`), inode, 'the same socket on fd 3 after the reload');
  assert.deepEqual(listeningSocket(xgi.pid, port), { inode: Number(/\d+/.exec(inode)[0]), fds: [3] }, 'the only one listening on the port');
  // New connections (not a kept-alive one from before the reload) reach the new worker.
  for (let i = 0; i < 3; i++) {
    const res = await freshGet(port, '/pid');
    assert.equal(res.status, 200);
    assert.notEqual(Number(res.body), old, 'a new worker answers');
  }
  for (const name of ['LISTEN_FDS', 'LISTEN_PID']) {
    assert.equal((await xgi.get(`/env?name=${name}`)).text, '<unset>', `the workers do not see ${name}`);
  }
});

test('-b fd://3: an inherited socket given on the command line', async (t) => {
  const xgi = await startWithSocket(t, 'plain', ['wsgi:app', '--pythonpath', APP, '-b', 'fd://3']);
  await xgi.waitForLine(/Booting worker with pid: (\d+)/);
  assert.equal((await xgi.get('/')).text, 'ok');
});
