// The guard that makes several requests in flight per worker safe for
// blocking apps (DESIGN.md): a fast request never waits behind a slow one.
// The front stops feeding a worker whose request runs long, and the worker
// hands back the requests it holds but has not started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi } from '../helpers/start-xgi.js';

const SLOW_MS = 500;

async function timed(xgi, path) {
  const started = performance.now();
  const res = await xgi.get(path);
  return { status: res.status, pid: Number(res.text), ms: performance.now() - started };
}

/**
 * Start /slow-stream and resolve once its first chunk (the worker's pid) is
 * in: from then on that worker is inside the slow request for ~SLOW_MS.
 */
async function startSlow(xgi) {
  const started = performance.now();
  const res = await fetch(xgi.url + '/slow-stream');
  const reader = res.body.getReader();
  const first = await reader.read();
  const pid = Number.parseInt(Buffer.from(first.value).toString(), 10);
  const done = (async () => {
    while (!(await reader.read()).done);
    return performance.now() - started;
  })();
  return { status: res.status, pid, done };
}

test('fast requests sent behind a slow one do not wait for it', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'head_of_line', '-w', '2'], { workers: 2 });
  // Both workers up and warm.
  await Promise.all(Array.from({ length: 8 }, () => xgi.get('/')));
  for (let round = 0; round < 3; round++) {
    const slow = await startSlow(xgi);
    assert.equal(slow.status, 200);
    assert.ok(xgi.workerPids().includes(slow.pid), `slow request answered by ${slow.pid}, not a worker`);
    const fast = await Promise.all(Array.from({ length: 24 }, () => timed(xgi, '/fast')));
    const slowMs = await slow.done;
    assert.ok(slowMs >= SLOW_MS);
    for (const r of fast) assert.equal(r.status, 200);
    const worst = Math.max(...fast.map((r) => r.ms));
    assert.ok(worst < SLOW_MS * 0.6, `round ${round}: a fast request took ${worst.toFixed(1)} ms behind a ${SLOW_MS} ms one`);
    // Every fast request was sent while the slow one ran on its single-threaded
    // worker, so that worker could have served one only after the slow request
    // ended: none may come from it (those the front sent there came back).
    const fromSlowWorker = fast.filter((r) => r.pid === slow.pid).length;
    assert.equal(fromSlowWorker, 0, `round ${round}: ${fromSlowWorker} fast requests were served by the busy worker`);
  }
});
