// Script output to HTTP response (RFC 3875 §6) with real scripts: the four
// response types, Status:, CRLF heads, NPH, HEAD, and the deliberately broken
// scripts (Go's want500Test): each gets a 502 that leaks nothing, and the error
// log one line naming the script, its exit status or signal, the rule broken
// and its first stderr lines. A CGI mount beside a WSGI app wins its prefix.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openRaw, parseResponses, rawRequest } from '../../helpers/raw-http.js';
import { APPS, startXgi, suiteScope, DEBIAN_PYTHON } from '../../helpers/start-xgi.js';
import { CGI_BIN, startCgi } from './start-cgi.js';

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('CGI responses', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startCgi(scope, ['--log-level', 'debug']);
  });
  after(() => scope.close());

  const raw = async (head) => {
    const bytes = await rawRequest(xgi.port, head);
    return { bytes, responses: parseResponses(bytes, { isHead: head.startsWith('HEAD') }) };
  };

  test('document response', async () => {
    const res = await xgi.get('/cgi-bin/hello.sh');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(res.text, 'Hello World!\n');
  });

  test('Status: with its reason phrase, and extension fields', async () => {
    const { responses: [res] } = await raw('GET /cgi-bin/status.sh HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    assert.equal(res.status, 418);
    assert.equal(res.reason, 'Short And Stout');
    assert.equal(res.headers['x-extra'], 'yes');
    assert.equal(res.body.toString(), 'teapot\n');
  });

  test('a CRLF head, and a repeated field kept as two', async () => {
    const { bytes } = await raw('GET /cgi-bin/crlf.py HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    const text = bytes.toString('latin1');
    assert.match(text, /\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n/);
    assert.equal(parseResponses(bytes)[0].body.toString(), 'crlf body\n');
  });

  test('local redirect: served internally as a GET, the body and its headers dropped', async () => {
    const res = await xgi.request('/cgi-bin/local-redirect.sh', { method: 'POST', body: 'x=1', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 200);
    const { env } = JSON.parse(res.text);
    assert.equal(env.REQUEST_METHOD, 'GET');
    assert.equal(env.SCRIPT_NAME, '/cgi-bin/env.py');
    assert.equal(env.PATH_INFO, '/redirected');
    assert.equal(env.QUERY_STRING, 'from=local');
    assert.equal('CONTENT_LENGTH' in env || 'CONTENT_TYPE' in env, false);
  });

  test('a local redirect loop ends after 10 with a 500', async () => {
    const res = await xgi.get('/cgi-bin/redirect-loop.sh');
    assert.equal(res.status, 500);
    await xgi.waitForLine(/cgi: request \d+ GET \/cgi-bin\/redirect-loop\.sh: local redirect to \/cgi-bin\/redirect-loop\.sh: more than 10 local redirects \[XGI_CGI_REDIRECT_LOOP\]/);
  });

  test('client redirect: 302 with the Location', async () => {
    const res = await xgi.get('/cgi-bin/client-redirect.sh');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), 'http://example.com/elsewhere');
    assert.equal(res.text, '');
  });

  test('client redirect with document: its Status, Location and body', async () => {
    const res = await xgi.get('/cgi-bin/client-redirect-doc.sh');
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), 'http://example.com/moved');
    assert.equal(res.headers.get('content-type'), 'text/html');
    assert.match(res.text, /moved<\/a>/);
  });

  test('Status with no body needs no Content-Type', async () => {
    const { bytes, responses } = await raw('GET /cgi-bin/no-content.sh HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    assert.equal(responses.length, 1, bytes.toString('latin1'));
    const [res] = responses;
    assert.equal(res.status, 204);
    assert.equal(res.headers['content-type'], undefined, 'xgi adds none');
    assert.equal(res.headers['content-length'], undefined);
    assert.equal(res.headers['transfer-encoding'], undefined);
    // Not one byte after the head (parseResponses reads a 204 as bodiless whatever follows).
    assert.ok(bytes.toString('latin1').endsWith('\r\n\r\n'), bytes.toString('latin1'));
    assert.equal(res.raw.length, bytes.length);
  });

  test('HEAD: the head only', async () => {
    const { responses: [res] } = await raw('HEAD /cgi-bin/hello.sh HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
  });

  test('NPH: the raw response, byte for byte, then the connection closes', async () => {
    const { bytes } = await raw('GET /cgi-bin/nph-hello.sh HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal(bytes.toString('latin1'),
      'HTTP/1.1 203 Raw And Unparsed\r\nContent-Type: text/plain\r\nX-Nph: yes\r\nContent-Length: 10\r\n\r\nraw bytes\n');
  });

  test('stderr goes to the error log, tagged with the script', async () => {
    assert.equal((await xgi.get('/cgi-bin/noisy.sh')).text, 'fine\n');
    await xgi.waitForLine(new RegExp(`\\[ERROR\\] cgi: ${escape(CGI_BIN)}/noisy\\.sh: noisy\\.sh says hello to the error log`));
  });

  // A head found broken while the script still runs gets it killed: either may be first.
  const EXITED_OR_KILLED = '(?:exited with status 0|was killed by xgi)';
  const BROKEN = [
    ['no-headers.sh', EXITED_OR_KILLED, 'not a header field: "<html>hello</html>" [XGI_CGI_MALFORMED_HEADER]'],
    ['no-content-type.sh', EXITED_OR_KILLED, 'no Content-Type, Status or Location field [XGI_CGI_NO_CONTENT_TYPE]'],
    ['status-body-no-type.sh', EXITED_OR_KILLED, 'a body without Content-Type [XGI_CGI_NO_CONTENT_TYPE]'],
    ['malformed.sh', EXITED_OR_KILLED, 'bad field name "Content Type" [XGI_CGI_MALFORMED_HEADER]'],
    ['exit-nonzero.sh', 'exited with status 3', 'no output [XGI_CGI_NO_OUTPUT]; stderr: "something went wrong" | "second line"'],
    ['no-output.sh', 'exited with status 0', 'no output [XGI_CGI_NO_OUTPUT]'],
    ['crash.py', 'exited with status 1', 'no output [XGI_CGI_NO_OUTPUT]; stderr: "Traceback (most recent call last):"'],
    ['segfault.sh', 'was killed by SIGSEGV', 'no output [XGI_CGI_NO_OUTPUT]'],
    ['fails-after-head.sh', 'exited with status 2', 'failed after its head [XGI_CGI_EXIT]'],
  ];
  for (const [script, how, why] of BROKEN) {
    test(`broken: ${script} gets a 502 that leaks nothing, and one log line`, async () => {
      const res = await xgi.get(`/cgi-bin/${script}`);
      assert.equal(res.status, 502);
      assert.equal(res.text, 'Bad Gateway\n');
      const line = new RegExp(`cgi: request \\d+ GET /cgi-bin/${escape(script)}: ${escape(CGI_BIN)}/${escape(script)} \\(pid \\d+ ${how}\\): ${escape(why)}`);
      await xgi.waitForLine(line);
    });
  }

  test('broken: a script that dies mid-body leaves a visibly truncated response', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /cgi-bin/exits-mid-body.sh HTTP/1.1\r\nHost: h\r\n\r\n');
    await conn.waitForClose();
    const [res] = parseResponses(conn.buffer);
    assert.equal(res.status, 200);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.isComplete, false, 'no last chunk');
    assert.equal(res.body.toString(), 'first part\n');
    await xgi.waitForLine(/exits-mid-body\.sh \(pid \d+ exited with status 1\): the body is incomplete \[XGI_CGI_TRUNCATED\]/);
  });

  test('broken: a body shorter than its Content-Length is cut, not padded', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /cgi-bin/short-body.sh HTTP/1.1\r\nHost: h\r\n\r\n');
    await conn.waitForClose();
    const [res] = parseResponses(conn.buffer);
    assert.equal(res.headers['content-length'], '1000');
    assert.equal(res.isComplete, false);
    await xgi.waitForLine(/short-body\.sh \(pid \d+ exited with status 0\): the body is incomplete \[XGI_CGI_TRUNCATED\]/);
  });

  test('broken: a body longer than its Content-Length is cut at it, logged, and the next response on the connection is intact', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /cgi-bin/long-body.sh HTTP/1.1\r\nHost: h\r\n\r\nGET /cgi-bin/hello.sh HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    await conn.waitForClose();
    const responses = parseResponses(conn.buffer);
    assert.deepEqual(responses.map((r) => [r.status, r.body.toString()]), [[200, 'hello'], [200, 'Hello World!\n']]);
    assert.doesNotMatch(conn.buffer.toString('latin1'), /X-Smuggled/);
    await xgi.waitForLine(/\[WARNING\] cgi: request \d+ GET \/cgi-bin\/long-body\.sh: \S+long-body\.sh: output longer than its Content-Length \(5 bytes\): the rest is dropped/);
  });

  test('keep-alive survives a good response and a refused path', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: h\r\n\r\nGET /cgi-bin/nope HTTP/1.1\r\nHost: h\r\n\r\nGET /cgi-bin/status.sh HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    await conn.waitForClose();
    assert.deepEqual(parseResponses(conn.buffer).map((r) => r.status), [200, 404, 418]);
  });
});

test('beside a WSGI app: the CGI prefix wins its paths, the app has the rest, a local redirect reaches the app', async (t) => {
  const xgi = await startXgi(t, [
    'wsgi:app', '--pythonpath', APPS + 'variables', '--python', DEBIAN_PYTHON, '--cgi', `/cgi-bin=${CGI_BIN}`,
  ]);
  assert.equal((await xgi.get('/cgi-bin/hello.sh')).text, 'Hello World!\n');
  const app = JSON.parse((await xgi.get('/cgi-bin-not/x')).text);
  assert.equal(app.environ.PATH_INFO, '/cgi-bin-not/x');
  const redirected = JSON.parse((await xgi.get('/cgi-bin/redirect-to-app.sh')).text);
  assert.equal(redirected.environ.PATH_INFO, '/app/from-cgi');
  assert.equal(redirected.environ.QUERY_STRING, 'q=1');
  assert.equal(redirected.environ.REQUEST_METHOD, 'GET');
});

test('a CGI mount at / wins over the app entirely', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'variables', '--python', DEBIAN_PYTHON, '--cgi', `/=${CGI_BIN}`]);
  assert.equal((await xgi.get('/hello.sh')).text, 'Hello World!\n');
  assert.equal((await xgi.get('/nope')).status, 404);
});
