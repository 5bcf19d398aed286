// PEP 3333 environ, end to end: the `variables` fixture app echoes its
// environ as JSON, so one request checks the whole mapping. The app runs
// under wsgiref's validator with warnings as errors: an environ that breaks
// the PEP (a missing key, a non-str CGI value, HTTP_CONTENT_TYPE, ...) makes
// the app fail, and the request gets a 500 instead of the JSON.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../../helpers/start-xgi.js';
import { hasResponses, openRaw, parseResponses, rawRequest } from '../../helpers/raw-http.js';

const REQUIRED_STR_KEYS = [
  'REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL',
];

/** The app's JSON from a fetch() or a raw response; fails loudly on a 500. */
function echoed(response) {
  const text = response.text ?? response.body.toString('latin1');
  assert.equal(response.status, 200, `the variables app failed (validator?): ${text}`);
  return JSON.parse(text);
}

/** One raw request on its own connection; resolves with the app's JSON. */
async function rawEcho(port, bytes) {
  const buffer = await rawRequest(port, bytes, { until: hasResponses(1) });
  const [response] = parseResponses(buffer);
  assert.ok(response, `no response to ${JSON.stringify(bytes)}`);
  return echoed(response);
}

describe('WSGI environ (variables app)', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'variables']);
  });
  after(() => scope.close());

  test('every PEP 3333 required key is present with the right type', async () => {
    const { environ, types, checks } = echoed(await xgi.request('/probe?x=1'));
    for (const key of REQUIRED_STR_KEYS) {
      assert.equal(types[key], 'str', `${key} must be a native str`);
    }
    for (const [key, type] of Object.entries(types)) {
      if (!key.includes('.')) assert.equal(type, 'str', `CGI variable ${key} must be a native str`);
    }
    assert.equal(types['wsgi.version'], 'tuple');
    assert.equal(environ['wsgi.version'], '(1, 0)');
    assert.equal(environ['wsgi.url_scheme'], 'http');
    assert.equal(types['wsgi.url_scheme'], 'str');
    for (const key of ['wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once']) {
      assert.equal(types[key], 'bool', `${key} must be a bool`);
    }
    // -w 1, --threads 1: one request at a time in one process.
    assert.equal(environ['wsgi.multithread'], 'False');
    assert.equal(environ['wsgi.multiprocess'], 'False');
    assert.equal(environ['wsgi.run_once'], 'False');
    assert.deepEqual(checks.input_has, ['read', 'readline', 'readlines', '__iter__']);
    assert.deepEqual(checks.errors_has, ['write', 'writelines', 'flush']);
    assert.match(environ.SERVER_SOFTWARE, /^xgi\/\d/);
    assert.equal(environ.SCRIPT_NAME, '');
  });

  test('request line, Host and peer map to the CGI variables', async () => {
    const target = '/caf%C3%A9/a%2Fb/%zz?q=%C3%A9&x=1+2';
    const conn = await openRaw(xgi.port);
    conn.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${xgi.port}\r\nConnection: close\r\n\r\n`);
    const [response] = parseResponses(await conn.waitFor(hasResponses(1)));
    const { environ } = echoed(response);
    conn.destroy();
    assert.equal(environ.REQUEST_METHOD, 'GET');
    assert.equal(environ.SCRIPT_NAME, '');
    // UTF-8 bytes decoded as latin-1 (PEP 3333 native strings); %2F is a '/'; a bad escape stays.
    assert.equal(environ.PATH_INFO, '/caf\u00c3\u00a9/a/b/%zz');
    assert.equal(environ.QUERY_STRING, 'q=%C3%A9&x=1+2');
    assert.equal(environ.RAW_URI, target);
    assert.equal(environ.REQUEST_URI, target);
    assert.equal(environ.SERVER_NAME, '127.0.0.1');
    assert.equal(environ.SERVER_PORT, String(xgi.port));
    assert.equal(environ.SERVER_PROTOCOL, 'HTTP/1.1');
    assert.equal(environ.REMOTE_ADDR, '127.0.0.1');
    assert.equal(environ.REMOTE_PORT, String(conn.localPort));
    assert.equal(environ.HTTP_HOST, `127.0.0.1:${xgi.port}`);
  });

  test('Host without a port gives SERVER_PORT 80', async () => {
    const environ = (await rawEcho(xgi.port, 'GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n')).environ;
    assert.equal(environ.SERVER_NAME, 'example.com');
    assert.equal(environ.SERVER_PORT, '80');
    assert.equal(environ.PATH_INFO, '/');
    assert.equal(environ.QUERY_STRING, '');
  });

  test('HTTP/1.0 request gives SERVER_PROTOCOL HTTP/1.0', async () => {
    const environ = (await rawEcho(xgi.port, 'GET /old HTTP/1.0\r\nHost: old.example:8080\r\n\r\n')).environ;
    assert.equal(environ.SERVER_PROTOCOL, 'HTTP/1.0');
    assert.equal(environ.SERVER_NAME, 'old.example');
    assert.equal(environ.SERVER_PORT, '8080');
  });

  test('REQUEST_METHOD follows the request for every common method', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const { environ } = echoed(await xgi.request('/m', { method, body: method === 'DELETE' || method === 'OPTIONS' ? undefined : 'x' }));
      assert.equal(environ.REQUEST_METHOD, method);
    }
  });

  test('CONTENT_TYPE and CONTENT_LENGTH come without the HTTP_ prefix', async () => {
    const body = 'name=value&other=1';
    const { environ, checks } = echoed(await xgi.request('/form', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    }));
    assert.equal(environ.REQUEST_METHOD, 'POST');
    assert.equal(environ.CONTENT_TYPE, 'application/x-www-form-urlencoded');
    assert.equal(environ.CONTENT_LENGTH, String(body.length));
    assert.equal(environ.HTTP_CONTENT_TYPE, undefined);
    assert.equal(environ.HTTP_CONTENT_LENGTH, undefined);
    assert.equal(checks.body, body);
  });

  test('a header value\'s bytes arrive latin-1 decoded: UTF-8 "café" is HTTP_X_LATIN "caf\\u00c3\\u00a9"', async () => {
    const head = Buffer.concat([
      Buffer.from('GET /latin HTTP/1.1\r\nHost: localhost\r\nX-Latin: caf'),
      Buffer.from([0xc3, 0xa9]),
      Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]);
    const { environ, types } = await rawEcho(xgi.port, head);
    assert.equal(types.HTTP_X_LATIN, 'str');
    assert.equal(environ.HTTP_X_LATIN, 'caf\u00c3\u00a9');
    assert.equal(environ.HTTP_X_LATIN.length, 5, 'one character per byte');
  });

  test('headers become HTTP_*: repeats joined, names with _ dropped, no HTTP_PROXY', async () => {
    const { environ } = await rawEcho(xgi.port, [
      'GET /headers HTTP/1.1',
      'Host: localhost',
      'X-Custom-Header: custom value',
      'Accept: text/html',
      'Accept: application/json',
      'X-Forwarded-For: 10.0.0.1',
      'X_Forwarded_For: 6.6.6.6',
      'X-Under_Score: sneaky',
      'Proxy: http://evil.example:3128',
      'Connection: close',
      '', '',
    ].join('\r\n'));
    assert.equal(environ.HTTP_X_CUSTOM_HEADER, 'custom value');
    assert.equal(environ.HTTP_ACCEPT, 'text/html, application/json');
    assert.equal(environ.HTTP_X_FORWARDED_FOR, '10.0.0.1', 'X_Forwarded_For must not pose as X-Forwarded-For');
    assert.equal(environ.HTTP_X_UNDER_SCORE, undefined);
    assert.equal(environ.HTTP_PROXY, undefined, 'httpoxy: HTTP_PROXY must never be set from a request');
    for (const key of Object.keys(environ)) {
      assert.ok(!key.startsWith('HTTP_') || /^HTTP_[A-Z0-9_]+$/.test(key), `odd key ${key}`);
    }
  });
});
