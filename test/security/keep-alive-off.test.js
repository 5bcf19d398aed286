// Every wait on a client ends: `--keep-alive 0` turns keep-alive off (each
// HTTP/1.x response closes its connection, as gunicorn's async workers do)
// instead of leaving idle connections open forever, and `--header-timeout`
// cannot be 0 (a head with no deadline is the slowloris hole).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasResponses, openRaw, parseResponses } from '../helpers/raw-http.js';
import { APPS, runXgi, startXgi } from '../helpers/start-xgi.js';

const APP = ['wsgi:app', '--pythonpath', APPS + 'supervised'];

test('--keep-alive 0: an HTTP/1.1 response says Connection: close and the server closes; pipelined requests behind it are not served', async (t) => {
  const xgi = await startXgi(t, [...APP, '--keep-alive', '0']);
  const conn = await openRaw(xgi.port);
  conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /pid HTTP/1.1\r\nHost: x\r\n\r\n');
  await conn.waitForClose(5000);
  const responses = parseResponses(conn.buffer);
  assert.equal(responses.length, 1, 'one response, then the close');
  assert.equal(responses[0].status, 200);
  assert.equal(responses[0].headers.connection, 'close');
  assert.equal(responses[0].body.toString(), 'ok');
});

test('--keep-alive 2 (the default) keeps the connection for the next request: the control', async (t) => {
  const xgi = await startXgi(t, APP);
  const conn = await openRaw(xgi.port);
  t.after(() => conn.destroy());
  conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await conn.waitFor(hasResponses(1));
  assert.equal(parseResponses(conn.buffer)[0].headers.connection, 'keep-alive');
  conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await conn.waitFor(hasResponses(2));
  assert.equal(conn.isClosed, false);
});

test('--header-timeout 0 is refused with one clear line', async () => {
  const result = await runXgi([...APP, '-b', '127.0.0.1:0', '--header-timeout', '0']);
  assert.equal(result.code, 2, result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line.startsWith('xgi: error: '));
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /--header-timeout: "0" is not a whole number of seconds from 1 to \d+/);
  assert.doesNotMatch(result.stderr, /Listening at/);
});
