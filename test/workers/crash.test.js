// Crashes under a real load (issue 4): a worker killed with SIGKILL costs
// only the requests it had started (502); the ones it had been sent but never
// started go to another worker (the started mark); a replacement serves
// within a second; and after a successful start, a worker that keeps dying at
// boot is restarted with exponential back-off, each attempt logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS, isAlive, startXgi } from '../helpers/start-xgi.js';
import { hasResponses, openRaw, parseResponses } from '../helpers/raw-http.js';
import { describeFailures, startLoad, summarize } from '../helpers/load.js';
import { descendants, waitUntil } from '../helpers/processes.js';

const APP = APPS + 'supervision';
const MAX_IN_FLIGHT = 16;

test('kill -9 of one worker of four under load: at most its requests in flight fail, with 502', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '4'], { workers: 4 });
  const before = xgi.workerPids();
  const load = startLoad(xgi, { concurrency: 8, durationMs: 3500, pathFor: (token) => `/echo?token=${token}&ms=10` });
  await waitUntil(() => before.every((pid) => load.results.some((r) => r.pid === pid)), 5000, 'all four workers to serve');
  const victim = before[1];
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');
  await xgi.waitForLine(new RegExp(`Worker \\(pid:${victim}\\) was killed by SIGKILL`));
  const replacement = Number((await xgi.waitForLine(/Booting worker with pid: (\d+)/, 5000, 4))[1]);
  await waitUntil(() => load.results.some((r) => r.pid === replacement), 3000, 'the replacement to serve');
  const firstServed = load.results.find((r) => r.pid === replacement);
  assert.ok(firstServed.doneAt - killedAt < 1000, `the replacement served ${firstServed.doneAt - killedAt} ms after the kill`);

  const { total, failed, pids } = summarize(await load.done);
  assert.ok(total > 200, `the load ran (${total} requests)`);
  assert.ok(failed.length <= MAX_IN_FLIGHT, `${failed.length} failed:\n${describeFailures(failed)}`);
  for (const r of failed) {
    // 502, or, for a response whose head had already gone out (the app's
    // iterable sends its first block before the end: PEP 3333 forbids holding
    // it back), the connection cut mid-body (docs/supervision.md).
    assert.ok(r.status === 502 || r.error === 'aborted', describeFailures([r]));
    assert.ok(r.sentAt <= killedAt + 50 && r.doneAt >= killedAt, 'only requests in flight at the kill failed');
  }
  assert.deepEqual([...pids].sort(), [...before, replacement].sort(), 'the three others served throughout, then the replacement');
  for (const r of load.results.filter((x) => x.pid === victim)) assert.ok(r.doneAt <= killedAt + 50, 'the victim served nothing after');
  for (const pid of before) assert.equal(isAlive(pid), pid !== victim, `worker ${pid}`);
  const everyone = [...before, replacement];
  await xgi.kill();
  for (const pid of everyone) assert.equal(isAlive(pid), false, `worker ${pid} is gone`);
});

// Whether the three reach the worker before it dies (and come back through the
// started mark) or wait in the front's queue depends on timing; either way
// they must be served by the replacement. worker.test.js drives the started
// mark itself, deterministically.
test('a dying worker: the request it ran gets 502, the ones sent with it are served by another worker', async (t) => {
  // OWN_ALARM switches off the worker's stall guard, so requests wait inside the worker.
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-e', 'OWN_ALARM=1']);
  const first = Number((await xgi.get('/pid')).text);
  const conns = await Promise.all([0, 1, 2, 3].map(() => openRaw(xgi.port)));
  const host = `Host: 127.0.0.1:${xgi.port}\r\n`;
  // Written in one turn: the four reach the front, and then the worker, together
  // (bodiless requests are dispatched in the turn they arrive in).
  conns[0].write(`GET /crash?ms=300 HTTP/1.1\r\n${host}\r\n`);
  for (const [i, token] of [[1, 'b'], [2, 'c'], [3, 'd']]) conns[i].write(`GET /echo?token=${token} HTTP/1.1\r\n${host}\r\n`);
  const [crashed, b, c, d] = (await Promise.all(conns.map((conn) => conn.waitFor(hasResponses(1), 10_000))))
    .map((bytes) => parseResponses(bytes)[0]);
  assert.equal(crashed.status, 502);
  const second = Number((await xgi.get('/pid')).text);
  assert.notEqual(second, first);
  assert.deepEqual([b, c, d].map((r) => [r.status, r.body.toString()]),
    [[200, `b ${second}`], [200, `c ${second}`], [200, `d ${second}`]]);
  for (const conn of conns) conn.destroy();
});

test('after a successful start, a worker that keeps dying at boot is restarted with back-off', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-backoff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flag = join(dir, 'broken');
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2', '-e', `FAIL_IF_EXISTS=${flag}`], { workers: 2 });
  const [victim, survivor] = xgi.workerPids();
  await xgi.get('/');
  writeFileSync(flag, 'the app is broken on disk now');
  process.kill(victim, 'SIGKILL');
  // Each boot fails with the app's error; the delay doubles: 0.1 s, 0.2 s, 0.4 s, ...
  const delays = [];
  for (let i = 0; i < 4; i++) {
    const line = await xgi.waitForLine(/exited with code 4 during boot; next boot in ([\d.]+)s \((\d+) in a row\)/, 10_000, i);
    delays.push(Number(line[1]));
    assert.equal(Number(line[2]), i + 1);
  }
  assert.deepEqual(delays, [0.1, 0.2, 0.4, 0.8]);
  assert.match(xgi.stderr, /RuntimeError: FAIL_IF_EXISTS/);
  // The survivor serves meanwhile; once the app is fixed, the next boot succeeds.
  for (let i = 0; i < 5; i++) assert.equal(Number((await xgi.get('/pid')).text), survivor);
  rmSync(flag);
  const booted = xgi.workerPids().length;
  await waitUntil(async () => (await Promise.all([0, 1, 2, 3].map(() => xgi.get('/pid'))))
    .some((r) => Number(r.text) !== survivor), 10_000, 'a new worker to serve');
  assert.ok(xgi.workerPids().length >= booted);
  assert.equal(isAlive(victim), false);
  assert.equal(descendants(xgi.pid).length, 2, 'two workers, nothing else');
});
