// Reload (issue 4): SIGHUP under a steady load loses nothing; new code is
// served once all new workers are READY; a bad new version keeps the old
// workers serving and says why; --reload follows the app's files and
// --reload-extra-file. 60 s of load with a SIGHUP every 5 s, as the issue asks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS, isAlive, startXgi } from '../helpers/start-xgi.js';
import { describeFailures, startLoad, summarize } from '../helpers/load.js';
import { descendants, listeningSocket, sleep, waitUntil } from '../helpers/processes.js';
import { freshGet } from '../helpers/raw-http.js';

const APP = APPS + 'supervision';
// The issue's own figures: 60 s of steady load, a SIGHUP every 5 s.
const LOAD_MS = 60_000;
const HUP_EVERY_MS = 5_000;
/** Fresh .py files each time: a stale .pyc with the same mtime and size would hide an edit. */
const NO_PYC = { PYTHONDONTWRITEBYTECODE: '1' };

/** An app in `dir` that answers "TOKEN PID VERSION". */
function writeApp(dir, version) {
  writeFileSync(join(dir, 'app.py'), [
    'import os',
    `VERSION = ${JSON.stringify(version)}`,
    'def app(environ, start_response):',
    "    token = environ['QUERY_STRING'].partition('token=')[2].partition('&')[0]",
    "    start_response('200 OK', [('Content-Type', 'text/plain')])",
    "    return [('%s %d %s' % (token, os.getpid(), VERSION)).encode()]",
    '',
  ].join('\n'));
}

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test(`${LOAD_MS / 1000} s of steady load with a SIGHUP every ${HUP_EVERY_MS / 1000} s: zero failed requests`, async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2'], { workers: 2 });
  const load = startLoad(xgi, { concurrency: 4, durationMs: LOAD_MS });
  let hups = 0;
  while (Date.now() + HUP_EVERY_MS < load.deadline) {
    await sleep(HUP_EVERY_MS);
    xgi.signal('SIGHUP');
    hups++;
    await xgi.waitForLine(/Reloaded: 2 new worker\(s\) serving/, 10_000, hups - 1);
  }
  const { total, failed, pids } = summarize(await load.done);
  assert.deepEqual(failed, [], describeFailures(failed));
  assert.ok(hups >= LOAD_MS / HUP_EVERY_MS - 2, `${hups} reloads`);
  assert.equal(xgi.workerPids().length, 2 * (hups + 1), 'two new workers per reload');
  assert.ok(pids.size >= 2 * hups, `${total} requests served by ${pids.size} workers`);
  const last = xgi.workerPids().slice(-2);
  await waitUntil(() => descendants(xgi.pid).length === 2, 5000, 'the old workers to exit');
  assert.deepEqual(descendants(xgi.pid).sort(), last.sort());
  for (const pid of xgi.workerPids().slice(0, -2)) assert.equal(isAlive(pid), false);
});

test('SIGHUP loads the new code; a broken new version keeps the old workers serving and logs why', async (t) => {
  const dir = tempDir(t);
  writeApp(dir, 'v1');
  const xgi = await startXgi(t, ['app:app', '--pythonpath', dir, '-w', '2'], { workers: 2, env: NO_PYC });
  const load = startLoad(xgi, { concurrency: 4, durationMs: 20_000 });
  const versionOf = (r) => r.body?.split(' ')[2];
  writeApp(dir, 'v2');
  xgi.signal('SIGHUP');
  await xgi.waitForLine(/Reloaded: 2 new worker\(s\)/);
  await waitUntil(() => load.results.some((r) => versionOf(r) === 'v2'), 5000, 'v2 to serve');
  const v2 = xgi.workerPids().slice(2);
  writeFileSync(join(dir, 'app.py'), 'raise RuntimeError("v3 is broken")\n');
  xgi.signal('SIGHUP');
  await xgi.waitForLine(/Reload failed: Failed to import 'app': RuntimeError: v3 is broken; the old workers keep serving/);
  const failedAt = load.results.length;
  await sleep(300);
  const { failed } = summarize(await load.stop());
  assert.deepEqual(failed, [], describeFailures(failed));
  const after = load.results.slice(failedAt);
  assert.ok(after.length > 0 && after.every((r) => versionOf(r) === 'v2' && v2.includes(r.pid)), 'v2 serves on');
  assert.match(xgi.stderr, /Traceback[\s\S]*RuntimeError: v3 is broken/);
  assert.deepEqual(descendants(xgi.pid).sort(), v2.sort(), 'the broken workers are gone');
});

test('--reload under load: a change to the app file or to a --reload-extra-file reloads the workers, no request fails', async (t) => {
  const dir = tempDir(t);
  writeApp(dir, 'v1');
  const extra = join(dir, 'settings.txt');
  writeFileSync(extra, 'one');
  const xgi = await startXgi(t, ['app:app', '--pythonpath', dir, '--reload', '--reload-extra-file', extra], { env: NO_PYC });
  const [first] = xgi.workerPids();
  const load = startLoad(xgi, { concurrency: 3, durationMs: 15_000 });
  const versionOf = (r) => r.body?.split(' ')[2];
  await waitUntil(() => load.results.some((r) => versionOf(r) === 'v1'), 5000, 'v1 to serve');
  writeApp(dir, 'v2');
  await xgi.waitForLine(new RegExp(`Worker reloading: ${join(dir, 'app.py')} modified`), 5000);
  await waitUntil(() => load.results.some((r) => versionOf(r) === 'v2'), 5000, 'v2 to serve');
  const second = xgi.workerPids()[1];
  writeFileSync(extra, 'two');
  await xgi.waitForLine(new RegExp(`Worker reloading: ${extra} modified`), 5000);
  await xgi.waitForLine(/Reloaded: 1 new worker\(s\)/, 5000, 1);
  const third = xgi.workerPids()[2];
  await waitUntil(() => load.results.some((r) => r.pid === third), 5000, 'the third worker to serve');
  const { total, failed } = summarize(await load.stop());
  assert.deepEqual(failed, [], describeFailures(failed));
  assert.equal(xgi.workerPids().length, 3);
  // v1 from the first worker until v2 served; then only v2, from the second, then the third.
  const firstV2 = Math.min(...load.results.filter((r) => versionOf(r) === 'v2').map((r) => r.doneAt));
  for (const r of load.results) {
    assert.equal(versionOf(r), r.pid === first ? 'v1' : 'v2', `${r.body} (${total} requests)`);
    if (versionOf(r) === 'v1') assert.ok(r.sentAt < firstV2, 'no v1 answer to a request sent after a v2 answer');
  }
  assert.deepEqual(new Set(load.results.map((r) => r.pid)), new Set([first, second, third]));
  await waitUntil(() => descendants(xgi.pid).length === 1, 5000, 'the old workers to exit');
  assert.deepEqual(descendants(xgi.pid), [third]);
  for (const pid of [first, second]) assert.equal(isAlive(pid), false);
});

test('SIGHUP keeps the listening socket of a -b 127.0.0.1:PORT bind: same inode, fresh connections served', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP]);
  const before = listeningSocket(xgi.pid, xgi.port);
  assert.equal(before?.fds.length, 1, `xgi holds the one listening socket: ${JSON.stringify(before)}`);
  const old = Number((await freshGet(xgi.port, '/pid')).body);
  xgi.signal('SIGHUP');
  await xgi.waitForLine(/Reloaded: 1 new worker\(s\)/);
  assert.deepEqual(listeningSocket(xgi.pid, xgi.port), before, 'the same socket, on the same fd');
  for (let i = 0; i < 3; i++) {
    const res = await freshGet(xgi.port, '/pid');
    assert.equal(res.status, 200);
    assert.notEqual(Number(res.body), old, 'a new worker answers on a new connection');
  }
});

test('SIGHUP with a configuration that no longer checks out: the old workers keep serving', async (t) => {
  const dir = tempDir(t);
  const chdir = join(dir, 'gone-soon');
  mkdirSync(chdir);
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--chdir', chdir]);
  const pid = Number((await xgi.get('/pid')).text);
  rmSync(chdir, { recursive: true });
  xgi.signal('SIGHUP');
  await xgi.waitForLine(/Reload failed: the configuration is not valid; the old workers keep serving/);
  assert.match(xgi.stderr, /config: --chdir: ".*gone-soon" does not exist/);
  assert.equal(Number((await xgi.get('/pid')).text), pid);
});

test('SIGHUP: an old worker still busy after --graceful-timeout is killed; its request gets 502', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--graceful-timeout', '1']);
  const old = Number((await xgi.get('/pid')).text);
  const stuck = xgi.get('/hang?s=20');
  await sleep(200);
  xgi.signal('SIGHUP');
  await xgi.waitForLine(/Reloaded: 1 new worker\(s\)/);
  const started = Date.now();
  const res = await stuck;
  assert.equal(res.status, 502);
  assert.ok(Date.now() - started < 2500, 'killed about --graceful-timeout after it was retired');
  await xgi.waitForLine(new RegExp(`Worker \\(pid:${old}\\) was killed by SIGKILL`));
  assert.notEqual(Number((await xgi.get('/pid')).text), old);
});
