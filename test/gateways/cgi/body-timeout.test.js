// --body-timeout covers CGI uploads too: a client that stops sending the body
// a script is reading gets 408 (the script has not answered yet) and the
// connection closes; the script's process group is killed; service goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRaw, parseResponses } from '../../helpers/raw-http.js';
import { startCgi } from './start-cgi.js';

test('a stalled CGI upload: 408 after --body-timeout, then normal service', async (t) => {
  const xgi = await startCgi(t, ['--body-timeout', '1', '--request-buffer-size', '4k', '--log-level', 'debug']);
  const conn = await openRaw(xgi.port);
  const started = Date.now();
  // env.py reads its whole stdin before it writes anything.
  conn.write(`POST /cgi-bin/env.py HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n${'s'.repeat(20000)}`);
  const buffer = await conn.waitForClose(8000);
  const elapsed = Date.now() - started;
  const [response] = parseResponses(buffer);
  assert.equal(response?.status, 408, buffer.toString('latin1'));
  assert.ok(elapsed >= 900 && elapsed < 5000, `closed after ${elapsed} ms`);
  await xgi.waitForLine(/no body bytes for --body-timeout 1 s/);
  await xgi.waitForLine(/cgi: request \d+ POST \/cgi-bin\/env\.py: client went away; killed the process group/);
  const ok = await xgi.get('/cgi-bin/hello.sh');
  assert.equal(ok.status, 200);
});
