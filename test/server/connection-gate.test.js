// The connection gate (src/server/connection-gate.ts) over a real net.Server
// on 127.0.0.1:0, with real sockets: maxConnections are handed on, the next
// maxWaiting wait unread, and one more is closed by the server with a
// warning (a full listen backlog would refuse it). The logger is a plain
// object that records its lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import { createConnectionGate } from '../../dist/server/connection-gate.js';

/** A Logger that keeps its lines as [level, message]. */
function recordingLogger() {
  const lines = [];
  const at = (level) => (message) => { lines.push([level, message]); };
  return {
    lines,
    debug: at('debug'), info: at('info'), warning: at('warning'), error: at('error'), critical: at('critical'),
    log: (level, message) => { lines.push([level, message]); },
    isEnabled: () => true,
    hasAccessLog: false,
    access() {},
    reopen() {},
    close: async () => {},
  };
}

/** Resolve once `predicate()` holds, polling; reject after `timeoutMs` saying `what`. */
async function until(predicate, what, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A client socket that records what it got and whether the server ended it. */
async function client(port) {
  const socket = connect({ port, host: '127.0.0.1' });
  const seen = { socket, data: '', ended: false, closed: false };
  socket.setEncoding('latin1');
  socket.on('data', (chunk) => { seen.data += chunk; });
  socket.on('end', () => { seen.ended = true; });
  socket.on('close', () => { seen.closed = true; });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return seen;
}

test('past maxWaiting a new connection is closed by the server, with a warning; the waiting one gets in later', async (t) => {
  const log = recordingLogger();
  const handed = [];
  // The one 'connection' listener stands in for node:http's: it echoes, so a handed-over socket answers.
  const server = createServer((socket) => {
    handed.push(socket);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => {});
  });
  const gate = createConnectionGate({ maxConnections: 1, maxWaiting: 1, proxyFrom: null, preambleTimeoutMs: 0 }, log);
  gate.attach(server, false);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const clients = [];
  t.after(async () => {
    for (const c of clients) c.socket.destroy();
    gate.closeAll();
    server.close();
    await once(server, 'close');
  });
  const { port } = server.address();

  const first = await client(port);
  clients.push(first);
  await until(() => handed.length === 1, 'the first connection to be handed over');
  first.socket.write('one');
  await until(() => first.data === 'one', 'the first connection to be served');

  const second = await client(port);
  clients.push(second);
  await until(() => log.lines.some(([, m]) => /new ones wait/.test(m)), 'the second connection to wait');
  assert.deepEqual(log.lines, [['info', 'http: 1 connections open (--worker-connections): new ones wait']]);
  second.socket.write('two');

  const third = await client(port);
  clients.push(third);
  const closedFrom = Date.now();
  await until(() => third.ended && third.closed, 'the server to close the third connection', 2000);
  assert.ok(Date.now() - closedFrom < 2000);
  assert.equal(third.data, '', 'closed without a byte');
  assert.deepEqual(log.lines.filter(([level]) => level === 'warning'),
    [['warning', 'http: 1 connections already waiting (--worker-connections 1): closing a new one']]);

  // The waiting one was neither closed nor read: its bytes are still unanswered.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(handed.length, 1, 'only the first was handed over');
  assert.equal(second.data, '');
  assert.equal(second.ended, false, 'the waiting connection is kept open');

  // The first closes: the waiting one is handed over, and its unread bytes are read now.
  first.socket.end();
  await until(() => handed.length === 2, 'the waiting connection to be handed over');
  await until(() => second.data === 'two', 'the waiting connection to be served');

  // With the queue empty again, a newcomer waits rather than being closed.
  const fourth = await client(port);
  clients.push(fourth);
  await until(() => log.lines.filter(([, m]) => /new ones wait/.test(m)).length === 2, 'the fourth connection to wait');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(fourth.ended, false);
  assert.equal(log.lines.filter(([level]) => level === 'warning').length, 1, 'no second warning');
});
