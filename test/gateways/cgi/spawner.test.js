// --cgi-spawners: scripts started by the spawner helpers (python/_xgi_spawner)
// rather than by node's spawn. The spawners are the default (2), so the whole
// CGI suite runs on this path; node's own spawn (`--cgi-spawners 0`) is pinned
// by node-spawn.test.js, and the whole suite can be run on it with
// `XGI_CMD_ARGS="--cgi-spawners 0" node --test test/gateways/cgi/`. These are
// the points only the spawner path has: the spawner is xgi's child and the scripts
// are the spawner's, nothing outlives xgi even when it is SIGKILLed, an idle
// spawner retires, and a missing interpreter falls back to node's spawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRaw } from '../../helpers/raw-http.js';
import { isRunning, startCgi, waitUntilGone } from './start-cgi.js';

function parentOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function spawnersOf(pid) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (parentOf(Number(name)) === pid && readFileSync(`/proc/${name}/cmdline`, 'latin1').includes('_xgi_spawner')) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function startStalled(xgi) {
  const conn = await openRaw(xgi.port);
  conn.write('GET /cgi-bin/stalls-mid-body.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  await conn.waitFor((buf) => buf.includes('started'));
  const match = /X-Pids: (\d+) (\d+)/i.exec(conn.buffer.toString('latin1'));
  assert.ok(match);
  return { conn, pids: [Number(match[1]), Number(match[2])] };
}

/**
 * A stalled script that a spawner started. One is spawned by node itself
 * while the spawner is cold (it boots on first use and retires after 1.5 s
 * idle, docs/cgi.md); on a busy machine that can be several in a row. Keep
 * starting them until one runs under the spawner: that is the case under test.
 */
async function startStalledUnderSpawner(xgi) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const candidate = await startStalled(xgi);
    if (spawnersOf(xgi.pid).includes(parentOf(candidate.pids[0]))) return candidate;
    candidate.conn.socket.destroy(); // xgi kills that one's group: the client is gone
  }
  assert.fail('no script ran under the spawner in 10 tries');
}

test('a script runs under a spawner, which is xgi\'s child, and the answer is the same', async (t) => {
  const xgi = await startCgi(t, ['--cgi-spawners', '2']);
  const res = await xgi.get('/cgi-bin/hello.sh');
  assert.equal(res.status, 200);
  const { conn, pids } = await startStalled(xgi);
  const spawner = parentOf(pids[0]);
  assert.ok(spawnersOf(xgi.pid).includes(spawner), 'the script\'s parent is a spawner of this xgi');
  conn.socket.destroy();
  await waitUntilGone(pids); // a lost client still kills the script's group
});

test('xgi killed with SIGKILL: the spawner kills its scripts\' groups and exits', async (t) => {
  const xgi = await startCgi(t, ['--cgi-spawners', '1']);
  const { pids } = await startStalledUnderSpawner(xgi);
  const spawners = spawnersOf(xgi.pid);
  assert.equal(spawners.length, 1);
  xgi.signal('SIGKILL');
  await xgi.exit;
  await waitUntilGone([...pids, ...spawners], 8000); // generous: the machine may be busy with other tests
});

test('a spawner killed with SIGKILL: the scripts it started are killed, their responses cut, and the next request is served', async (t) => {
  const xgi = await startCgi(t, ['--cgi-spawners', '1']);
  const { conn, pids } = await startStalledUnderSpawner(xgi);
  const [spawner] = spawnersOf(xgi.pid);
  process.kill(spawner, 'SIGKILL');
  await waitUntilGone([...pids, spawner]);
  await conn.waitForClose(5000);
  assert.ok(!conn.buffer.toString('latin1').includes('0\r\n\r\n'), 'the chunked body was cut, never ended as complete');
  assert.match(xgi.stderr, /cgi: spawner \(pid \d+\)/, 'the loss is logged');
  const res = await xgi.get('/cgi-bin/hello.sh');
  assert.equal(res.status, 200);
});

test('an idle spawner retires: no helper child is left once the scripts are done', async (t) => {
  const xgi = await startCgi(t, ['--cgi-spawners', '2']);
  await Promise.all(Array.from({ length: 10 }, () => xgi.get('/cgi-bin/hello.sh')));
  const deadline = Date.now() + 3000;
  while (spawnersOf(xgi.pid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(spawnersOf(xgi.pid), []);
  assert.equal((await xgi.get('/cgi-bin/hello.sh')).status, 200, 'and a new one starts for the next script');
});

test('no interpreter for the spawner: logged, and scripts are started by xgi itself', async (t) => {
  const xgi = await startCgi(t, ['--cgi-spawners', '1', '--python', '/nonexistent/python3']);
  const res = await xgi.get('/cgi-bin/hello.sh');
  assert.equal(res.status, 200);
  await xgi.waitForLine(/cgi: cannot start the spawner \(\/nonexistent\/python3: ENOENT\)/);
  assert.equal(isRunning(xgi.pid), true);
});

test('an interpreter that exits before the spawner starts: logged, and scripts are started by xgi itself', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-spawner-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const python = join(dir, 'python3');
  writeFileSync(python, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
  const xgi = await startCgi(t, ['--cgi-spawners', '1', '--python', python]);
  await xgi.waitForLine(/cgi: the spawner \(\S+python3, pid \d+\) exited with status 3 before it started/);
  for (let i = 0; i < 3; i++) assert.equal((await xgi.get('/cgi-bin/hello.sh')).status, 200);
});
