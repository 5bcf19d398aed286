// The scripts as processes: --cgi-timeout kills the whole process group
// (504 before the head, a cut connection after it), a client that goes away
// gets its script's group killed, --cgi-max-processes queues and
// --cgi-queue-limit refuses, a client that leaves the queue never gets its
// script run, a script that cannot start is a 500, every child is reaped, and none outlives a shutdown (Go's TestCopyError, for real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRaw, parseResponses } from '../../helpers/raw-http.js';
import { assertClientGoneKillsGroup, assertTimeoutKillsGroup, pidsFrom } from './scenarios.js';
import { startCgi, waitUntilGone } from './start-cgi.js';

/** Children of `pid` that are still processes (running or not yet reaped). */
function childrenOf(pid) {
  const children = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) children.push({ pid: Number(name), state: fields[0] });
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** A temporary directory for records-run.sh (`--cgi-env RUN_DIR=...`), removed after the test. */
function runDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-cgi-runs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** records-run.sh's records: { name, start, end } (end null while it runs), times in ns as BigInt. */
function runsIn(dir) {
  return readdirSync(dir).map((name) => {
    const [start, end] = readFileSync(join(dir, name), 'latin1').split('\n');
    return { name, start: BigInt(start), end: end ? BigInt(end) : null };
  });
}

/** The most runs that overlapped in time: ends sort before starts at the same instant. */
function peakOverlap(runs) {
  const events = runs.flatMap((r) => [[r.start, 1], [r.end, -1]]);
  events.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  let now = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (now += delta));
  return peak;
}

test('--cgi-timeout: a silent script gets 504 and its whole process group is killed', async (t) => {
  await assertTimeoutKillsGroup(t, []);
});

test('--cgi-timeout after the head: the connection is cut, the group killed', async (t) => {
  const xgi = await startCgi(t, ['--cgi-timeout', '1']);
  const conn = await openRaw(xgi.port);
  conn.write('GET /cgi-bin/stalls-mid-body.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  await conn.waitForClose(5000);
  const [res] = parseResponses(conn.buffer);
  assert.equal(res.status, 200);
  assert.equal(res.isComplete, false);
  await xgi.waitForLine(/stalls-mid-body\.sh \(pid \d+ was killed by xgi\): silent for 1000 ms \[XGI_CGI_TIMEOUT\]/);
  await waitUntilGone(pidsFrom(conn.buffer));
});

test('a client that goes away gets its script killed with its group, writing or silent', async (t) => {
  await assertClientGoneKillsGroup(t, []);
});

test('--cgi-max-processes queues the rest; past --cgi-queue-limit, 503 at once', async (t) => {
  const xgi = await startCgi(t, ['--cgi-max-processes', '1', '--cgi-queue-limit', '1', '--request-buffer-size', '0', '--log-level', 'debug']);
  const holder = await openRaw(xgi.port);
  holder.write('POST /cgi-bin/hold.sh HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\nx\r\n');
  await holder.waitFor((buf) => buf.includes('started'));
  const waiter = await openRaw(xgi.port);
  waiter.write('GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  await xgi.waitForLine(/GET \/cgi-bin\/hello\.sh: waiting for a process slot \(1 running, 1 waiting\)/);
  const refused = await xgi.get('/cgi-bin/hello.sh');
  assert.equal(refused.status, 503);
  assert.equal(refused.text, 'Service Unavailable\n');
  await xgi.waitForLine(/1 scripts running and 1 waiting; refused \[XGI_CGI_QUEUE_FULL\]/);
  assert.equal(waiter.buffer.length, 0, 'the queued request waits');
  holder.write('0\r\n\r\n');
  await holder.waitForClose();
  assert.match(parseResponses(holder.buffer)[0].body.toString(), /started\nreleased\n/);
  await waiter.waitForClose();
  assert.equal(parseResponses(waiter.buffer)[0].body.toString(), 'Hello World!\n');
});

test('a flood through 2 process slots: never more than 2 scripts at once, every request answered, every child reaped', async (t) => {
  const dir = runDir(t);
  const xgi = await startCgi(t, ['--cgi-max-processes', '2', '--cgi-env', `RUN_DIR=${dir}`]);
  const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => xgi.get(`/cgi-bin/records-run.sh?flood${i}`)));
  assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
  assert.deepEqual([...new Set(responses.map((r) => r.text))], ['ran\n']);
  const runs = runsIn(dir);
  assert.equal(runs.length, 30, 'one run per request');
  assert.ok(runs.every((r) => r.end !== null && r.end >= r.start), 'every run recorded its end');
  // Each record lies inside its script's time in a slot (it starts after the
  // spawn and ends before the exit that frees the slot), so an overlap of 3
  // here means 3 slots were held at once.
  const peak = peakOverlap(runs);
  assert.ok(peak <= 2, `${peak} scripts ran at once with --cgi-max-processes 2`);
  assert.equal(peak, 2, 'both slots were used (the check can see an overlap)');
  const deadline = Date.now() + 3000;
  while (childrenOf(xgi.pid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(childrenOf(xgi.pid), [], 'no child left, not even a zombie');
});

test('a client that leaves while waiting leaves the queue: its script never runs', async (t) => {
  const dir = runDir(t);
  const xgi = await startCgi(t, [
    '--cgi-max-processes', '1', '--cgi-queue-limit', '1', '--request-buffer-size', '0',
    '--cgi-env', `RUN_DIR=${dir}`, '--log-level', 'debug',
  ]);
  const holder = await openRaw(xgi.port);
  holder.write('POST /cgi-bin/hold.sh HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\nx\r\n');
  await holder.waitFor((buf) => buf.includes('started'));

  const leaver = await openRaw(xgi.port);
  leaver.write('GET /cgi-bin/records-run.sh?queued HTTP/1.1\r\nHost: h\r\n\r\n');
  await xgi.waitForLine(/GET \/cgi-bin\/records-run\.sh\?queued: waiting for a process slot \(1 running, 1 waiting\)/);
  leaver.destroy();

  // The queue holds one: a request queued now (not refused with 503) shows
  // that the one that left gave its place up. xgi may not have seen the
  // close yet; then it refuses, and we ask again.
  let follower = null;
  for (let attempt = 0; follower === null; attempt++) {
    assert.ok(attempt < 50, 'the queue still holds the request whose client left');
    const conn = await openRaw(xgi.port);
    conn.write(`GET /cgi-bin/records-run.sh?after${attempt} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    const outcome = await Promise.race([
      xgi.waitForLine(new RegExp(`records-run\\.sh\\?after${attempt}: waiting for a process slot \\(1 running, 1 waiting\\)`), 3000)
        .then(() => 'queued', () => 'timeout'),
      conn.waitFor((buf) => buf.length > 0, 3000).then(() => 'answered', () => 'timeout'),
    ]);
    assert.notEqual(outcome, 'timeout', 'neither queued nor refused');
    if (outcome === 'queued') {
      follower = conn;
    } else {
      assert.match(conn.buffer.toString('latin1'), /^HTTP\/1\.1 503 /);
      conn.destroy();
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  assert.equal(runsIn(dir).length, 0, 'nothing ran while the slot was held');

  holder.write('0\r\n\r\n');
  await holder.waitForClose();
  await follower.waitForClose();
  const [res] = parseResponses(follower.buffer);
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'ran\n');
  // The slot is handed out oldest first: had the request that left still
  // been queued, it would have run before the follower, which has finished.
  const names = runsIn(dir).map((r) => r.name);
  assert.equal(names.length, 1, names.join(', '));
  assert.match(names[0], /^after\d+-\d+$/);
});

test('a script that cannot be started is a 500, with the reason in the log', async (t) => {
  const xgi = await startCgi(t);
  const res = await xgi.get('/cgi-bin/bad-interpreter.sh');
  assert.equal(res.status, 500);
  assert.equal(res.text, 'Internal Server Error\n');
  await xgi.waitForLine(/cgi: request \d+ GET \/cgi-bin\/bad-interpreter\.sh: \S+bad-interpreter\.sh: cannot be run: ENOENT \[XGI_CGI_SPAWN_FAILED\]/);
});

test('shutdown: scripts still running when the grace period ends are killed with their groups', async (t) => {
  const xgi = await startCgi(t, ['--graceful-timeout', '1']);
  const conn = await openRaw(xgi.port);
  conn.write('GET /cgi-bin/stalls-mid-body.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  await conn.waitFor((buf) => buf.includes('started'));
  const pids = pidsFrom(conn.buffer);
  xgi.signal('SIGTERM');
  const exit = await xgi.exit;
  assert.equal(exit.code, 0);
  await waitUntilGone(pids);
});
