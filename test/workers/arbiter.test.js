// Supervision basics with real processes and real signals: a crashed worker
// costs its request a 502 and is replaced; a hung one is murdered after
// --timeout (504); SIGTERM drains in-flight requests and exits 0; no worker
// outlives the master, even a SIGKILLed one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { openRaw } from '../helpers/raw-http.js';
import { APPS, isAlive, startXgi } from '../helpers/start-xgi.js';
import { bootedAndServing, describeFailures, startLoad, summarize } from '../helpers/load.js';
import { descendants, sleep, waitUntil } from '../helpers/processes.js';

const APP = APPS + 'supervised';
/** The app the bounded load runs against: /echo answers "TOKEN PID". */
const LOAD_APP = APPS + 'supervision';

/** Open a new connection: 'connected', or the error code (ECONNREFUSED, ...). */
function tryConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error) => resolve(error.code));
  });
}

test('a worker that dies costs only its request (502) and is replaced', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP]);
  const before = Number((await xgi.get('/pid')).text);
  const crashed = await xgi.get('/crash');
  assert.equal(crashed.status, 502);
  await xgi.waitForLine(new RegExp(`Worker \\(pid:${before}\\) exited with code 7`));
  const after = Number((await xgi.get('/pid')).text);
  assert.notEqual(after, before);
  assert.equal(isAlive(before), false);
});

test('kill -9 of a worker: replaced, and the next request succeeds', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2']);
  const victim = xgi.workerPids()[0];
  process.kill(victim, 'SIGKILL');
  await xgi.waitForLine(new RegExp(`Worker \\(pid:${victim}\\) was killed by SIGKILL`));
  await xgi.waitForLine(/Booting worker with pid: (\d+)/, 5000, 2);
  for (let i = 0; i < 10; i++) assert.equal((await xgi.get('/')).text, 'ok');
});

test('--timeout under load: a worker silent on a request is killed, that request gets 504, every other one 200', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', LOAD_APP, '-w', '2', '--timeout', '1'], { workers: 2 });
  const before = xgi.workerPids();
  const load = startLoad(xgi, { concurrency: 4, durationMs: 4000 });
  await waitUntil(() => summarize(load.results).pids.size === 2, 5000, 'both workers to serve');
  const started = Date.now();
  const res = await xgi.get('/hang?s=30');
  assert.equal(res.status, 504);
  assert.ok(Date.now() - started < 5000, 'answered soon after the timeout');
  const hung = Number((await xgi.waitForLine(/WORKER TIMEOUT \(pid:(\d+)\)/))[1]);
  assert.ok(before.includes(hung), `${hung} was one of ${before}`);
  await waitUntil(() => !isAlive(hung), 5000, 'the hung worker to be gone');
  const replacement = await bootedAndServing(xgi, load, 2);

  // The other worker served the load all along: not one request failed or waited for the hung one.
  const { total, failed, pids } = summarize(await load.done);
  assert.deepEqual(failed, [], describeFailures(failed));
  assert.ok(total > 50, `the load ran (${total} requests)`);
  assert.deepEqual([...pids].sort(), [...before, replacement].sort());
  const survivor = before.find((pid) => pid !== hung);
  assert.ok(load.results.some((r) => r.pid === survivor && r.sentAt > started + 500 && r.doneAt < started + 1000),
    'the other worker served while the hung one was silent');
  assert.equal([...xgi.stderr.matchAll(/WORKER TIMEOUT/g)].length, 1, 'only the hung worker was killed');
  assert.deepEqual(descendants(xgi.pid).sort(), [survivor, replacement].sort(), 'two workers, nothing else');
});

test('an idle worker is never killed by --timeout', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--timeout', '1']);
  const pid = Number((await xgi.get('/pid')).text);
  await new Promise((resolve) => setTimeout(resolve, 2500)); // idle past the timeout, on purpose
  assert.equal(Number((await xgi.get('/pid')).text), pid);
  assert.doesNotMatch(xgi.stderr, /WORKER TIMEOUT/);
});

test('--timeout does not blame the worker for a slow upload: the app waiting on the client is not killed', async (t) => {
  // A body over --request-buffer-size streams: the app reads it as the client sends it.
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'transfer', '--timeout', '1', '--request-buffer-size', '1024']);
  const pieces = Array.from({ length: 10 }, (_, i) => Buffer.alloc(1000, 65 + i));
  const body = Buffer.concat(pieces);
  const conn = await openRaw(xgi.port);
  conn.write(`POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`);
  for (const piece of pieces) { // 2.5 s in all, over twice the timeout
    conn.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await conn.waitFor((buf) => buf.includes(createHash('sha256').update(body).digest('hex')));
  assert.match(conn.buffer.toString('latin1'), /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(xgi.stderr, /WORKER TIMEOUT/);
  conn.destroy();
});

test('SIGTERM under load: requests in flight finish with 200, a new connection is refused, exit 0, no worker left', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', LOAD_APP, '-w', '2'], { workers: 2 });
  const pids = xgi.workerPids();
  const load = startLoad(xgi, { concurrency: 4, durationMs: 10_000, pathFor: (token) => `/echo?token=${token}&ms=200` });
  await waitUntil(() => summarize(load.results).pids.size === 2, 5000, 'both workers to serve');
  await waitUntil(() => load.results.length >= 6, 10_000, 'six load requests answered'); // a slow machine too
  let isSettled = false;
  const inFlight = xgi.get('/hang?s=1.5').finally(() => { isSettled = true; });
  // No request is sent from here on: those of the load still in flight have
  // reached xgi by the time of the signal (a request sent on a keep-alive
  // connection just as xgi drains may be cut, which is no fault of xgi's).
  const results = load.stop();
  await sleep(100);
  xgi.signal('SIGTERM');
  await xgi.waitForLine(/Handling signal: term/);
  assert.equal(await tryConnect(xgi.port), 'ECONNREFUSED', 'a new connection after the signal is refused');
  assert.equal(isSettled, false, 'while the request in flight still runs');
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.equal(res.text, 'woke up');
  const { total, failed } = summarize(await results);
  assert.deepEqual(failed, [], describeFailures(failed));
  assert.ok(total > 4, `the load ran (${total} requests)`);
  const { code } = await xgi.exit;
  assert.equal(code, 0);
  for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid} is gone`);
});

test('SIGKILL of the master: its workers exit within a second', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2']);
  await xgi.get('/');
  const pids = xgi.workerPids();
  xgi.signal('SIGKILL');
  await xgi.exit;
  await waitUntil(() => pids.every((pid) => !isAlive(pid)), 1000, 'workers to exit');
});
