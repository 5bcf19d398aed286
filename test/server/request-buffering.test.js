// Request buffering (DESIGN.md: workers never see a client socket): a worker
// gets a request only once its head is complete, and a body up to
// --request-buffer-size (default 1 MiB) is read whole by the front before the
// request is dispatched. So on one single-threaded worker, a client that
// stalls mid-head and one that stalls mid-body hold nothing up: a third
// request is answered at once. The control run with --request-buffer-size 0
// (every body streamed to the worker) shows the same scenario does block the
// third request behind the stalled body, so the first test cannot pass by
// accident.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { APPS, startXgi } from '../helpers/start-xgi.js';
import { hasResponses, openRaw, parseResponses } from '../helpers/raw-http.js';

const ONE_WORKER = ['wsgi:app', '--pythonpath', APPS + 'buffering', '-w', '1', '--threads', '1'];
const BODY = randomBytes(1000);
const FIRST_PART = 400;
const STARTED_B = /body app started for B/;

/** True if `conn` gets one whole response within `ms`, false if it gets none (a partial one fails). */
async function isAnsweredWithin(conn, ms) {
  try {
    await conn.waitFor(hasResponses(1), ms);
    return true;
  } catch {
    assert.equal(conn.buffer.length, 0, `a partial response: ${conn.buffer.toString('latin1')}`);
    return false;
  }
}

/** The two stalled clients: A mid-head, B with its whole head and part of its body. */
async function stallTwoClients(xgi) {
  const a = await openRaw(xgi.port);
  a.write('GET /hello HTTP/1.1\r\nHost: x\r\nX-Ta');
  const b = await openRaw(xgi.port);
  b.write(`POST /body HTTP/1.1\r\nHost: x\r\nX-Tag: B\r\nContent-Type: application/octet-stream\r\nContent-Length: ${BODY.length}\r\n\r\n`);
  b.write(BODY.subarray(0, FIRST_PART));
  return { a, b };
}

function sendThird(xgi) {
  return openRaw(xgi.port).then((c) => {
    c.write('GET /hello HTTP/1.1\r\nHost: x\r\nX-Tag: C\r\nConnection: close\r\n\r\n');
    return c;
  });
}

/** B's body finished: the app must have read all of it. */
async function finishB(b) {
  b.write(BODY.subarray(FIRST_PART));
  const [response] = parseResponses(await b.waitFor(hasResponses(1), 10000));
  assert.equal(response.status, 200, response.body.toString('latin1'));
  assert.deepEqual(JSON.parse(response.body.toString('latin1')), {
    size: BODY.length,
    sha256: createHash('sha256').update(BODY).digest('hex'),
  });
}

test('with the default buffer, a half-sent head and a half-sent body do not hold up the only worker', async (t) => {
  const xgi = await startXgi(t, ONE_WORKER);
  const { a, b } = await stallTwoClients(xgi);
  t.after(() => { a.destroy(); b.destroy(); });
  // Time for the front to read both; were B dispatched at its head, the idle
  // worker would start it (and log so) at once.
  await sleep(300);
  assert.doesNotMatch(xgi.stderr, STARTED_B, 'B reached the app before its body was complete');

  const c = await sendThird(xgi);
  t.after(() => c.destroy());
  assert.ok(await isAnsweredWithin(c, 2000), 'the third request waited behind a stalled client');
  const [third] = parseResponses(c.buffer);
  assert.equal(third.status, 200);
  assert.equal(third.body.toString(), 'hello C');

  // A and B were still stalled meanwhile: no answer, connections open, B not at the worker.
  assert.equal(a.buffer.length, 0);
  assert.equal(b.buffer.length, 0);
  assert.equal(a.isClosed, false);
  assert.equal(b.isClosed, false);
  assert.doesNotMatch(xgi.stderr, STARTED_B);

  await finishB(b);
  await xgi.waitForLine(STARTED_B, 5000); // the app ran, once its body was whole
  assert.equal(a.buffer.length, 0, 'A never finished its head and got an answer anyway');
});

test('control: with --request-buffer-size 0 the third request waits until the stalled body completes', async (t) => {
  const xgi = await startXgi(t, [...ONE_WORKER, '--request-buffer-size', '0']);
  const { a, b } = await stallTwoClients(xgi);
  t.after(() => { a.destroy(); b.destroy(); });
  // B streams: the only worker runs it at once and waits for the rest of the body.
  await xgi.waitForLine(STARTED_B, 5000);

  const c = await sendThird(xgi);
  t.after(() => c.destroy());
  assert.equal(await isAnsweredWithin(c, 1000), false, 'answered while the only worker waits for B\'s body');

  await finishB(b);
  assert.ok(await isAnsweredWithin(c, 5000), 'the third request was not answered once B completed');
  const [third] = parseResponses(c.buffer);
  assert.equal(third.status, 200);
  assert.equal(third.body.toString(), 'hello C');
  assert.equal(a.buffer.length, 0);
});
