// --threads and -w: requests that block run side by side, and the environ
// says so (wsgi.multithread, wsgi.multiprocess). The 1.0 s bound for four
// 0.3 s requests is behaviour (they overlap), not a benchmark: run one after
// another they need 1.2 s.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi } from '../../helpers/start-xgi.js';

const CONCURRENCY = ['wsgi:app', '--pythonpath', APPS + 'concurrency'];

async function json(xgi, path) {
  const response = await xgi.request(path);
  assert.equal(response.status, 200, response.text);
  return JSON.parse(response.text);
}

describe('concurrency', { concurrency: true }, () => {
  test('--threads 4: four sleeping requests overlap; wsgi.multithread is True', async (t) => {
    const xgi = await startXgi(t, [...CONCURRENCY, '--threads', '4']);
    await json(xgi, '/?sleep=0'); // warm: the worker has served once
    const started = performance.now();
    const results = await Promise.all([1, 2, 3, 4].map((i) => json(xgi, `/slow/${i}`)));
    const elapsedMs = performance.now() - started;
    assert.ok(elapsedMs < 1000, `four 0.3 s requests took ${elapsedMs.toFixed(0)} ms: they did not run concurrently`);
    for (const result of results) {
      assert.equal(result.multithread, true);
      assert.equal(result.multiprocess, false);
      assert.equal(result.run_once, false);
    }
    assert.equal(new Set(results.map((r) => r.pid)).size, 1, 'one worker process served all four');
  });

  test('-w 2: wsgi.multiprocess is True and both workers serve', async (t) => {
    const xgi = await startXgi(t, [...CONCURRENCY, '-w', '2'], { workers: 2 });
    // Warm up: "Booting worker" is logged at spawn, before the app is imported.
    await Promise.all([1, 2].map((i) => json(xgi, `/warm/${i}`)));
    const started = performance.now();
    const results = await Promise.all([1, 2].map((i) => json(xgi, `/slow/${i}`)));
    const elapsedMs = performance.now() - started; // one after another: >= 600 ms
    for (const result of results) {
      assert.equal(result.multiprocess, true);
      assert.equal(result.multithread, false);
    }
    const pids = xgi.workerPids();
    assert.equal(pids.length, 2);
    assert.deepEqual(new Set(results.map((r) => r.pid)), new Set(pids), 'each worker took one of the two requests');
    assert.ok(elapsedMs < 600, `two 0.3 s requests on two workers took ${elapsedMs.toFixed(0)} ms`);
  });
});
