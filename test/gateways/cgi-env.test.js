// RFC 3875 meta-variables (src/gateways/cgi-env.ts), as pure functions:
// request target splitting, percent-decoding to raw bytes, addresses, and
// buildMetaVariables fed a minimal object shaped like IncomingMessage (xgi's
// own seam: the fields node:http fills in, nothing patched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMetaVariables, percentDecode, plainAddress, splitTarget } from '../../dist/gateways/cgi-env.js';

/** Bytes of a meta-variable value, whether it came as a latin-1 string or a Buffer. */
const bytes = (v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from(v));

/**
 * A request as node:http presents it: `rawHeaders` in wire order, `headers`
 * lowercased (only the fields cgi-env reads from it need be right).
 */
function fakeRequest(options = {}) {
  // Spread, not parameter defaults: an explicit `undefined` (a closed socket) must stay undefined.
  const { url, method, httpVersion, rawHeaders, remoteAddress, remotePort, localAddress, localPort } = {
    url: '/',
    method: 'GET',
    httpVersion: '1.1',
    rawHeaders: ['Host', 'example.com'],
    remoteAddress: '::ffff:192.0.2.10',
    remotePort: 54321,
    localAddress: '::ffff:127.0.0.1',
    localPort: 8000,
    ...options,
  };
  const headers = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    // node:http keeps the first host/content-type/content-length and joins the rest.
    if (['host', 'content-type', 'content-length'].includes(name)) headers[name] ??= rawHeaders[i + 1];
    else headers[name] = headers[name] === undefined ? rawHeaders[i + 1] : `${headers[name]}, ${rawHeaders[i + 1]}`;
  }
  return { url, method, httpVersion, rawHeaders, headers, socket: { remoteAddress, remotePort, localAddress, localPort } };
}

/** buildMetaVariables as an object; fails if any name appears twice. */
function meta(req, { scriptName = '', urlScheme = 'http', bufferedBodyBytes = null } = {}) {
  const vars = buildMetaVariables({ req, scriptName, urlScheme, bufferedBodyBytes });
  const names = vars.map(([k]) => k);
  assert.equal(new Set(names).size, names.length, `duplicate meta-variable in ${JSON.stringify(names)}`);
  return Object.fromEntries(vars);
}

/** All values as latin-1 strings, for whole-set comparison. */
const asStrings = (vars) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, bytes(v).toString('latin1')]));

// ---------------------------------------------------------------------------
// splitTarget

test('splitTarget: origin-form path and query', () => {
  const cases = [
    ['/', { path: '/', query: '' }],
    ['/a/b', { path: '/a/b', query: '' }],
    ['/a/b?x=1&y', { path: '/a/b', query: 'x=1&y' }],
    ['/a?', { path: '/a', query: '' }],
    ['/a?b?c=/d', { path: '/a', query: 'b?c=/d' }],
    ['/%3F?q=%3F', { path: '/%3F', query: 'q=%3F' }],
    ['*', { path: '*', query: '' }],
  ];
  for (const [target, expected] of cases) assert.deepEqual(splitTarget(target), expected, target);
});

test('splitTarget: absolute-form keeps only the path and query', () => {
  const cases = [
    ['http://example.com/p?q=1', { path: '/p', query: 'q=1' }],
    ['HTTPS://Example.com:8443/a/b', { path: '/a/b', query: '' }],
    ['http://example.com', { path: '/', query: '' }],
    ['http://example.com/p?u=http://x/y', { path: '/p', query: 'u=http://x/y' }],
  ];
  for (const [target, expected] of cases) assert.deepEqual(splitTarget(target), expected, target);
});

test('splitTarget: absolute-form with a query and an empty path (RFC 3986 §3.2: "?" ends the authority)', () => {
  assert.deepEqual(splitTarget('http://example.com?a=1'), { path: '/', query: 'a=1' });
  assert.deepEqual(splitTarget('http://example.com?next=/x'), { path: '/', query: 'next=/x' });
});

// ---------------------------------------------------------------------------
// percentDecode

test('percentDecode: no % → the same string back', () => {
  assert.equal(percentDecode('/plain/path'), '/plain/path');
  assert.equal(percentDecode(''), '');
  assert.equal(percentDecode('/caf\u00e9'), '/caf\u00e9');
});

test('percentDecode: escapes become raw bytes, either case of hex digit', () => {
  const cases = [
    ['/a%20b', '2f612062'],
    ['/%41', '2f41'],
    ['%41', '41'],
    ['/%e9', '2fe9'],
    ['/%C3%A9', '2fc3a9'],
    ['/%aF%Fa', '2faffa'],
    ['/a%2Fb', '2f612f62'],
    ['/%ff%80', '2fff80'],
  ];
  for (const [input, hex] of cases) {
    const out = percentDecode(input);
    assert.ok(Buffer.isBuffer(out), `${input} decodes to a Buffer`);
    assert.equal(out.toString('hex'), hex, input);
  }
});

test('percentDecode: %00 is a NUL byte', () => {
  assert.equal(percentDecode('/x%00y').toString('hex'), '2f780079');
  assert.equal(percentDecode('%00').toString('hex'), '00');
});

test('percentDecode: invalid escapes stay as they are', () => {
  const cases = [
    ['/%zz', '/%zz'],
    ['/%4', '/%4'],
    ['/%', '/%'],
    ['/%4g', '/%4g'],
    ['/%g4', '/%g4'],
    ['/%%41', '/%A'],
    ['/%-1', '/%-1'],
    ['/% 1', '/% 1'],
    ['/a%', '/a%'],
  ];
  for (const [input, expected] of cases) {
    assert.equal(bytes(percentDecode(input)).toString('latin1'), expected, input);
  }
});

test('percentDecode: latin-1 characters next to escapes keep their byte', () => {
  assert.equal(bytes(percentDecode('/\u00e9%20')).toString('hex'), '2fe920');
});

// ---------------------------------------------------------------------------
// plainAddress

test('plainAddress: IPv4-mapped IPv6 → IPv4; others unchanged; undefined → empty', () => {
  assert.equal(plainAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(plainAddress('::ffff:192.0.2.10'), '192.0.2.10');
  assert.equal(plainAddress('::1'), '::1');
  assert.equal(plainAddress('2001:db8::1'), '2001:db8::1');
  assert.equal(plainAddress('10.0.0.1'), '10.0.0.1');
  assert.equal(plainAddress(undefined), '');
});

// ---------------------------------------------------------------------------
// buildMetaVariables

test('buildMetaVariables: the whole set for a simple GET under a mount point', () => {
  const req = fakeRequest({
    url: '/app/x/y?q=1',
    rawHeaders: ['Host', 'example.com:8080', 'User-Agent', 'curl/8', 'Accept', '*/*'],
  });
  assert.deepEqual(asStrings(meta(req, { scriptName: '/app' })), {
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/app',
    PATH_INFO: '/x/y',
    QUERY_STRING: 'q=1',
    REQUEST_URI: '/app/x/y?q=1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REMOTE_ADDR: '192.0.2.10',
    REMOTE_PORT: '54321',
    SERVER_NAME: 'example.com',
    SERVER_PORT: '8080',
    HTTP_HOST: 'example.com:8080',
    HTTP_USER_AGENT: 'curl/8',
    HTTP_ACCEPT: '*/*',
  });
});

test('buildMetaVariables: method and protocol come from the request', () => {
  const vars = meta(fakeRequest({ method: 'PATCH', httpVersion: '1.0' }));
  assert.equal(vars.REQUEST_METHOD, 'PATCH');
  assert.equal(vars.SERVER_PROTOCOL, 'HTTP/1.0');
});

test('buildMetaVariables: HTTP_* names are upper-cased with - → _', () => {
  const vars = meta(fakeRequest({
    rawHeaders: ['Host', 'h', 'Accept-Encoding', 'gzip', 'x-custom-header', 'v', 'DNT', '1', 'X-Forwarded-Proto', 'https'],
  }));
  assert.equal(vars.HTTP_ACCEPT_ENCODING, 'gzip');
  assert.equal(vars.HTTP_X_CUSTOM_HEADER, 'v');
  assert.equal(vars.HTTP_DNT, '1');
  assert.equal(vars.HTTP_X_FORWARDED_PROTO, 'https');
  assert.deepEqual(Object.keys(vars).filter((k) => k.startsWith('HTTP_')).sort(),
    ['HTTP_ACCEPT_ENCODING', 'HTTP_DNT', 'HTTP_HOST', 'HTTP_X_CUSTOM_HEADER', 'HTTP_X_FORWARDED_PROTO']);
});

test('buildMetaVariables: repeated headers joined with ", " in order, whatever the name case', () => {
  const vars = meta(fakeRequest({
    rawHeaders: ['Host', 'h', 'Accept', 'text/html', 'accept', 'application/json', 'ACCEPT', '*/*', 'X-Forwarded-For', '10.0.0.1', 'X-Forwarded-For', '10.0.0.2'],
  }));
  assert.equal(vars.HTTP_ACCEPT, 'text/html, application/json, */*');
  assert.equal(vars.HTTP_X_FORWARDED_FOR, '10.0.0.1, 10.0.0.2');
});

test('buildMetaVariables: repeated Cookie headers joined with "; " (RFC 6265 §5.4)', () => {
  const vars = meta(fakeRequest({ rawHeaders: ['Host', 'h', 'Cookie', 'a=1', 'cookie', 'b=2', 'COOKIE', 'c=3'] }));
  assert.equal(vars.HTTP_COOKIE, 'a=1; b=2; c=3');
});

test('buildMetaVariables: headers with "_" in the name are dropped, before or after their "-" twin', () => {
  const before = meta(fakeRequest({ rawHeaders: ['Host', 'h', 'X_Forwarded_For', 'evil', 'X-Forwarded-For', 'good'] }));
  assert.equal(before.HTTP_X_FORWARDED_FOR, 'good');
  const after = meta(fakeRequest({ rawHeaders: ['Host', 'h', 'X-Forwarded-For', 'good', 'x_forwarded_for', 'evil'] }));
  assert.equal(after.HTTP_X_FORWARDED_FOR, 'good');
  const alone = meta(fakeRequest({ rawHeaders: ['Host', 'h', 'Remote_User', 'admin'] }));
  assert.equal(alone.HTTP_REMOTE_USER, undefined);
  assert.deepEqual(Object.keys(alone).filter((k) => k.startsWith('HTTP_')), ['HTTP_HOST']);
});

test('buildMetaVariables: Proxy is dropped in any case (httpoxy)', () => {
  const vars = meta(fakeRequest({ rawHeaders: ['Host', 'h', 'Proxy', 'http://evil:8080', 'PROXY', 'x', 'proxy', 'y'] }));
  assert.equal(vars.HTTP_PROXY, undefined);
  // Proxy-Authorization is a different header and is kept (unless credentials are hidden, below).
  const other = meta(fakeRequest({ rawHeaders: ['Host', 'h', 'Proxy-Authorization', 'Basic x'] }));
  assert.equal(other.HTTP_PROXY_AUTHORIZATION, 'Basic x');
});

test('buildMetaVariables: isAuthorizationPassed false hides Authorization and Proxy-Authorization (Apache without CGIPassAuth)', () => {
  const req = fakeRequest({ rawHeaders: ['Host', 'h', 'Authorization', 'Basic a', 'Proxy-Authorization', 'Basic p', 'X-Other', 'o'] });
  const build = (isAuthorizationPassed) =>
    Object.fromEntries(buildMetaVariables({ req, scriptName: '', urlScheme: 'http', bufferedBodyBytes: null, isAuthorizationPassed }));
  const hidden = build(false);
  assert.equal(hidden.HTTP_AUTHORIZATION, undefined);
  assert.equal(hidden.HTTP_PROXY_AUTHORIZATION, undefined);
  assert.equal(hidden.HTTP_X_OTHER, 'o');
  // Passed explicitly, or left out (the WSGI environ's way): both are there.
  for (const passed of [true, undefined]) {
    const vars = build(passed);
    assert.equal(vars.HTTP_AUTHORIZATION, 'Basic a', String(passed));
    assert.equal(vars.HTTP_PROXY_AUTHORIZATION, 'Basic p', String(passed));
  }
});

test('buildMetaVariables: header values are passed through as latin-1 strings', () => {
  const vars = meta(fakeRequest({ rawHeaders: ['Host', 'h', 'X-Name', 'caf\u00e9 \u00ff'] }));
  assert.equal(bytes(vars.HTTP_X_NAME).toString('hex'), Buffer.from('caf\u00e9 \u00ff', 'latin1').toString('hex'));
});

test('buildMetaVariables: CONTENT_TYPE and CONTENT_LENGTH, never HTTP_CONTENT_*', () => {
  const req = fakeRequest({ method: 'POST', rawHeaders: ['Host', 'h', 'Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '5'] });
  const streamed = meta(req);
  assert.equal(streamed.CONTENT_TYPE, 'text/plain; charset=utf-8');
  assert.equal(streamed.CONTENT_LENGTH, '5');
  assert.equal(streamed.HTTP_CONTENT_TYPE, undefined);
  assert.equal(streamed.HTTP_CONTENT_LENGTH, undefined);
  // Buffered whole: the length is what was read.
  assert.equal(meta(req, { bufferedBodyBytes: 5 }).CONTENT_LENGTH, '5');
});

test('buildMetaVariables: CONTENT_LENGTH for chunked, empty and absent bodies', () => {
  const chunked = fakeRequest({ method: 'POST', rawHeaders: ['Host', 'h', 'Transfer-Encoding', 'chunked'] });
  assert.equal(meta(chunked, { bufferedBodyBytes: 11 }).CONTENT_LENGTH, '11', 'chunked body buffered: its length');
  assert.equal(meta(chunked).CONTENT_LENGTH, undefined, 'chunked body streamed: no length');
  const get = fakeRequest();
  assert.equal(meta(get, { bufferedBodyBytes: 0 }).CONTENT_LENGTH, undefined, 'no body, no Content-Length: absent');
  assert.equal(meta(get).CONTENT_LENGTH, undefined);
  assert.equal(meta(get).CONTENT_TYPE, undefined);
  const zero = fakeRequest({ method: 'POST', rawHeaders: ['Host', 'h', 'Content-Length', '0'] });
  assert.equal(meta(zero, { bufferedBodyBytes: 0 }).CONTENT_LENGTH, '0');
  assert.equal(meta(zero).CONTENT_LENGTH, '0');
});

test('buildMetaVariables: SERVER_NAME and SERVER_PORT from Host (RFC 3875 §4.1.14, §4.1.15)', () => {
  const cases = [
    // [Host, scheme, SERVER_NAME, SERVER_PORT]
    ['example.com:8080', 'http', 'example.com', '8080'],
    ['example.com', 'http', 'example.com', '80'],
    ['example.com', 'https', 'example.com', '443'],
    ['example.com:80', 'https', 'example.com', '80'],
    ['127.0.0.1:9000', 'http', '127.0.0.1', '9000'],
    ['[::1]:8080', 'http', '[::1]', '8080'],
    ['[::1]', 'http', '[::1]', '80'],
    ['[::1]', 'https', '[::1]', '443'],
    ['[2001:db8::1]:443', 'https', '[2001:db8::1]', '443'],
  ];
  for (const [host, urlScheme, name, port] of cases) {
    const vars = meta(fakeRequest({ rawHeaders: ['Host', host] }), { urlScheme });
    assert.deepEqual([vars.SERVER_NAME, vars.SERVER_PORT], [name, port], `Host: ${host} (${urlScheme})`);
    assert.equal(vars.HTTP_HOST, host);
  }
});

test('buildMetaVariables: Host with an empty port means the default port (RFC 3986 §3.2.3)', () => {
  // SERVER_PORT must be 1*digit (RFC 3875 §4.1.16); "example.com:" is a valid Host.
  const vars = meta(fakeRequest({ rawHeaders: ['Host', 'example.com:'] }));
  assert.deepEqual([vars.SERVER_NAME, vars.SERVER_PORT], ['example.com', '80']);
});

test('buildMetaVariables: no Host → SERVER_NAME/PORT from the local socket', () => {
  const vars = meta(fakeRequest({ httpVersion: '1.0', rawHeaders: [], localAddress: '::ffff:127.0.0.1', localPort: 8000 }));
  assert.deepEqual([vars.SERVER_NAME, vars.SERVER_PORT], ['127.0.0.1', '8000']);
  assert.equal(vars.HTTP_HOST, undefined);
  const v6 = meta(fakeRequest({ rawHeaders: [], localAddress: '::1', localPort: 9 }));
  assert.deepEqual([v6.SERVER_NAME, v6.SERVER_PORT], ['::1', '9']);
  const unknown = meta(fakeRequest({ rawHeaders: [], localAddress: undefined, localPort: 80 }));
  assert.equal(unknown.SERVER_NAME, 'localhost');
});

test('buildMetaVariables: REMOTE_ADDR is the plain address, REMOTE_PORT a string', () => {
  const v4 = meta(fakeRequest({ remoteAddress: '::ffff:203.0.113.5', remotePort: 1 }));
  assert.deepEqual([v4.REMOTE_ADDR, v4.REMOTE_PORT], ['203.0.113.5', '1']);
  const v6 = meta(fakeRequest({ remoteAddress: '2001:db8::7', remotePort: 65535 }));
  assert.deepEqual([v6.REMOTE_ADDR, v6.REMOTE_PORT], ['2001:db8::7', '65535']);
});

test('buildMetaVariables: SCRIPT_NAME is stripped from the decoded path', () => {
  const cases = [
    // [url, scriptName, PATH_INFO bytes as latin-1]
    ['/app/x', '/app', '/x'],
    ['/app', '/app', ''],
    ['/app/', '/app', '/'],
    ['/app/a%20b', '/app', '/a b'],
    ['/%61pp/x', '/app', '/x'],
    ['/app/%2Fetc', '/app', '//etc'],
    ['/x/y', '', '/x/y'],
    ['/a/b/c?q=/app', '/a/b', '/c'],
  ];
  for (const [url, scriptName, pathInfo] of cases) {
    const vars = meta(fakeRequest({ url }), { scriptName });
    assert.equal(bytes(vars.PATH_INFO).toString('latin1'), pathInfo, `${url} under ${JSON.stringify(scriptName)}`);
    assert.equal(vars.SCRIPT_NAME, scriptName);
    assert.equal(vars.REQUEST_URI, url, 'REQUEST_URI is the target as sent');
  }
});

test('buildMetaVariables: PATH_INFO carries raw bytes (%00, %ff), QUERY_STRING stays encoded', () => {
  const vars = meta(fakeRequest({ url: '/app/a%00b/%ff?x=%00&y=%ff' }), { scriptName: '/app' });
  assert.equal(bytes(vars.PATH_INFO).toString('hex'), Buffer.from([0x2f, 0x61, 0x00, 0x62, 0x2f, 0xff]).toString('hex'));
  assert.equal(vars.QUERY_STRING, 'x=%00&y=%ff');
});

test('buildMetaVariables: absolute-form target', () => {
  const vars = meta(fakeRequest({ url: 'http://example.com/app/p?q=1' }), { scriptName: '/app' });
  assert.equal(bytes(vars.PATH_INFO).toString('latin1'), '/p');
  assert.equal(vars.QUERY_STRING, 'q=1');
  assert.equal(vars.REQUEST_URI, 'http://example.com/app/p?q=1');
});
