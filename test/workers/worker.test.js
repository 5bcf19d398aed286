// The Worker with a real Python process, driven directly (no front, no
// pool): the started mark decides, after a worker died, which streams fail
// (the app had them) and which are handed back (never started). Four
// requests leave in one write, so the worker holds three behind the one
// that kills it; OWN_ALARM switches off its stall guard so they stay there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '../../dist/workers/worker.js';
import { spawnPython } from '../../dist/workers/worker-process.js';
import { createMark, readMark, EVERYTHING_STARTED } from '../../dist/workers/started-mark.js';
import { encodeRequestFrame } from '../../dist/workers/protocol/messages.js';
import { FrameType } from '../../dist/workers/protocol/frames.js';
import { APPS } from '../helpers/start-xgi.js';

const APP = APPS + 'supervision';

function quietLog(lines) {
  const log = (level) => (message) => lines.push(`${level} ${message}`);
  return {
    debug: log('debug'), info: log('info'), warning: log('warning'), error: log('error'), critical: log('critical'),
    log: (level, message) => lines.push(`${level} ${message}`), isEnabled: () => true, hasAccessLog: false,
    access() {}, reopen() {}, close: async () => {},
  };
}

function workersConfig(env) {
  return {
    app: 'wsgi:app', count: 1, threads: 1, workerClass: 'sync', python: process.env.XGI_TEST_PYTHON ?? 'python3',
    pythonPath: [APP], chdir: APP, env, inheritedEnv: { ...process.env }, timeoutMs: 30_000, bootTimeoutMs: 30_000,
    gracefulTimeoutMs: 5000, maxInFlight: 16, responseWindowBytes: 1 << 20, serverSoftware: 'xgi/test',
  };
}

/** A StreamSink that records what happens to its stream. */
function recordingSink() {
  const sink = {
    isBlockedOnClient: false,
    frames: [],
    lost: null,
    onFrame(frame) { sink.frames.push(frame.type); },
    onWorkerLost(reason) { sink.lost = reason; },
  };
  return sink;
}

function request(path) {
  return encodeRequestFrame(0, [['REQUEST_METHOD', 'GET'], ['PATH_INFO', path.split('?')[0]],
    ['QUERY_STRING', path.split('?')[1] ?? ''], ['SERVER_NAME', 'test'], ['SERVER_PORT', '80'],
    ['SERVER_PROTOCOL', 'HTTP/1.1'], ['wsgi.url_scheme', 'http']], null, true);
}

/** Start a worker, resolve once it is READY; `exited` resolves with its exit. */
function startWorker(t, markPath, env = {}) {
  const lines = [];
  let onReady;
  let onExit;
  const ready = new Promise((resolve) => { onReady = resolve; });
  const exited = new Promise((resolve) => { onExit = resolve; });
  const worker = new Worker({
    process: spawnPython(workersConfig(env)), config: workersConfig(env), generation: 1, stallMs: 3, multiprocess: false,
    markPath, reportModules: false, maxRequests: Infinity, retireAt: Infinity,
  }, quietLog(lines), {
    ready: () => onReady(), bootError: () => {}, exit: (w, code, signal) => onExit({ code, signal }), spawnFailed: () => {},
    streamDone: () => {}, modules: () => {},
  });
  t.after(() => worker.kill('SIGKILL'));
  return { worker, ready, exited, lines };
}

/** Send each path as a stream of `worker`, all in this one turn (one write). */
function send(worker, paths) {
  return paths.map((path) => {
    const sink = recordingSink();
    const frame = request(path);
    frame.writeUInt32BE(worker.openStream(sink), 6);
    worker.send(frame);
    return sink;
  });
}

test('a worker that dies: the stream it ran fails, the three queued behind it are handed back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-mark-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const markPath = join(dir, 'w.mark');
  createMark(markPath);
  assert.equal(readMark(markPath), EVERYTHING_STARTED, 'until the worker maps it, anything may have started');
  const { worker, ready, exited, lines } = startWorker(t, markPath, { OWN_ALARM: '1' });
  await ready;
  assert.equal(readMark(markPath), 0, 'mapped: nothing started yet');
  const [crash, b, c, d] = send(worker, ['/crash?ms=200', '/echo?token=b', '/echo?token=c', '/echo?token=d']);
  assert.deepEqual(await exited, { code: 7, signal: null });
  assert.equal(crash.lost, 'crashed');
  for (const sink of [b, c, d]) {
    assert.equal(sink.lost, null);
    assert.deepEqual(sink.frames, [FrameType.HANDBACK]);
  }
  assert.ok(lines.some((line) => /3 request\(s\) it had not started go to other workers/.test(line)), lines.join('\n'));
});

test('a worker killed after answering some: only the started and unanswered streams fail', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-mark-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const markPath = join(dir, 'w.mark');
  createMark(markPath);
  const { worker, ready, exited } = startWorker(t, markPath, { OWN_ALARM: '1' });
  await ready;
  const [first, hang, queued] = send(worker, ['/echo?token=a', '/hang?s=30', '/echo?token=z']);
  while (first.frames.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(first.frames, [FrameType.RESPONSE]);
  worker.kill('SIGKILL');
  assert.deepEqual(await exited, { code: null, signal: 'SIGKILL' });
  assert.equal(readMark(markPath), EVERYTHING_STARTED, 'the front removed the mark file with the worker');
  assert.equal(hang.lost, 'crashed');
  assert.deepEqual(queued.frames, [FrameType.HANDBACK]);
});
