// Load shedding (issue 4, mod_wsgi's queue-timeout): a request that waited
// --queue-timeout seconds for a worker gets 503; the queue holds at most
// --queue-limit requests, and one more gets 503 at once. The request the
// worker is busy with is not disturbed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi } from '../helpers/start-xgi.js';
import { describeFailures, startLoad, summarize } from '../helpers/load.js';
import { sleep } from '../helpers/processes.js';

const APP = APPS + 'supervision';

async function timed(xgi, path) {
  const started = Date.now();
  const res = await xgi.get(path);
  return { status: res.status, text: res.text, ms: Date.now() - started };
}

test('--queue-timeout under load: requests that waited that long for a worker get 503, every other one 200', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2', '--queue-timeout', '1'], { workers: 2 });
  const before = xgi.workerPids();
  await Promise.all([xgi.get('/'), xgi.get('/')]);
  // Both workers busy for 2.5 s, from idle (each takes one at once): what
  // arrives meanwhile waits, and after 1 s gets 503; then the load is served again.
  const busyFrom = Date.now();
  const busy = [timed(xgi, '/hang?s=2.5'), timed(xgi, '/hang?s=2.5')];
  await sleep(200); // the hangs reach the workers; what follows must wait for them
  // Past the hangs' end (2.7 s) long enough to be served again, on a slow machine too.
  const load = startLoad(xgi, { concurrency: 3, durationMs: 4500 });
  const waiting = await Promise.all(['a', 'b', 'c'].map((token) => timed(xgi, `/echo?token=${token}`)));
  for (const r of waiting) {
    assert.equal(r.status, 503);
    assert.equal(r.text, 'Service Unavailable\n');
    assert.ok(r.ms >= 950 && r.ms < 2000, `answered after ${r.ms} ms`);
  }
  const hangs = await Promise.all(busy);
  const busyUntil = Date.now();
  assert.deepEqual(hangs.map((r) => [r.status, r.text]), [[200, 'woke up'], [200, 'woke up']]);

  const results = await load.done;
  const { total, failed, pids } = summarize(results);
  assert.ok(total > 50, `the load ran (${total} requests)`);
  for (const r of results) {
    if (r.status === 503) {
      // Only a request sent while both workers were busy, answered after waiting 1 s.
      assert.equal(r.body, 'Service Unavailable\n');
      assert.ok(r.sentAt >= busyFrom && r.sentAt < busyUntil, `503 for a request sent outside the busy time: ${describeFailures([r])}`);
      assert.ok(r.doneAt - r.sentAt >= 950 && r.doneAt - r.sentAt < 2000, `503 after ${r.doneAt - r.sentAt} ms`);
    } else {
      assert.ok(r.status === 200 && r.isRightBody, describeFailures([r]));
    }
    // Sent well inside the busy time (the workers stay busy past it by over a second): no worker freed up in time.
    if (r.sentAt >= busyFrom + 200 && r.sentAt < busyUntil - 1500) assert.equal(r.status, 503, describeFailures([r]));
  }
  const shed = failed.length;
  assert.ok(shed >= 3, `the load was shed meanwhile (${shed} requests)`);
  assert.deepEqual([...pids].sort(), before.sort(), 'no worker was replaced');
  assert.equal((await xgi.get('/echo?token=after')).text.split(' ')[0], 'after', 'served on');
  assert.equal([...xgi.stderr.matchAll(/waited 1s for a worker \(--queue-timeout\)/g)].length, 3 + shed);
});

test('--queue-limit: past it a request gets 503 at once; the queued ones are served', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--queue-limit', '2', '--queue-timeout', '0']);
  const pid = Number((await xgi.get('/pid')).text);
  const busy = timed(xgi, '/hang?s=1.5');
  await sleep(200);
  const queued = [timed(xgi, '/echo?token=q1'), timed(xgi, '/echo?token=q2')];
  await sleep(100); // those two are in the queue now
  const shed = await Promise.all(['x', 'y', 'z'].map((token) => timed(xgi, `/echo?token=${token}`)));
  for (const r of shed) {
    assert.equal(r.status, 503);
    assert.ok(r.ms < 500, `shed at once (${r.ms} ms)`);
  }
  assert.deepEqual((await Promise.all(queued)).map((r) => [r.status, r.text]), [[200, `q1 ${pid}`], [200, `q2 ${pid}`]]);
  assert.equal((await busy).status, 200);
  assert.equal([...xgi.stderr.matchAll(/2 requests already waiting \(--queue-limit\)/g)].length, 3);
});
