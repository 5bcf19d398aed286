// Recycling under a real load (issue 4): --max-requests (+ jitter),
// --max-worker-lifetime (+ jitter) and --max-worker-memory replace one worker
// at a time, the replacement READY before the old one stops taking requests,
// and not one request fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, isAlive, startXgi } from '../helpers/start-xgi.js';
import { describeFailures, startLoad, summarize } from '../helpers/load.js';
import { waitUntil } from '../helpers/processes.js';

const APP = APPS + 'supervision';

/** Every "Recycling worker" line: [pid, why]. */
function recycles(xgi) {
  return [...xgi.stderr.matchAll(/Recycling worker \(pid:(\d+)\): (.*)/g)].map((m) => [Number(m[1]), m[2]]);
}

test('--max-requests with jitter: workers are replaced one at a time, no request fails', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2', '--max-requests', '100',
    '--max-requests-jitter', '20'], { workers: 2 });
  const first = xgi.workerPids();
  const load = startLoad(xgi, { concurrency: 4, durationMs: 15_000 });
  await waitUntil(() => recycles(xgi).length >= 4, 15_000, 'four recycles');
  const { total, failed, pids } = summarize(await load.stop());
  assert.deepEqual(failed, [], describeFailures(failed) + '\n' + xgi.stderr);
  const lines = recycles(xgi);

  assert.ok(lines.length >= 3, `${total} requests, ${lines.length} recycles:\n${xgi.stderr}`);
  for (const [, why] of lines) {
    const served = Number(/served (\d+) requests \(--max-requests\)/.exec(why)?.[1]);
    // At least N (+ its jitter); more when it had to wait its turn behind another recycle.
    assert.ok(served >= 100 && served < 400, why);
  }
  assert.ok(pids.size > 2, 'the replacements served');
  for (const pid of first) assert.equal(isAlive(pid), false, `the first worker ${pid} was retired`);
  // Each retired worker finished its requests and exited by itself.
  for (const [pid] of lines.slice(0, -1)) await xgi.waitForLine(new RegExp(`Worker \\(pid:${pid}\\) exited with code 0`), 5000);
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
