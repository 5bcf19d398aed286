// createLogger: gunicorn's error-log prefix, level filtering, stdout/stderr
// and file destinations, reopen after logrotate, per-turn batching, close.
// Streams are injected; files are real, in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../dist/log/create-logger.js';

process.env.TZ = 'Asia/Shanghai';

const PREFIX = /^\[(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] \[(\d+)\] \[([A-Z]+|Level \d+)\] /;

/** A stream that records each chunk handed to it (empty chunks skipped). */
function capture() {
  const chunks = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      if (chunk.length > 0) chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, chunks, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').slice(0, -1) };
}

function nextTurn() {
  return new Promise((resolve) => setImmediate(resolve));
}

function config(overrides = {}) {
  return {
    level: 'info',
    errorLogfile: '-',
    accessLogfile: null,
    accessLogFormat: '%(h)s "%(r)s" %(s)s',
    ...overrides,
  };
}

function entry(n = 0) {
  return {
    remoteAddr: '10.0.0.1',
    method: 'GET',
    target: `/r/${n}`,
    httpVersion: '1.1',
    status: 200,
    responseBytes: 2,
    startMs: Date.now(),
    durationUs: 10,
    requestHeaders: {},
    responseHeaders: {},
    pid: 4242,
  };
}

function setup(overrides, options = {}) {
  const out = capture();
  const err = capture();
  const logger = createLogger(config(overrides), { stdout: out.stream, stderr: err.stream, defaultPid: 28843, ...options });
  return { logger, out, err };
}

async function tempDir(t) {
  const dir = await mkdtemp(join(tmpdir(), 'xgi-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('error lines carry gunicorn\'s prefix: local time with offset, pid, level', async () => {
  const { logger, err } = setup();
  const before = Date.now();
  logger.info('Starting xgi 0.1.0');
  logger.warning('worker 1234: slow', 1234);
  await logger.close();
  const [first, second] = err.lines();
  const match = PREFIX.exec(first);
  assert.ok(match, first);
  const [, y, mo, d, h, mi, s, offset, pid, level] = match;
  assert.equal(offset, '+0800');
  assert.equal(pid, '28843');
  assert.equal(level, 'INFO');
  assert.equal(first.slice(match[0].length), 'Starting xgi 0.1.0');
  const stamped = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}+08:00`);
  assert.ok(Math.abs(stamped - before) < 2000, `${first} vs now`);
  assert.match(second, /^\[[^\]]+\] \[1234\] \[WARNING\] worker 1234: slow$/);
  assert.equal(err.text().endsWith('slow\n'), true);
});

test('the pid defaults to process.pid', async () => {
  const err = capture();
  const logger = createLogger(config(), { stderr: err.stream });
  logger.error('boom');
  await logger.close();
  assert.match(err.text(), new RegExp(`^\\[[^\\]]+\\] \\[${process.pid}\\] \\[ERROR\\] boom\\n$`));
});

test('every level name, and numeric levels as Python names them', async () => {
  const { logger, err } = setup({ level: 'debug' });
  logger.debug('a');
  logger.info('b');
  logger.warning('c');
  logger.error('d');
  logger.critical('e');
  for (const level of [10, 20, 30, 40, 50, 25]) logger.log(level, `n${level}`, 7);
  await logger.close();
  const levels = err.lines().map((line) => PREFIX.exec(line)?.[9]);
  assert.deepEqual(levels, [
    'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL',
    'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'Level 25',
  ]);
  assert.match(err.lines()[10], /\] \[7\] \[Level 25\] n25$/);
});

test('lines below the configured level are dropped', async () => {
  const { logger, err } = setup({ level: 'warning' });
  logger.debug('no-debug');
  logger.info('no-info');
  logger.log(10, 'no-log-10');
  logger.log(29, 'no-log-29');
  logger.warning('yes-warning');
  logger.log(30, 'yes-log-30');
  logger.critical('yes-critical');
  assert.equal(logger.isEnabled('info'), false);
  assert.equal(logger.isEnabled('warning'), true);
  assert.equal(logger.isEnabled('critical'), true);
  await logger.close();
  const messages = err.lines().map((line) => line.replace(PREFIX, ''));
  assert.deepEqual(messages, ['yes-warning', 'yes-log-30', 'yes-critical']);
});

test('a multi-line message (a traceback) is written as-is after the prefix', async () => {
  const { logger, err } = setup();
  const traceback = 'Traceback (most recent call last):\n  File "app.py", line 1\nValueError: x\n';
  logger.error(traceback, 99);
  await logger.close();
  const text = err.text();
  assert.match(text, PREFIX);
  assert.equal(text.replace(PREFIX, ''), `${traceback}\n`);
});

test('access lines go to stdout for -, formatted, one per entry', async () => {
  const { logger, out, err } = setup({ accessLogfile: '-' });
  assert.equal(logger.hasAccessLog, true);
  logger.access(entry(1));
  logger.access(entry(2));
  await logger.close();
  assert.equal(out.text(), '10.0.0.1 "GET /r/1 HTTP/1.1" 200\n10.0.0.1 "GET /r/2 HTTP/1.1" 200\n');
  assert.equal(err.text(), '');
});

test('no access log when accessLogfile is null', async () => {
  const { logger, out, err } = setup({ accessLogfile: null });
  assert.equal(logger.hasAccessLog, false);
  logger.access(entry());
  await nextTurn();
  await logger.close();
  assert.equal(out.text(), '');
  assert.equal(err.text(), '');
});

test('lines of one turn are written in one write, in order, after the turn', async () => {
  const { logger, out } = setup({ accessLogfile: '-' });
  for (let i = 0; i < 1000; i++) logger.access(entry(i));
  assert.equal(out.chunks.length, 0, 'nothing is written synchronously');
  await nextTurn();
  assert.equal(out.chunks.length, 1, 'one write for the whole turn');
  for (let i = 1000; i < 1500; i++) logger.access(entry(i));
  await nextTurn();
  logger.access(entry(1500));
  await logger.close();
  assert.equal(out.chunks.length, 3);
  const targets = out.lines().map((line) => Number(line.split(' ')[2].slice(3)));
  assert.deepEqual(targets, Array.from({ length: 1501 }, (_, i) => i));
});

test('close flushes queued lines without waiting a turn and leaves std streams open', async () => {
  const { logger, out, err } = setup({ accessLogfile: '-' });
  logger.info('last words');
  logger.access(entry(5));
  await logger.close();
  assert.match(err.text(), /\[INFO\] last words\n$/);
  assert.equal(out.text(), '10.0.0.1 "GET /r/5 HTTP/1.1" 200\n');
  assert.equal(out.stream.writableEnded, false);
  assert.equal(err.stream.writableEnded, false);
});

test('log files are created, appended to, and complete once close resolves', async (t) => {
  const dir = await tempDir(t);
  const errorPath = join(dir, 'error.log');
  const accessPath = join(dir, 'access.log');
  await writeFile(accessPath, 'old line\n');
  const { logger, out, err } = setup({ errorLogfile: errorPath, accessLogfile: accessPath });
  logger.info('to the file');
  logger.access(entry(1));
  await logger.close();
  assert.match(await readFile(errorPath, 'utf8'), /^\[[^\]]+\] \[28843\] \[INFO\] to the file\n$/);
  assert.equal(await readFile(accessPath, 'utf8'), 'old line\n10.0.0.1 "GET /r/1 HTTP/1.1" 200\n');
  assert.equal(out.text() + err.text(), '');
});

test('error and access logs naming one file share it, in order', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'both.log');
  const { logger } = setup({ errorLogfile: path, accessLogfile: path });
  logger.info('first');
  logger.access(entry(2));
  logger.info('third');
  await logger.close();
  const lines = (await readFile(path, 'utf8')).split('\n');
  assert.match(lines[0], /\[INFO\] first$/);
  assert.equal(lines[1], '10.0.0.1 "GET /r/2 HTTP/1.1" 200');
  assert.match(lines[2], /\[INFO\] third$/);
});

test('reopen after logrotate: queued lines finish the old file, new lines start a new one', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'access.log');
  const { logger } = setup({ accessLogfile: path });
  logger.access(entry(1));
  await nextTurn();
  await rename(path, `${path}.1`);
  logger.access(entry(2)); // written after the rename, before SIGUSR1
  logger.reopen();
  logger.access(entry(3));
  await logger.close();
  assert.equal(
    await readFile(`${path}.1`, 'utf8'),
    '10.0.0.1 "GET /r/1 HTTP/1.1" 200\n10.0.0.1 "GET /r/2 HTTP/1.1" 200\n',
  );
  assert.equal(await readFile(path, 'utf8'), '10.0.0.1 "GET /r/3 HTTP/1.1" 200\n');
});

test('a reopen that cannot open the path is reported and keeps the old file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'sub', 'access.log');
  await mkdir(join(dir, 'sub'));
  const { logger, err } = setup({ accessLogfile: path });
  logger.access(entry(1));
  await nextTurn();
  await rename(join(dir, 'sub'), join(dir, 'rotated'));
  logger.reopen();
  logger.access(entry(2));
  await logger.close();
  assert.match(err.text(), /\[ERROR\] log: .*access\.log: ENOENT/);
  assert.equal(
    await readFile(join(dir, 'rotated', 'access.log'), 'utf8'),
    '10.0.0.1 "GET /r/1 HTTP/1.1" 200\n10.0.0.1 "GET /r/2 HTTP/1.1" 200\n',
  );
});

test('a path that cannot be opened fails at creation with XGI_LOG_OPEN_FAILED', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'no', 'such', 'dir', 'error.log');
  assert.throws(() => setup({ errorLogfile: missing }), (error) => {
    assert.equal(error.code, 'XGI_LOG_OPEN_FAILED');
    assert.match(error.message, /cannot open .*error\.log/);
    return true;
  });
});

test('a bad access format fails at creation with XGI_LOG_BAD_ACCESS_FORMAT', () => {
  assert.throws(() => setup({ accessLogfile: '-', accessLogFormat: '%(h)s %s' }), {
    code: 'XGI_LOG_BAD_ACCESS_FORMAT',
  });
});

test('a failing access stream is reported once in the error log and does not throw', async () => {
  let writes = 0;
  const broken = new Writable({
    write(_chunk, _encoding, callback) {
      writes++;
      callback(new Error('EPIPE: broken pipe'));
    },
  });
  const err = capture();
  const logger = createLogger(config({ accessLogfile: '-' }), { stdout: broken, stderr: err.stream, defaultPid: 1 });
  logger.access(entry(1));
  await nextTurn();
  await nextTurn();
  logger.access(entry(2));
  await nextTurn();
  await logger.close();
  assert.equal(writes, 1);
  const lines = err.lines();
  assert.equal(lines.length, 1);
  assert.match(lines[0], /\[1\] \[ERROR\] log: <stdout>: EPIPE: broken pipe$/);
});
