// Broken app output never reaches the client (issue 7): CR, LF or NUL in a
// header name or value, a malformed status line, hop-by-hop headers from a
// WSGI app, a Content-Length that lies. The client gets a plain 500 (or a
// cut connection once the head is out), the error log says why, and the
// worker goes on serving. The CGI side is checked by its response-head
// parser's fuzz run (test/fuzz/cgi-response-head.fuzz.test.js).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { openRaw, parseResponses, rawRequest } from '../helpers/raw-http.js';

/** Path under /bad/, and what the log line must say. */
const REFUSED = [
  ['header-name-crlf', /invalid header name 'X-A\\r\\nX-Injected'/],
  ['header-name-space', /invalid header name 'X A'/],
  ['header-value-crlf', /header X-Split has CR, LF or NUL/],
  ['header-value-lf', /header X-Split has CR, LF or NUL/],
  ['header-value-cr', /header X-Split has CR, LF or NUL/],
  ['header-value-nul', /header X-Nul has CR, LF or NUL/],
  ['status-crlf', /status must be three digits, a space and a reason/],
  ['status-nul', /status must be three digits, a space and a reason/],
  ['status-short', /status must be three digits, a space and a reason/],
  ['hop-connection', /hop-by-hop header Connection/],
  ['hop-keep-alive', /hop-by-hop header Keep-Alive/],
  ['hop-transfer-encoding', /hop-by-hop header Transfer-Encoding/],
  ['hop-upgrade', /hop-by-hop header Upgrade/],
  ['hop-te', /hop-by-hop header TE/],
  ['hop-trailer', /hop-by-hop header Trailer/],
  ['hop-proxy-authenticate', /hop-by-hop header Proxy-Authenticate/],
  ['content-length-words', /Content-Length must be a whole number/],
];

describe('app output checks (hostile app, WSGI)', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'hostile']);
  });
  after(() => scope.close());

  for (const [name, rule] of REFUSED) {
    test(`${name}: a plain 500, nothing of it forwarded, and the log says why`, async () => {
      const buffer = await rawRequest(xgi.port, `GET /bad/${name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const text = buffer.toString('latin1');
      const [response] = parseResponses(buffer);
      assert.equal(response?.status, 500, text);
      assert.equal(response.body.toString(), 'Internal Server Error\n');
      assert.doesNotMatch(text, /X-Injected|X-Split|X-Nul|never reach|Keep-Alive: timeout|Upgrade|Trailer|Proxy-Authenticate/i);
      await xgi.waitForLine(new RegExp(`Error handling request GET /bad/${name}: .*${rule.source}`));
    });
  }

  test('an informational status as the final one passes PEP 3333\'s check; the front refuses it: 502', async () => {
    const [response] = parseResponses(await rawRequest(xgi.port, 'GET /bad/status-informational HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(response?.status, 502);
    assert.equal(response.body.toString(), 'Bad Gateway\n');
    await xgi.waitForLine(/wsgi: request \d+ GET \/bad\/status-informational: informational status 100 cannot be a final response/);
  });

  test('a body longer than its Content-Length: exactly Content-Length bytes go out, and the log says the rest was dropped', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /cl-long HTTP/1.1\r\nHost: x\r\n\r\nGET /cl-long HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const buffer = await conn.waitForClose();
    const responses = parseResponses(buffer);
    assert.deepEqual(responses.map((r) => [r.status, r.body.toString()]), [[200, '01234'], [200, '01234']],
      'the extra bytes never reach the client, so the next response on the connection is intact');
    await xgi.waitForLine(/response longer than its Content-Length \(5 bytes\): the rest is dropped/);
  });

  test('a body shorter than its Content-Length: a truncated response and a closed connection, and the log says why', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /cl-short HTTP/1.1\r\nHost: x\r\n\r\n');
    const buffer = await conn.waitForClose();
    const [response] = parseResponses(buffer);
    assert.equal(response.status, 200);
    assert.equal(response.isComplete, false);
    await xgi.waitForLine(/response shorter than its Content-Length \(5 of 10 bytes\)/);
  });

  test('the one worker survived all of it', async () => {
    const [response] = parseResponses(await rawRequest(xgi.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(response?.status, 200);
    assert.equal(xgi.workerPids().length, 1);
  });
});
