// Recycling under a real load (issue 4): --max-requests (+ jitter),
// --max-worker-lifetime (+ jitter) and --max-worker-memory replace one worker
// at a time, the replacement READY before the old one stops taking requests,
// and not one request fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, isAlive, startXgi } from '../helpers/start-xgi.js';
import { describeFailures, startLoad, summarize } from '../helpers/load.js';
import { descendants, parentOf, waitUntil } from '../helpers/processes.js';

const APP = APPS + 'supervision';

/**
 * Sample the worker processes (xgi's children; a booting one may have
 * children of its own, e.g. a pyenv shim's) every 20 ms until stop(): the
 * most seen at once, and every pid seen.
 */
function sampleWorkers(xgi) {
  let most = 0;
  const seen = new Set();
  const samples = [];
  const timer = setInterval(() => {
    const pids = descendants(xgi.pid).filter((pid) => parentOf(pid) === xgi.pid);
    most = Math.max(most, pids.length);
    for (const pid of pids) seen.add(pid);
    samples.push({ at: Date.now(), pids });
  }, 20);
  return { stop: () => { clearInterval(timer); return { most, seen, samples }; } };
}

/**
 * Replacements (workers not in `first`) still booting at each sample: one
 * that answers no load request within GRACE_MS of a sample was not READY at
 * it, since a READY worker under a load of short requests gets one at once
 * (BOOT_SLEEP=1 makes each boot last well over GRACE_MS). The arbiter recycles one at a
 * time (#recycle returns while #due is set; #onReady clears it only once the
 * replacement is READY), so no sample may see two. `withOne` counts the
 * samples that saw one: the check saw boots at all.
 */
const GRACE_MS = 400;
function bootingAtOnce(samples, results, stoppedAt, first) {
  const firstServed = new Map();
  for (const r of results) {
    if (r.status === 200 && r.isRightBody) firstServed.set(r.pid, Math.min(firstServed.get(r.pid) ?? Infinity, r.doneAt));
  }
  let most = 0;
  let withOne = 0;
  for (const { at, pids } of samples) {
    if (at + GRACE_MS > stoppedAt) continue; // the load may have stopped before a new worker's first answer
    const booting = pids.filter((pid) => !first.includes(pid) && !((firstServed.get(pid) ?? Infinity) <= at + GRACE_MS));
    most = Math.max(most, booting.length);
    if (booting.length === 1) withOne += 1;
  }
  return { most, withOne };
}

/** Every "Recycling worker" line: [pid, why]. */
function recycles(xgi) {
  return [...xgi.stderr.matchAll(/Recycling worker \(pid:(\d+)\): (.*)/g)].map((m) => [Number(m[1]), m[2]]);
}

test('--max-requests with jitter: workers are replaced one at a time, no request fails', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2', '--max-requests', '100',
    '--max-requests-jitter', '20', '-e', 'BOOT_SLEEP=1'], { workers: 2 });
  const first = xgi.workerPids();
  const sampler = sampleWorkers(xgi);
  const load = startLoad(xgi, { concurrency: 4, durationMs: 15_000 });
  await waitUntil(() => recycles(xgi).length >= 4, 15_000, 'four recycles');
  const stoppedAt = Date.now();
  const results = await load.stop();
  const { total, failed, pids } = summarize(results);
  const { most, seen, samples } = sampler.stop();
  const booting = bootingAtOnce(samples, results, stoppedAt, first);
  assert.deepEqual(failed, [], describeFailures(failed) + '\n' + xgi.stderr);
  const lines = recycles(xgi);
  // One at a time: each recycle spawns one replacement, and the next recycle
  // waits until it serves. So never more than N + 1 live workers, plus, for a
  // moment, the retired one finishing its last request and exiting.
  const events = [...xgi.stderr.matchAll(/(Recycling|Booting) worker/g)].map((m) => m[1]).slice(2);
  assert.deepEqual(events.slice(0, 2 * lines.length), lines.flatMap(() => ['Recycling', 'Booting']), 'one replacement per recycle, one at a time');
  assert.ok(most <= 2 + 2, `${most} worker processes at once`);
  assert.ok(booting.most <= 1, `${booting.most} replacements booting at once:\n${xgi.stderr}`);
  assert.ok(booting.withOne > 0, 'the samples saw a replacement booting');
  for (const pid of seen) assert.ok(xgi.workerPids().includes(pid), `${pid} is a worker`);

  assert.ok(lines.length >= 3, `${total} requests, ${lines.length} recycles:\n${xgi.stderr}`);
  for (const [i, [, why]] of lines.entries()) {
    const served = Number(/served (\d+) requests \(--max-requests\)/.exec(why)?.[1]);
    // The first one had no other recycle to wait for: N plus its jitter, 0..20.
    // A later one may have served more while it waited its turn behind another.
    if (i === 0) assert.ok(served >= 100 && served <= 120, why);
    else assert.ok(served >= 100 && served < 400, why);
  }
  assert.ok(pids.size > 2, 'the replacements served');
  for (const pid of first) assert.equal(isAlive(pid), false, `the first worker ${pid} was retired`);
  // Each retired worker finished its requests and exited by itself.
  for (const [pid] of lines.slice(0, -1)) await xgi.waitForLine(new RegExp(`Worker \\(pid:${pid}\\) exited with code 0`), 5000);
});

test('--max-requests-jitter end to end: each worker recycles after its own N + 0..jitter requests, one at a time', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--max-requests', '20', '--max-requests-jitter', '10']);
  const sampler = sampleWorkers(xgi);
  const load = startLoad(xgi, { concurrency: 3, durationMs: 15_000, pathFor: (token) => `/echo?token=${token}&ms=2` });
  await waitUntil(() => recycles(xgi).length >= 8, 15_000, 'eight recycles');
  const { total, failed, pids } = summarize(await load.stop());
  const { most, seen } = sampler.stop();
  assert.deepEqual(failed, [], describeFailures(failed));
  // With one worker no recycle waits for another: the count logged is the worker's own limit.
  const counts = recycles(xgi).map(([, why]) => Number(/served (\d+) requests \(--max-requests\)/.exec(why)?.[1]));
  for (const served of counts) assert.ok(served >= 20 && served <= 30, `${served} of ${counts}`);
  // The same count eight times in a row without jitter; with it, (1/11)^7.
  assert.ok(new Set(counts).size >= 2, `the limits differ: ${counts}`);
  assert.ok(pids.size >= 8, `${total} requests served by ${pids.size} workers`);
  assert.ok(most <= 1 + 2, `${most} worker processes at once`);
  for (const pid of seen) assert.ok(xgi.workerPids().includes(pid), `${pid} is a worker`);
});

test('--max-worker-lifetime with jitter: old workers are replaced, no request fails', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2', '--max-worker-lifetime', '1',
    '--max-worker-lifetime-jitter', '1'], { workers: 2 });
  const first = xgi.workerPids();
  const load = startLoad(xgi, { concurrency: 4, durationMs: 15_000 });
  await waitUntil(() => recycles(xgi).length >= 3, 15_000, 'three recycles');
  const { failed, pids } = summarize(await load.stop());
  assert.deepEqual(failed, [], describeFailures(failed) + '\n' + xgi.stderr);
  const lines = recycles(xgi);
  for (const [pid, why] of lines) {
    const seconds = Number(/has run (\d+)s \(--max-worker-lifetime\)/.exec(why)?.[1]);
    assert.ok(seconds >= 1 && seconds <= 4, why);
    assert.ok(pids.has(pid));
  }
  for (const pid of first) await waitUntil(() => !isAlive(pid), 5000, `the first worker ${pid} to retire`);
  assert.ok(pids.size >= 3, `${pids.size} workers served`);
});

test('--max-worker-memory: a worker whose RSS grew past it is replaced, no request fails', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--max-worker-memory', '64']);
  const [fat] = xgi.workerPids();
  const load = startLoad(xgi, { concurrency: 3, durationMs: 4000 });
  const grown = await xgi.get('/grow?mb=100');
  assert.equal(grown.text, `1 ${fat}`);
  const line = await xgi.waitForLine(new RegExp(`Recycling worker \\(pid:${fat}\\): RSS (\\d+) MiB is over --max-worker-memory 64`), 5000);
  assert.ok(Number(line[1]) > 100, line[0]);
  await waitUntil(() => !isAlive(fat), 5000, 'the fat worker to exit');
  const { failed, pids } = summarize(await load.done);
  assert.deepEqual(failed, [], describeFailures(failed));
  assert.equal(pids.size, 2, 'the fat worker, then its replacement');
  assert.equal(recycles(xgi).length, 1, 'the replacement is small: recycled once');
});
