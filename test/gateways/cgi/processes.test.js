// The scripts as processes: --cgi-timeout kills the whole process group
// (504 before the head, a cut connection after it), a client that goes away
// gets its script's group killed, --cgi-max-processes queues and
// --cgi-queue-limit refuses, a script that cannot start is a 500, every child
// is reaped, and none outlives a shutdown (Go's TestCopyError, for real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { openRaw, parseResponses } from '../../helpers/raw-http.js';
import { startCgi, waitUntilGone } from './start-cgi.js';

/** The pids in a script's `X-Pids: SCRIPT CHILD` header. */
function pidsFrom(buffer) {
  const match = /X-Pids: (\d+) (\d+)/i.exec(buffer.toString('latin1'));
  assert.ok(match, buffer.toString('latin1'));
  return [Number(match[1]), Number(match[2])];
}

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

test('--cgi-timeout: a silent script gets 504 and its whole process group is killed', async (t) => {
  const xgi = await startCgi(t, ['--cgi-timeout', '1']);
  const started = Date.now();
  const res = await xgi.get('/cgi-bin/sleeps.sh');
  assert.equal(res.status, 504);
  assert.equal(res.text, 'Gateway Timeout\n');
  assert.ok(Date.now() - started >= 900, 'not before the timeout');
  const [, script, child] = await xgi.waitForLine(/sleeps\.sh: pids (\d+) (\d+)/);
  await xgi.waitForLine(/cgi: request \d+ GET \/cgi-bin\/sleeps\.sh: \S+sleeps\.sh \(pid \d+ was killed by xgi\): silent for 1000 ms \[XGI_CGI_TIMEOUT\]/);
  await waitUntilGone([Number(script), Number(child)]);
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
  const xgi = await startCgi(t, ['--log-level', 'debug']);
  const writer = await openRaw(xgi.port);
  writer.write('GET /cgi-bin/forever.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  await writer.waitFor((buf) => buf.includes('all work and no play'));
  const writing = pidsFrom(writer.buffer);
  writer.destroy();
  await xgi.waitForLine(new RegExp(`GET /cgi-bin/forever\\.sh: client went away; killed the process group of \\S+ \\(pid ${writing[0]}\\)`));
  await waitUntilGone(writing);

  const sleeper = await openRaw(xgi.port);
  sleeper.write('GET /cgi-bin/sleeps.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  const [, script, child] = await xgi.waitForLine(/sleeps\.sh: pids (\d+) (\d+)/);
  sleeper.destroy();
  await xgi.waitForLine(/GET \/cgi-bin\/sleeps\.sh: client went away; killed the process group/);
  await waitUntilGone([Number(script), Number(child)]);
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

test('a flood through 2 process slots: every request answered, every child reaped', async (t) => {
  const xgi = await startCgi(t, ['--cgi-max-processes', '2']);
  const responses = await Promise.all(Array.from({ length: 30 }, () => xgi.get('/cgi-bin/hello.sh')));
  assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
  const deadline = Date.now() + 3000;
  while (childrenOf(xgi.pid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(childrenOf(xgi.pid), [], 'no child left, not even a zombie');
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
