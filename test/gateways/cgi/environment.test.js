// The meta-variables a script receives (RFC 3875 §4.1 and Apache's
// additions), checked whole through env.py, which reflects the environment
// exactly as it was handed over, and the security rules around them: a clean
// environment, no HTTP_PROXY, no underscore headers, Authorization and
// Proxy-Authorization only when configured, configured variables win, no ISINDEX arguments unless enabled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResponses, rawRequest } from '../../helpers/raw-http.js';
import { buildScriptEnvironment } from '../../../dist/gateways/cgi/script-environment.js';
import { assertGetEnvironment, reflect } from './scenarios.js';
import { startCgi } from './start-cgi.js';

test('every meta-variable of a GET, and nothing of xgi\'s own environment', async (t) => {
  await assertGetEnvironment(t, []);
});

test('a POST: CONTENT_TYPE and CONTENT_LENGTH, no PATH_INFO or PATH_TRANSLATED, the body on stdin', async (t) => {
  const xgi = await startCgi(t);
  const got = await reflect(xgi,
    'POST /cgi-bin/env.py HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\nConnection: close\r\n\r\n',
    'a=1&b=2');
  assert.equal(got.env.CONTENT_TYPE, 'application/x-www-form-urlencoded');
  assert.equal(got.env.CONTENT_LENGTH, '7');
  assert.equal(got.body, 7);
  assert.equal(got.env.PATH_INFO, '');
  assert.equal('PATH_TRANSLATED' in got.env, false, '§4.1.6: no PATH_INFO, no PATH_TRANSLATED');
  assert.equal('HTTP_CONTENT_TYPE' in got.env || 'HTTP_CONTENT_LENGTH' in got.env, false);
});

test('a small chunked body is de-chunked and gets CONTENT_LENGTH', async (t) => {
  const xgi = await startCgi(t);
  const got = await reflect(xgi,
    'POST /cgi-bin/env.py HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    '3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n');
  assert.equal(got.env.CONTENT_LENGTH, '7');
  assert.equal(got.body, 7);
});

test('security: no HTTP_PROXY, no underscore headers, no Authorization or Proxy-Authorization, no AUTH_TYPE/REMOTE_USER', async (t) => {
  const xgi = await startCgi(t);
  const got = await reflect(xgi, [
    'GET /cgi-bin/env.py HTTP/1.1', 'Host: h',
    'Proxy: http://evil.test:3128',
    'X_Forwarded_For: 10.0.0.1', 'Content_Length: 99', 'Script_Name: /evil',
    'Authorization: Basic dXNlcjpwYXNz',
    'Proxy-Authorization: Basic cHJveHk6cGFzcw==',
    'Connection: close', '', '',
  ].join('\r\n'));
  const names = Object.keys(got.env);
  assert.equal(names.includes('HTTP_PROXY'), false, 'httpoxy');
  assert.deepEqual(names.filter((n) => /FORWARDED|HTTP_CONTENT|HTTP_SCRIPT/.test(n)), [], 'underscore headers are dropped');
  assert.equal(got.env.SCRIPT_NAME, '/cgi-bin/env.py');
  assert.equal('CONTENT_LENGTH' in got.env, false);
  assert.equal('HTTP_AUTHORIZATION' in got.env, false, 'Authorization needs --cgi-pass-auth');
  assert.equal('HTTP_PROXY_AUTHORIZATION' in got.env, false, 'Proxy-Authorization needs --cgi-pass-auth (Apache hides both)');
  assert.equal('AUTH_TYPE' in got.env || 'REMOTE_USER' in got.env, false, 'xgi authenticates no one');
});

test('--cgi-pass-auth passes Authorization and Proxy-Authorization; --cgi-env adds variables and wins over meta-variables', async (t) => {
  const xgi = await startCgi(t, [
    '--cgi-pass-auth', '--cgi-env', 'APP_MODE=test', '--cgi-env', 'SERVER_SOFTWARE=custom/1',
    '--cgi-env', 'DOCUMENT_ROOT=/srv/www', '--cgi-env', 'REMOTE_USER=operator', '--cgi-env', 'EQ=a=b',
  ]);
  const got = await reflect(xgi, 'GET /cgi-bin/env.py/doc HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t0k3n\r\nProxy-Authorization: Basic cHJveHk6cGFzcw==\r\nConnection: close\r\n\r\n');
  assert.equal(got.env.HTTP_AUTHORIZATION, 'Bearer t0k3n');
  assert.equal(got.env.HTTP_PROXY_AUTHORIZATION, 'Basic cHJveHk6cGFzcw==');
  assert.equal(got.env.APP_MODE, 'test');
  assert.equal(got.env.EQ, 'a=b');
  assert.equal(got.env.SERVER_SOFTWARE, 'custom/1');
  assert.equal(got.env.REMOTE_USER, 'operator');
  assert.equal(got.env.DOCUMENT_ROOT, '/srv/www');
  assert.equal(got.env.PATH_TRANSLATED, '/srv/www/doc', 'PATH_TRANSLATED follows the configured DOCUMENT_ROOT');
});

test('header and path bytes reach the script as sent (UTF-8)', async (t) => {
  const xgi = await startCgi(t);
  const head = Buffer.concat([
    Buffer.from('GET /cgi-bin/env.py/caf%C3%A9 HTTP/1.1\r\nHost: h\r\nX-Name: '),
    Buffer.from('café ☕', 'utf8'),
    Buffer.from('\r\nConnection: close\r\n\r\n'),
  ]);
  const bytes = await rawRequest(xgi.port, head);
  const { env } = JSON.parse(parseResponses(bytes)[0].body.toString('utf8'));
  assert.equal(env.HTTP_X_NAME, 'café ☕');
  assert.equal(env.PATH_INFO, '/café');
});

test('ISINDEX query strings become arguments only with --cgi-isindex-argv (RFC 3875 §4.4)', async (t) => {
  const off = await startCgi(t);
  const on = await startCgi(t, ['--cgi-isindex-argv']);
  assert.equal((await off.get('/cgi-bin/args.sh?-s+%2Dd+x')).text, '');
  assert.equal((await on.get('/cgi-bin/args.sh?-s+%2Dd+x%20y')).text, '[-s]\n[-d]\n[x y]\n');
  assert.equal((await on.get('/cgi-bin/args.sh?a=1+b')).text, '', 'an = makes it a form');
});

test('HTTPS=on and REQUEST_SCHEME=https for a request that came over TLS', () => {
  const req = {
    url: '/s/x', method: 'GET', httpVersion: '1.1', rawHeaders: ['Host', 'h'], headers: { host: 'h' },
    socket: { remoteAddress: '::ffff:10.1.2.3', remotePort: 5555, localAddress: '::ffff:10.0.0.1', localPort: 443 },
  };
  const env = buildScriptEnvironment({
    request: { req, body: { kind: 'buffered', bytes: Buffer.alloc(0) }, scriptName: '/s', urlScheme: 'https' },
    script: { filename: '/srv/s/x', scriptName: '/s/x', pathInfo: '', isNph: false },
    documentRoot: '/srv/s',
  }, { env: {}, path: '/bin', isAuthorizationPassed: false, serverSoftware: 'xgi/test' });
  assert.equal(env.HTTPS, 'on');
  assert.equal(env.REQUEST_SCHEME, 'https');
  assert.equal(env.SERVER_PORT, '443');
  assert.equal(env.SERVER_ADDR, '10.0.0.1');
  assert.equal(env.REMOTE_HOST, '10.1.2.3');
  assert.equal(Object.getPrototypeOf(env), null);
});
