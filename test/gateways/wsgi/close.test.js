// PEP 3333: the server calls close() on the response iterable exactly once,
// however the response ends: completed, the app raising mid-iteration, or
// the client going away mid-stream. The close app appends "close <id>" to a
// file under a temp dir (CLOSE_LOG, passed with -e); the test polls it with
// a bounded loop. "Exactly once" is checked after a later request on the
// same single worker has been closed too: by then nothing of the earlier
// one can still be running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS, startXgi, suiteScope } from '../../helpers/start-xgi.js';
import { hasResponses, openRaw, parseResponses } from '../../helpers/raw-http.js';

describe('close() on the response iterable (close app)', () => {
  const scope = suiteScope();
  const dir = mkdtempSync(join(tmpdir(), 'xgi-close-'));
  const logFile = join(dir, 'close.log');
  let xgi;
  let sentinel = 0;

  const lines = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : []);
  const count = (line) => lines().filter((l) => l === line).length;

  /** Poll the log (every 20 ms, at most 5 s) until `line` was written at least once. */
  async function waitForLogLine(line) {
    for (let i = 0; i < 250; i++) {
      if (count(line) > 0) return;
      await delay(20); // polling a file, not synchronising on time
    }
    assert.fail(`"${line}" never written to the close log; it holds:\n${lines().join('\n')}`);
  }

  /** Run one more complete request and wait for its close(), then count `line`. */
  async function assertClosedOnce(line) {
    const id = `sentinel-${++sentinel}`;
    const response = await xgi.request(`/complete?${id}`);
    assert.equal(response.status, 200);
    await waitForLogLine(`close ${id}`);
    assert.equal(count(line), 1, `close() calls recorded:\n${lines().join('\n')}`);
  }

  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'close', '-e', `CLOSE_LOG=${logFile}`]);
  });
  after(async () => {
    await scope.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('when the response completes', async () => {
    const response = await xgi.request('/complete?done-1');
    assert.equal(response.status, 200);
    assert.equal(response.text, 'a\nb\nc\n');
    await waitForLogLine('close done-1');
    await assertClosedOnce('close done-1');
  });

  test('when the app raises mid-iteration', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /raise?raised-1 HTTP/1.1\r\nHost: x\r\n\r\n');
    await conn.waitForClose();
    const [response] = parseResponses(conn.buffer);
    assert.notEqual(response?.isComplete, true, 'a failed stream must not look complete');
    await waitForLogLine('close raised-1');
    await xgi.waitForLine(/GET \/raise\?raised-1[\s\S]*RuntimeError: deliberate failure mid-iteration/);
    await assertClosedOnce('close raised-1');
  });

  test('when the client disconnects mid-stream', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /forever?gone-1 HTTP/1.1\r\nHost: x\r\n\r\n');
    // Some body has arrived: the app is iterating.
    await conn.waitFor((buf) => buf.length > buf.indexOf('\r\n\r\n') + 4 + 1000 && buf.includes('\r\n\r\n'));
    await waitForLogLine('started gone-1');
    conn.destroy();
    await waitForLogLine('close gone-1');
    await assertClosedOnce('close gone-1');
  });

  test('every validated iterable was closed before it was collected', async () => {
    const response = await xgi.request('/complete?last');
    assert.equal(response.status, 200);
    await waitForLogLine('close last');
    assert.doesNotMatch(xgi.stderr, /Iterator garbage collected without being closed/);
  });
});

describe('close() with --threads 4, client gone while others stream', () => {
  test('each disconnected stream is closed exactly once', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'xgi-close-threads-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const logFile = join(dir, 'close.log');
    const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'close', '--threads', '4', '-e', `CLOSE_LOG=${logFile}`]);
    const read = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : []);
    const conns = await Promise.all([1, 2, 3].map(() => openRaw(xgi.port)));
    conns.forEach((c, i) => c.write(`GET /forever?t${i} HTTP/1.1\r\nHost: x\r\n\r\n`));
    await Promise.all(conns.map((c) => c.waitFor((buf) => buf.includes('\r\n\r\n') && buf.length > 70000)));
    for (const c of conns) c.destroy();
    for (let i = 0; i < 250 && ['t0', 't1', 't2'].some((id) => !read().includes(`close ${id}`)); i++) await delay(20);
    const response = await xgi.request('/complete?after');
    assert.equal(response.status, 200);
    for (let i = 0; i < 250 && !read().includes('close after'); i++) await delay(20);
    const closes = read().filter((l) => l.startsWith('close '));
    assert.deepEqual(closes.sort(), ['close after', 'close t0', 'close t1', 'close t2']);
  });
});
