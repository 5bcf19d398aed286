// -p/--pid FILE (issue 4, gunicorn's pidfile): written at start with the
// master's pid, removed at exit; a stale file is replaced; a file naming a
// live process stops xgi before it binds anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS, runXgi, startXgi } from './helpers/start-xgi.js';

const APP = APPS + 'supervision';

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-pid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--pid: the file holds the master pid while it runs and is removed at exit', async (t) => {
  const pidfile = join(tempDir(t), 'xgi.pid');
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--pid', pidfile]);
  assert.equal(readFileSync(pidfile, 'utf8'), `${xgi.pid}\n`);
  xgi.signal('SIGTERM');
  assert.equal((await xgi.exit).code, 0);
  assert.equal(existsSync(pidfile), false);
});

test('--pid: a stale file (its process is gone) is replaced', async (t) => {
  const pidfile = join(tempDir(t), 'xgi.pid');
  writeFileSync(pidfile, '2147483\n'); // above pid_max on Linux: no such process
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-p', pidfile]);
  assert.equal(readFileSync(pidfile, 'utf8'), `${xgi.pid}\n`);
});

test('--pid: a file naming a running process stops xgi with exit 1, and is left alone', async (t) => {
  const pidfile = join(tempDir(t), 'xgi.pid');
  writeFileSync(pidfile, `${process.pid}\n`);
  const { code, stderr } = await runXgi(['wsgi:app', '--pythonpath', APP, '--pid', pidfile, '-b', '127.0.0.1:0']);
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`Error: Already running on PID ${process.pid} \\(or pid file '${pidfile}' is stale\\)`));
  assert.equal(readFileSync(pidfile, 'utf8'), `${process.pid}\n`);
});
