// --proxy-protocol end to end: a trusted peer's PROXY header (v1, v2, LOCAL)
// decides REMOTE_ADDR and REMOTE_PORT, however its bytes arrive; a trusted
// peer without one is cut off; an untrusted peer's PROXY line is just a bad
// request. The HAProxy test (haproxy.test.js) is the real-world check.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { openRaw, parseResponses } from '../helpers/raw-http.js';

const HOSTILE = ['wsgi:app', '--pythonpath', APPS + 'hostile', '--proxy-protocol'];
const REQUEST = 'GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

function v2Tcp4(source, sourcePort, command = 1) {
  const block = Buffer.alloc(12);
  source.split('.').forEach((octet, i) => { block[i] = Number(octet); });
  block.set([127, 0, 0, 1], 4);
  block.writeUInt16BE(sourcePort, 8);
  block.writeUInt16BE(8000, 10);
  return Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([0x20 | command, 0x11, 0, 12]), block]);
}

/** Write the pieces, a few ms apart; resolve with the first response and whether the server closed. */
async function send(port, pieces) {
  const conn = await openRaw(port);
  for (const piece of pieces) {
    conn.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await conn.waitForClose(5000).catch(() => {});
  conn.destroy();
  return parseResponses(conn.buffer)[0] ?? null;
}

const echoOf = (response) => JSON.parse(response.body);

describe('--proxy-protocol from a trusted peer (127.0.0.1, the default --proxy-allow-from)', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [...HOSTILE, '--header-timeout', '2']);
  });
  after(() => scope.close());

  test('v1: the header\'s source is REMOTE_ADDR and REMOTE_PORT', async () => {
    const response = await send(xgi.port, [`PROXY TCP4 203.0.113.7 127.0.0.1 40001 8000\r\n${REQUEST}`]);
    assert.equal(echoOf(response).REMOTE_ADDR, '203.0.113.7');
    assert.equal(echoOf(response).REMOTE_PORT, '40001');
  });

  test('v1 over IPv6', async () => {
    const response = await send(xgi.port, [`PROXY TCP6 2001:db8::7 ::1 40002 8000\r\n${REQUEST}`]);
    assert.equal(echoOf(response).REMOTE_ADDR, '2001:db8::7');
  });

  test('v2, sent a byte at a time', async () => {
    const bytes = Buffer.concat([v2Tcp4('198.51.100.9', 40003), Buffer.from(REQUEST)]);
    const pieces = [...bytes.subarray(0, 30)].map((b) => Buffer.from([b]));
    const response = await send(xgi.port, [...pieces, bytes.subarray(30)]);
    assert.equal(echoOf(response).REMOTE_ADDR, '198.51.100.9');
    assert.equal(echoOf(response).REMOTE_PORT, '40003');
  });

  test('v2 LOCAL (a health check) keeps the real peer', async () => {
    const response = await send(xgi.port, [Buffer.concat([v2Tcp4('198.51.100.9', 1, 0), Buffer.from(REQUEST)])]);
    assert.equal(echoOf(response).REMOTE_ADDR, '127.0.0.1');
  });

  test('keep-alive: every request on the connection has the header\'s client', async () => {
    const conn = await openRaw(xgi.port);
    conn.write(`PROXY TCP4 203.0.113.8 127.0.0.1 40004 8000\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n`);
    await conn.waitFor((b) => parseResponses(b).length === 1 && parseResponses(b)[0].isComplete);
    conn.write(REQUEST);
    await conn.waitForClose();
    assert.deepEqual(parseResponses(conn.buffer).map((r) => echoOf(r).REMOTE_ADDR), ['203.0.113.8', '203.0.113.8']);
  });

  test('no PROXY header from a peer that must send one: closed without an answer, and logged', async () => {
    assert.equal(await send(xgi.port, [REQUEST]), null);
    await xgi.waitForLine(/http: closing connection from 127\.0\.0\.1: the connection does not begin with a PROXY protocol header/);
  });

  test('a malformed PROXY header: closed by the server at once, without an answer, and logged', async () => {
    const conn = await openRaw(xgi.port);
    const started = Date.now();
    conn.write(`PROXY TCP4 203.0.113.999 127.0.0.1 1 2\r\n${REQUEST}`);
    // Well inside --header-timeout 2: the close is for the bad header, not the PROXY header's deadline.
    await conn.waitForClose(1000);
    const closedAfterMs = Date.now() - started;
    conn.destroy();
    assert.ok(closedAfterMs < 1000, `closed after ${closedAfterMs} ms`);
    assert.equal(conn.buffer.length, 0, `no bytes back; got ${JSON.stringify(conn.buffer.toString('latin1'))}`);
    await xgi.waitForLine(/http: closing connection from 127\.0\.0\.1: malformed PROXY v1 line "PROXY TCP4 203\.0\.113\.999 [^"]*" \(--proxy-protocol expects one from --proxy-allow-from peers\)/, 2000);
  });

  test('a PROXY header that never ends: closed after --header-timeout', async () => {
    const started = Date.now();
    assert.equal(await send(xgi.port, ['PROXY TCP4 203.0.113.7']), null);
    assert.ok(Date.now() - started >= 1500, 'not before the timeout');
    await xgi.waitForLine(/no PROXY protocol header in time/);
  });
});

describe('--proxy-protocol from a peer not in --proxy-allow-from', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [...HOSTILE, '--proxy-allow-from', '10.0.0.5']);
  });
  after(() => scope.close());

  test('plain HTTP is served with the socket\'s own peer', async () => {
    const response = await send(xgi.port, [REQUEST]);
    assert.equal(echoOf(response).REMOTE_ADDR, '127.0.0.1');
  });

  test('a PROXY line cannot spoof the address: it is a bad request (400)', async () => {
    const response = await send(xgi.port, [`PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\n${REQUEST}`]);
    assert.equal(response.status, 400);
  });
});
