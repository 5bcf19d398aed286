// Two xgi instances behind a real HAProxy (Debian's haproxy): PROXY protocol
// v2 on every connection and health check, a bounded load through HAProxy,
// one instance stopped gracefully (SIGTERM) half-way: zero failed requests.
// HAProxy runs in the foreground (-db) with its own config in a temp dir and
// is stopped by pid. The HAProxy side is configured as a rolling deploy is:
// fast health checks, and retries on a refused connection or an empty reply
// (retry-on conn-failure empty-response: a request that raced the closing of
// an idle connection or of the listening socket was never read by xgi, so it
// is safe to send again; without it HAProxy answers such races with errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS, startXgi } from '../helpers/start-xgi.js';

const HAPROXY = 'haproxy';
const TOTAL_REQUESTS = 400;
const CONCURRENCY = 8;
/** When this many have completed, instance A gets SIGTERM. */
const STOP_AFTER = 100;

const hasHaproxy = spawnSync(HAPROXY, ['-v'], { encoding: 'utf8' }).status === 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function config(port, backends) {
  return [
    'global',
    '  maxconn 256',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 15s',
    '  timeout server 15s',
    '  retries 3',
    '  option redispatch',
    '  retry-on conn-failure empty-response',
    'frontend web',
    `  bind 127.0.0.1:${port}`,
    '  default_backend xgi',
    'backend xgi',
    '  balance roundrobin',
    '  option httpchk GET /',
    '  http-check expect status 200',
    '  timeout check 2s',
    '  default-server inter 200ms fall 2 rise 1 send-proxy-v2',
    ...backends.map((backend, i) => `  server s${i} 127.0.0.1:${backend} check`),
    '',
  ].join('\n');
}

/** Resolve once something accepts connections on `port` (bounded). */
async function waitForPort(port, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const isOpen = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GET /echo through HAProxy; the local port of every connection used goes into `localPorts`. */
function get(port, agent, localPorts) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/echo', agent }, (res) => {
      localPorts.add(String(res.socket.localPort));
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', (error) => resolve({ status: 0, body: error.message }));
    });
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.end();
  });
}

test('two xgi behind HAProxy with PROXY v2: one stops gracefully under load, no request fails', { skip: !hasHaproxy && 'haproxy is not installed (scripts/install-test-deps.mjs installs it)' }, async (t) => {
  const args = ['wsgi:app', '--pythonpath', APPS + 'hostile', '--proxy-protocol', '--graceful-timeout', '5'];
  const [a, b] = await Promise.all([startXgi(t, args), startXgi(t, args)]);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'xgi-haproxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'haproxy.cfg'), config(port, [a.port, b.port]));
  const haproxy = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let haproxyOutput = '';
  haproxy.stdout.on('data', (s) => { haproxyOutput += s; });
  haproxy.stderr.on('data', (s) => { haproxyOutput += s; });
  const haproxyExit = new Promise((resolve) => haproxy.once('exit', resolve));
  t.after(async () => {
    if (haproxy.exitCode === null && haproxy.signalCode === null) {
      haproxy.kill('SIGTERM');
      await haproxyExit;
    }
  });
  await waitForPort(port);

  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  t.after(() => agent.destroy());
  const results = [];
  const localPorts = new Set();
  let next = 0;
  let stopping = null;
  let isAGone = false;
  const client = async () => {
    while (next < TOTAL_REQUESTS) {
      next++;
      const isSentAfterAWasGone = isAGone;
      results.push({ ...(await get(port, agent, localPorts)), isSentAfterAWasGone });
      if (results.length === STOP_AFTER && stopping === null) {
        a.signal('SIGTERM');
        stopping = a.exit;
        void stopping.then(() => { isAGone = true; });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));

  const failures = results.filter((r) => r.status !== 200);
  assert.equal(results.length, TOTAL_REQUESTS);
  assert.deepEqual(failures, [], `failed requests:\n${JSON.stringify(failures.slice(0, 5))}\n${haproxyOutput}\n${a.stderr}`);
  assert.deepEqual(await stopping, { code: 0, signal: null }, 'the stopped instance exited cleanly');

  const echoes = results.map((r) => JSON.parse(r.body));
  const [pidA] = a.workerPids();
  const [pidB] = b.workerPids();
  const servedBy = (from, to, pid) => echoes.slice(from, to).filter((e) => e.pid === pid).length;
  assert.ok(servedBy(0, STOP_AFTER, pidA) > 0 && servedBy(0, STOP_AFTER, pidB) > 0, 'both served before the stop');
  // Requests sent while A drained may still be answered by it on their kept-alive connection; none after it exited.
  const afterGone = echoes.filter((e, i) => results[i].isSentAfterAWasGone);
  assert.ok(afterGone.length > 0, 'the load went on after A was gone');
  assert.equal(afterGone.filter((e) => e.pid === pidA).length, 0, 'only B served once A was gone');
  // Through PROXY v2 the app sees the client (this process, on loopback), not HAProxy's own connection.
  assert.ok(echoes.every((e) => e.REMOTE_ADDR === '127.0.0.1'));
  const foreign = echoes.filter((e) => !localPorts.has(e.REMOTE_PORT));
  assert.deepEqual(foreign.map((e) => e.REMOTE_PORT), [], 'REMOTE_PORT is always one of this client\'s ports');
});
