// --preload (issue 4): the app is imported once, in a zygote that forks the
// workers. A forked worker that dies is replaced by a new fork; a zygote
// that dies takes its workers with it and is restarted with them; SIGHUP
// starts a new zygote whose workers take over before the old ones retire;
// and nothing outlives the master, not even after SIGKILL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, isAlive, runXgi, startXgi } from '../helpers/start-xgi.js';
import { describeFailures, startLoad, summarize } from '../helpers/load.js';
import { descendants, parentOf, waitUntil } from '../helpers/processes.js';

const APP = APPS + 'supervision';

async function startPreloaded(t, extra = []) {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--preload', '-w', '2', ...extra], { workers: 2 });
  const zygote = Number((await xgi.waitForLine(/Booting zygote with pid: (\d+)/))[1]);
  return { xgi, zygote };
}

test('the app is imported once, in the zygote; the workers are its forks', async (t) => {
  const { xgi, zygote } = await startPreloaded(t);
  const answers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => xgi.get('/imported')));
  for (const { text } of answers) {
    const [importedIn, servedBy] = text.split(' ').map(Number);
    assert.equal(importedIn, zygote, 'imported in the zygote');
    assert.notEqual(servedBy, zygote);
  }
  for (const pid of xgi.workerPids()) assert.equal(parentOf(pid), zygote, `worker ${pid} is a fork of the zygote`);
  assert.equal(parentOf(zygote), xgi.pid);
});

test('kill -9 of a forked worker under load: only what it had started fails; a new fork replaces it', async (t) => {
  const { xgi, zygote } = await startPreloaded(t);
  const [victim, other] = xgi.workerPids();
  const load = startLoad(xgi, { concurrency: 6, durationMs: 3000, pathFor: (token) => `/echo?token=${token}&ms=10` });
  await waitUntil(() => load.results.some((r) => r.pid === victim), 5000, 'the victim to serve');
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');
  await xgi.waitForLine(new RegExp(`Worker \\(pid:${victim}\\) was killed by SIGKILL`));
  const replacement = Number((await xgi.waitForLine(/Booting worker with pid: (\d+)/, 5000, 2))[1]);
  assert.equal(parentOf(replacement), zygote, 'forked by the same zygote');
  const { failed, pids } = summarize(await load.done);
  // A fork runs the same single-threaded loop as a spawned worker: at most the one request it was running fails (crash.test.js says why).
  assert.ok(failed.length <= 1, `${failed.length} failed:\n${describeFailures(failed)}`);
  for (const r of failed) {
    assert.ok(r.status === 502 || r.error === 'aborted', describeFailures([r]));
    assert.ok(r.sentAt <= killedAt + 50 && r.doneAt >= killedAt, 'only a request in flight at the kill failed');
  }
  assert.deepEqual([...pids].sort(), [victim, other, replacement].sort());
  assert.ok(load.results.find((r) => r.pid === replacement).doneAt - killedAt < 1000, 'replaced within a second');
});

test('kill -9 of the zygote: its workers die with it; a new zygote and workers take over', async (t) => {
  const { xgi, zygote } = await startPreloaded(t);
  const workers = xgi.workerPids();
  await xgi.get('/');
  process.kill(zygote, 'SIGKILL');
  await xgi.waitForLine(new RegExp(`Zygote \\(pid:${zygote}\\) was killed by SIGKILL; its workers died with it`));
  const second = Number((await xgi.waitForLine(/Booting zygote with pid: (\d+)/, 5000, 1))[1]);
  await waitUntil(async () => {
    const [importedIn] = (await xgi.get('/imported')).text.split(' ').map(Number);
    return importedIn === second;
  }, 5000, 'the new zygote\'s workers to serve');
  for (const pid of [zygote, ...workers]) assert.equal(isAlive(pid), false, `${pid} is gone`);
  assert.equal(descendants(xgi.pid).length, 3, 'a zygote and two workers');
});

test('SIGHUP with --preload under load: a new zygote, no failed request, the old zygote exits', async (t) => {
  const { xgi, zygote } = await startPreloaded(t);
  const load = startLoad(xgi, { concurrency: 6, durationMs: 15_000 });
  await waitUntil(() => load.results.length > 50, 5000, 'the load to run');
  xgi.signal('SIGHUP');
  const second = Number((await xgi.waitForLine(/Booting zygote with pid: (\d+)/, 5000, 1))[1]);
  await xgi.waitForLine(/Reloaded: 2 new worker\(s\)/);
  await xgi.waitForLine(new RegExp(`Zygote \\(pid:${zygote}\\) exited with code 0`), 5000);
  const { failed } = summarize(await load.stop());
  assert.deepEqual(failed, [], describeFailures(failed));
  for (const pid of xgi.workerPids().slice(-2)) assert.equal(parentOf(pid), second);
  assert.equal(descendants(xgi.pid).length, 3);
});

test('--preload with an app that cannot be imported stops xgi with the error, exit 4', async () => {
  const { code, stderr } = await runXgi(['wsgi:app', '--pythonpath', APPS + 'startup_import_error', '--preload', '-b', '127.0.0.1:0']);
  assert.equal(code, 4, stderr);
  assert.match(stderr, /Error: Failed to import 'wsgi'/);
});
