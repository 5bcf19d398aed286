// Signals on the master (issue 4), sent for real: SIGTTIN/SIGTTOU add and
// remove a worker under load without a failed request; SIGQUIT stops at once;
// SIGTERM and SIGINT drain within --graceful-timeout and then kill; SIGUSR1
// reopens the log file (logrotate). Every one exits 0 with no worker left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { APPS, RunningXgi, XGI, isAlive, startXgi } from '../helpers/start-xgi.js';
import { describeFailures, startLoad, summarize } from '../helpers/load.js';
import { descendants, sleep, waitUntil } from '../helpers/processes.js';

const APP = APPS + 'supervision';

test('SIGTTIN adds a worker, SIGTTOU retires one, under load with no failed request', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2'], { workers: 2 });
  const load = startLoad(xgi, { concurrency: 6, durationMs: 15_000 });
  await waitUntil(() => summarize(load.results).pids.size === 2, 5000, 'both workers to serve');
  xgi.signal('SIGTTIN');
  const added = Number((await xgi.waitForLine(/Booting worker with pid: (\d+)/, 5000, 2))[1]);
  await waitUntil(() => load.results.some((r) => r.pid === added), 5000, 'the third worker to serve');
  assert.equal(descendants(xgi.pid).length, 3);
  xgi.signal('SIGTTOU');
  const retired = Number((await xgi.waitForLine(/Worker \(pid:(\d+)\) exited with code 0/, 5000))[1]);
  assert.ok(xgi.workerPids().includes(retired));
  const { total, failed, pids } = summarize(await load.stop());
  assert.deepEqual(failed, [], describeFailures(failed));
  assert.equal(pids.size, 3, `${total} requests`);
  assert.match(xgi.stderr, /Handling signal: ttin[\s\S]*Handling signal: ttou/);
  assert.equal(descendants(xgi.pid).length, 2);
});

test('SIGQUIT: fast shutdown, the request in flight is cut, exit 0, no worker left', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2'], { workers: 2 });
  await xgi.get('/');
  const pids = descendants(xgi.pid);
  const hung = xgi.get('/hang?s=20').then(() => 'answered', () => 'cut');
  await sleep(200);
  const started = Date.now();
  xgi.signal('SIGQUIT');
  assert.deepEqual(await xgi.exit, { code: 0, signal: null });
  assert.ok(Date.now() - started < 2000, 'at once');
  assert.equal(await hung, 'cut');
  assert.match(xgi.stderr, /Handling signal: quit/);
  for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal}: a request longer than --graceful-timeout is cut when it expires; exit 0, no worker left`, async (t) => {
    const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--graceful-timeout', '1']);
    await xgi.get('/');
    const pids = descendants(xgi.pid);
    const short = xgi.get('/hang?s=0.3');
    const long = xgi.get('/hang?s=20').then(() => 'answered', () => 'cut');
    await sleep(100);
    const started = Date.now();
    xgi.signal(signal);
    assert.equal((await short).text, 'woke up', 'the short one finished');
    assert.deepEqual(await xgi.exit, { code: 0, signal: null });
    const ms = Date.now() - started;
    assert.ok(ms >= 900 && ms < 2500, `exited ${ms} ms after ${signal}, --graceful-timeout 1`);
    assert.equal(await long, 'cut');
    for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid}`);
  });
}

test('SIGUSR1 reopens the error log (logrotate)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-usr1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logfile = join(dir, 'error.log');
  // Its lines go to the file, not stderr: wait on the file.
  const xgi = new RunningXgi(spawn(process.execPath, [XGI, 'wsgi:app', '--pythonpath', APP, '--error-logfile', logfile,
    '-b', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  t.after(() => xgi.kill());
  await waitUntil(() => existsSync(logfile) && readFileSync(logfile, 'utf8').includes('Booting worker'), 5000, 'the log');
  renameSync(logfile, `${logfile}.1`);
  xgi.signal('SIGUSR1');
  await waitUntil(() => existsSync(logfile), 5000, 'a new log file');
  xgi.signal('SIGTTIN'); // something to log
  await waitUntil(() => readFileSync(logfile, 'utf8').includes('Booting worker'), 5000, 'the new line in the new file');
  assert.match(readFileSync(`${logfile}.1`, 'utf8'), /Handling signal: usr1/);
});
