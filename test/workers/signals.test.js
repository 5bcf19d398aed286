// Signals on the master (issue 4), sent for real: SIGTTIN/SIGTTOU add and
// remove a worker under load without a failed request; SIGQUIT stops at once
// under load, cutting what is in flight; SIGTERM and SIGINT drain the load
// within --graceful-timeout and then kill; SIGUSR1
// reopens the log file (logrotate). Every one exits 0 with no worker left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { APPS, RunningXgi, XGI, isAlive, startXgi } from '../helpers/start-xgi.js';
import { bootedAndServing, describeFailures, startLoad, summarize } from '../helpers/load.js';
import { descendants, sleep, waitUntil } from '../helpers/processes.js';

const APP = APPS + 'supervision';

test('SIGTTIN adds a worker, SIGTTOU retires one, under load with no failed request', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2'], { workers: 2 });
  const load = startLoad(xgi, { concurrency: 6, durationMs: 15_000 });
  await waitUntil(() => summarize(load.results).pids.size === 2, 5000, 'both workers to serve');
  xgi.signal('SIGTTIN');
  const added = await bootedAndServing(xgi, load, 2);
  assert.equal(descendants(xgi.pid).length, 3);
  xgi.signal('SIGTTOU');
  const retired = Number((await xgi.waitForLine(/Worker \(pid:(\d+)\) exited with code 0/, 5000))[1]);
  // gunicorn's manage_workers: the oldest goes.
  const [oldest, second] = xgi.workerPids();
  assert.equal(retired, oldest, 'SIGTTOU retired the oldest worker');
  const { total, failed, pids } = summarize(await load.stop());
  assert.deepEqual(failed, [], describeFailures(failed));
  assert.deepEqual([...pids].sort(), [oldest, second, added].sort(), `${total} requests`);
  assert.match(xgi.stderr, /Handling signal: ttin[\s\S]*Handling signal: ttou/);
  assert.equal(isAlive(retired), false);
  assert.deepEqual(descendants(xgi.pid).sort(), [second, added].sort());
});

test('SIGQUIT under load: fast shutdown, the requests in flight are cut, exit 0, no worker left', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2'], { workers: 2 });
  await xgi.get('/');
  const pids = descendants(xgi.pid);
  // Sent while both workers are idle, it runs at once on one of them; the load shares the other.
  const hung = xgi.get('/hang?s=20').then((r) => `answered ${r.status}`, () => 'cut');
  await sleep(100);
  const load = startLoad(xgi, { concurrency: 4, durationMs: 10_000, pathFor: (token) => `/echo?token=${token}&ms=100` });
  await waitUntil(() => load.results.length >= 8, 5000, 'the load to run');
  const started = Date.now();
  xgi.signal('SIGQUIT');
  const results = load.stop();
  assert.deepEqual(await xgi.exit, { code: 0, signal: null });
  assert.ok(Date.now() - started < 2000, 'at once');
  assert.equal(await hung, 'cut');
  // Up to the signal every request succeeded. At the signal, one waiting in
  // the front's queue gets 503, one a worker runs is cut (or gets 502 if its
  // worker's death is seen first), a new one is refused: none is answered
  // anything else, and none waits for its worker to finish.
  const outcomes = await results;
  for (const r of outcomes) {
    if (r.status === 200 && r.isRightBody) continue;
    assert.ok([0, 502, 503].includes(r.status), describeFailures([r]));
    assert.ok(r.doneAt >= started, `failed before the signal: ${describeFailures([r])}`);
    assert.ok(r.doneAt < started + 2000, 'at once');
  }
  assert.ok(outcomes.some((r) => r.status !== 200 && r.sentAt < started), 'a load request in flight at the signal failed');
  assert.match(xgi.stderr, /Handling signal: quit/);
  for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal} under load: the requests in flight finish, one longer than --graceful-timeout is cut when it expires; exit 0, no worker left`, async (t) => {
    const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2', '--graceful-timeout', '1'], { workers: 2 });
    const load = startLoad(xgi, { concurrency: 4, durationMs: 10_000, pathFor: (token) => `/echo?token=${token}&ms=50` });
    await waitUntil(() => summarize(load.results).pids.size === 2, 5000, 'both workers to serve');
    await waitUntil(() => load.results.length >= 10, 10_000, 'ten load requests answered'); // a slow machine too
    const pids = descendants(xgi.pid);
    const short = xgi.get('/hang?s=0.3');
    const long = xgi.get('/hang?s=20').then(() => 'answered', () => 'cut');
    await sleep(100);
    // No request is sent from here on: the load's last ones reach xgi before the signal.
    const results = load.stop();
    await sleep(50);
    const started = Date.now();
    xgi.signal(signal);
    assert.equal((await short).text, 'woke up', 'the short one finished');
    assert.deepEqual(await xgi.exit, { code: 0, signal: null });
    const ms = Date.now() - started;
    assert.ok(ms >= 900 && ms < 2500, `exited ${ms} ms after ${signal}, --graceful-timeout 1`);
    assert.equal(await long, 'cut');
    // The load's requests in flight at the signal were answered, by the worker that was not stuck.
    const { total, failed } = summarize(await results);
    assert.deepEqual(failed, [], describeFailures(failed));
    assert.ok(total > 8, `the load ran (${total} requests)`);
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
