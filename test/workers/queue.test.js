// Load shedding (issue 4, mod_wsgi's queue-timeout): a request that waited
// --queue-timeout seconds for a worker gets 503; the queue holds at most
// --queue-limit requests, and one more gets 503 at once. The request the
// worker is busy with is not disturbed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi } from '../helpers/start-xgi.js';
import { sleep } from '../helpers/processes.js';

const APP = APPS + 'supervision';

async function timed(xgi, path) {
  const started = Date.now();
  const res = await xgi.get(path);
  return { status: res.status, text: res.text, ms: Date.now() - started };
}

test('--queue-timeout: requests that waited that long for a worker get 503', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--queue-timeout', '1']);
  const pid = Number((await xgi.get('/pid')).text);
  const busy = timed(xgi, '/hang?s=2.5');
  await sleep(200); // the hang reaches the only worker; what follows must wait for it
  const waiting = await Promise.all(['a', 'b', 'c'].map((token) => timed(xgi, `/echo?token=${token}`)));
  for (const r of waiting) {
    assert.equal(r.status, 503);
    assert.equal(r.text, 'Service Unavailable\n');
    assert.ok(r.ms >= 950 && r.ms < 2000, `answered after ${r.ms} ms`);
  }
  const hang = await busy;
  assert.deepEqual([hang.status, hang.text], [200, 'woke up']);
  assert.equal((await xgi.get('/echo?token=after')).text, `after ${pid}`, 'the same worker serves on');
  assert.equal([...xgi.stderr.matchAll(/waited 1s for a worker \(--queue-timeout\)/g)].length, 3);
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
