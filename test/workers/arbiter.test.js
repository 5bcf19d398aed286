// Supervision basics with real processes and real signals: a crashed worker
// costs its request a 502 and is replaced; a hung one is murdered after
// --timeout (504); SIGTERM drains in-flight requests and exits 0; no worker
// outlives the master, even a SIGKILLed one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openRaw } from '../helpers/raw-http.js';
import { APPS, isAlive, startXgi } from '../helpers/start-xgi.js';

const APP = APPS + 'supervised';

async function waitUntil(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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

test('--timeout: a worker silent on a request is killed, the request gets 504', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--timeout', '1']);
  const hung = Number((await xgi.get('/pid')).text);
  const started = Date.now();
  const res = await xgi.get('/hang?s=30');
  assert.equal(res.status, 504);
  assert.ok(Date.now() - started < 5000, 'answered soon after the timeout');
  await xgi.waitForLine(new RegExp(`WORKER TIMEOUT \\(pid:${hung}\\)`));
  await waitUntil(() => !isAlive(hung), 5000, 'the hung worker to be gone');
  assert.equal((await xgi.get('/')).text, 'ok', 'a new worker serves');
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

test('SIGTERM: requests in flight finish, then xgi exits 0 with no worker left', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2']);
  const pids = xgi.workerPids();
  await xgi.get('/');
  const inFlight = xgi.get('/hang?s=0.5');
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the request reach a worker
  xgi.signal('SIGTERM');
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.equal(res.text, 'woke up');
  const { code } = await xgi.exit;
  assert.equal(code, 0);
  assert.match(xgi.stderr, /Handling signal: term/);
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
