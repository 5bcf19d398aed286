// The pool's queue (issue 4): bounded by queueLimit, each request answered
// 503 once it waited queueTimeoutMs, handed-back requests back in arrival
// order with their clock still running. Workers
// here are stand-ins at the pool's own seam (inFlight, state, isStalled);
// the real ones are exercised end to end in queue.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../dist/workers/pool.js';
import { sleep } from '../helpers/processes.js';

const OPTIONS = { maxInFlight: 1, stallMs: 3, threads: 1, queueTimeoutMs: 0, queueLimit: 3 };

function standInWorker() {
  return { state: 'ready', inFlight: 0, oldestSentAt: Infinity, isStalled: () => false };
}

function job(name, log) {
  return {
    submittedAt: 0,
    start: (worker) => {
      worker.inFlight++;
      log.push(`${name} started`);
    },
    abandon: (why) => log.push(`${name} 503: ${why}`),
  };
}

test('a full queue sheds at once; the waiting ones keep their order', () => {
  const log = [];
  const pool = new Pool(OPTIONS);
  const worker = standInWorker();
  pool.add(worker);
  const a = job('a', log);
  pool.submit(a);
  for (const name of ['b', 'c', 'd', 'e']) pool.submit(job(name, log));
  assert.deepEqual(log, ['a started', 'e 503: no worker available and 3 requests already waiting (--queue-limit)']);
  worker.inFlight = 0;
  pool.drain();
  worker.inFlight = 0;
  pool.requeue(a); // handed back unstarted: older than c and d, so it goes first
  assert.deepEqual(log.slice(2), ['b started', 'a started']);
  assert.equal(pool.queued, 2);
  pool.close();
  assert.deepEqual(log.slice(4), ['c 503: no worker available (shutting down)', 'd 503: no worker available (shutting down)']);
});

test('queueTimeoutMs: a request that waited that long gets 503; the others wait on', async () => {
  const log = [];
  const pool = new Pool({ ...OPTIONS, queueTimeoutMs: 300, queueLimit: 10 });
  pool.submit(job('old', log)); // no worker at all: it waits
  await sleep(150);
  pool.submit(job('young', log));
  await sleep(250);
  assert.deepEqual(log, ['old 503: waited 0.3s for a worker (--queue-timeout)']);
  pool.add(standInWorker());
  assert.deepEqual(log.slice(1), ['young started']);
  pool.close();
});

test('requests handed back together go back in their arrival order, before later ones', () => {
  const log = [];
  const pool = new Pool({ ...OPTIONS, maxInFlight: 3, queueLimit: 10 });
  const worker = standInWorker();
  pool.add(worker);
  const [first, second, third] = ['first', 'second', 'third'].map((name) => job(name, log));
  for (const j of [first, second, third]) pool.submit(j); // all three on the one worker
  worker.inFlight = 3;
  pool.submit(job('later', log)); // waits: the worker is full
  // The worker's stall guard hands back the two it had not started, in its order.
  worker.inFlight = 1;
  pool.remove(worker);
  pool.requeue(second);
  pool.requeue(third);
  const fresh = standInWorker();
  fresh.inFlight = -10; // room for everything
  pool.add(fresh);
  assert.deepEqual(log.slice(3), ['second started', 'third started', 'later started']);
  pool.close();
});

test('a handed-back request keeps its queue-timeout clock from when it first came', async () => {
  const log = [];
  const pool = new Pool({ ...OPTIONS, queueTimeoutMs: 300, queueLimit: 10 });
  const worker = standInWorker();
  pool.add(worker);
  const bounced = job('bounced', log);
  pool.submit(bounced); // started at once
  pool.remove(worker);
  await sleep(200);
  pool.submit(job('young', log)); // no worker: it waits, and the timer is armed for it (due in 300 ms)
  pool.requeue(bounced); // 200 ms of its 300 already gone: the timer must come forward
  await sleep(200);
  assert.deepEqual(log, ['bounced started', 'bounced 503: waited 0.3s for a worker (--queue-timeout)'],
    'abandoned 300 ms after it first came, not 300 ms after the hand-back; the young one waits on');
  pool.close();
});

test('workers that are not ready (exited, not yet settled) are never picked', () => {
  const log = [];
  const pool = new Pool({ ...OPTIONS, queueLimit: 10 });
  const gone = { ...standInWorker(), state: 'exited' };
  pool.add(gone);
  pool.submit(job('a', log));
  assert.deepEqual(log, []);
  pool.add(standInWorker());
  assert.deepEqual(log, ['a started']);
  pool.close();
});

test('queueTimeoutMs: the timer armed for a request served meanwhile fires early, harmlessly; the next waits its own full time', async () => {
  const log = [];
  const pool = new Pool({ ...OPTIONS, queueTimeoutMs: 300, queueLimit: 10 });
  const worker = standInWorker();
  worker.inFlight = 1; // full: what comes waits
  pool.add(worker);
  pool.submit(job('first', log));
  await sleep(200);
  worker.inFlight = 0;
  pool.drain(); // first is served; the timer armed for it stays, due in 100 ms
  pool.submit(job('second', log)); // waits from now: due 300 ms later, not 100
  await sleep(200);
  assert.deepEqual(log, ['first started'], 'second has not waited 300 ms yet');
  await sleep(250);
  assert.deepEqual(log, ['first started', 'second 503: waited 0.3s for a worker (--queue-timeout)']);
  pool.close();
});

test('queueTimeoutMs set to 0 by a reload: an armed timer is cleared, nothing waiting is dropped', async () => {
  const log = [];
  const pool = new Pool({ ...OPTIONS, queueTimeoutMs: 50, queueLimit: 10 });
  pool.submit(job('waiting', log));
  pool.configure({ ...OPTIONS, queueTimeoutMs: 0, queueLimit: 10 });
  await sleep(120);
  assert.deepEqual(log, []);
  pool.add(standInWorker());
  assert.deepEqual(log, ['waiting started']);
  pool.close();
});
