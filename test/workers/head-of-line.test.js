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

test('fast requests sent behind a slow one do not wait for it', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'head_of_line', '-w', '2']);
  // Both workers up and warm.
  await Promise.all(Array.from({ length: 8 }, () => xgi.get('/')));
  for (let round = 0; round < 3; round++) {
    const slow = timed(xgi, '/slow');
    const fast = await Promise.all(Array.from({ length: 24 }, () => timed(xgi, '/fast')));
    const { pid: slowPid, ms: slowMs } = await slow;
    assert.ok(slowMs >= SLOW_MS);
    for (const r of fast) assert.equal(r.status, 200);
    const worst = Math.max(...fast.map((r) => r.ms));
    assert.ok(worst < SLOW_MS * 0.6, `round ${round}: a fast request took ${worst.toFixed(1)} ms behind a ${SLOW_MS} ms one`);
    // Some fast requests did go to the slow request's worker before or after it.
    assert.ok(fast.some((r) => r.pid !== slowPid));
  }
});
