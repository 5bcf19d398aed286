// The access-log format compiler against gunicorn's atoms (glogging.py
// `Logger.atoms` + `SafeAtoms`) and Python's printf-style `%` operator.
// Runs in Asia/Shanghai so `t` is fixed; other zones are set per test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileAccessFormat,
  DEFAULT_ACCESS_LOG_FORMAT,
} from '../../dist/log/access-format.js';

process.env.TZ = 'Asia/Shanghai';

const START_MS = Date.parse('2026-11-24T16:51:10.250+08:00');

function entry(overrides = {}) {
  return {
    remoteAddr: '127.0.0.1',
    method: 'GET',
    target: '/hello?name=x',
    httpVersion: '1.1',
    status: 200,
    responseBytes: 13,
    startMs: START_MS,
    durationUs: 500_000,
    requestHeaders: {
      host: 'localhost:8000',
      referer: 'http://example.com/',
      'user-agent': 'curl/8.5.0',
    },
    responseHeaders: { 'content-type': 'text/plain', 'content-length': 13 },
    pid: 28843,
    ...overrides,
  };
}

function render(format, overrides) {
  return compileAccessFormat(format)(entry(overrides));
}

test('the default format renders gunicorn\'s combined line', () => {
  assert.equal(
    DEFAULT_ACCESS_LOG_FORMAT,
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
  );
  assert.equal(
    render(DEFAULT_ACCESS_LOG_FORMAT),
    '127.0.0.1 - - [24/Nov/2026:16:51:10 +0800] "GET /hello?name=x HTTP/1.1" 200 13 ' +
      '"http://example.com/" "curl/8.5.0"',
  );
});

test('the default format with no referer, user agent or body', () => {
  const line = render(DEFAULT_ACCESS_LOG_FORMAT, {
    method: 'HEAD',
    target: '/',
    httpVersion: '1.0',
    status: 304,
    responseBytes: 0,
    requestHeaders: {},
  });
  assert.equal(line, '127.0.0.1 - - [24/Nov/2026:16:51:10 +0800] "HEAD / HTTP/1.0" 304 0 "-" "-"');
});

test('each simple atom', () => {
  const cases = {
    h: '127.0.0.1',
    l: '-',
    u: '-',
    t: '[24/Nov/2026:16:51:10 +0800]',
    r: 'GET /hello?name=x HTTP/1.1',
    m: 'GET',
    U: '/hello',
    q: 'name=x',
    H: 'HTTP/1.1',
    s: '200',
    B: '13',
    b: '13',
    f: 'http://example.com/',
    a: 'curl/8.5.0',
    p: '<28843>',
  };
  for (const [atom, expected] of Object.entries(cases)) {
    assert.equal(render(`%(${atom})s`), expected, `atom ${atom}`);
  }
});

test('b is 0, not -, for an empty body (gunicorn prints resp.sent)', () => {
  assert.equal(render('%(b)s|%(B)s', { responseBytes: 0 }), '0|0');
});

test('request time atoms T M D L', () => {
  const line = render('%(T)s %(M)s %(D)s %(L)s', { durationUs: 2_003_004 });
  assert.equal(line, '2 2003 2003004 2.003004');
  assert.equal(render('%(T)s %(M)s %(D)s %(L)s', { durationUs: 999 }), '0 0 999 0.000999');
});

test('t is when the request finished, in local time with the UTC offset', () => {
  // 16:51:10.250 plus 1.9 s finishes at 16:51:12.150
  assert.equal(render('%(t)s', { durationUs: 1_900_000 }), '[24/Nov/2026:16:51:12 +0800]');
  process.env.TZ = 'America/New_York';
  try {
    const january = Date.parse('2026-01-05T03:04:05Z');
    assert.equal(render('%(t)s', { startMs: january, durationUs: 0 }), '[04/Jan/2026:22:04:05 -0500]');
    process.env.TZ = 'UTC';
    assert.equal(render('%(t)s', { startMs: january + 1000, durationUs: 0 }), '[05/Jan/2026:03:04:06 +0000]');
    process.env.TZ = 'Asia/Kolkata';
    assert.equal(render('%(t)s', { startMs: january + 2000, durationUs: 0 }), '[05/Jan/2026:08:34:07 +0530]');
  } finally {
    process.env.TZ = 'Asia/Shanghai';
  }
});

test('U is percent-decoded, q is raw, neither keeps a fragment or the authority', () => {
  assert.equal(render('%(U)s|%(q)s', { target: '/a%20b/%7e?x=%20y' }), '/a b/~|x=%20y');
  assert.equal(render('%(U)s|%(q)s', { target: '/plain' }), '/plain|');
  assert.equal(render('%(U)s|%(q)s', { target: '/p?q=1#frag' }), '/p|q=1');
  assert.equal(render('%(U)s|%(q)s|%(r)s', { target: 'http://example.com/abs?z' }), '/abs|z|GET http://example.com/abs?z HTTP/1.1');
  assert.equal(render('%(U)s', { target: '*', method: 'OPTIONS' }), '*');
});

test('u is the user of a Basic Authorization header', () => {
  const basic = (credentials) => ({
    requestHeaders: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
  });
  assert.equal(render('%(u)s', basic('alice:secret')), 'alice');
  assert.equal(render('%(u)s', basic('bob')), 'bob');
  assert.equal(render('%(u)s', basic('zoë:x')), 'zoë');
  assert.equal(render('%(u)s', basic(':nouser')), '-');
  assert.equal(render('%(u)s', basic('say "hi":x')), 'say \\"hi\\"');
  assert.equal(render('%(u)s', { requestHeaders: { authorization: 'basic YWxpY2U6eA==' } }), 'alice');
  assert.equal(render('%(u)s', { requestHeaders: { authorization: 'Bearer YWxpY2U6eA==' } }), '-');
  assert.equal(render('%(u)s', { requestHeaders: { authorization: 'Basic YWxpY2U6e' } }), '-');
  assert.equal(render('%(u)s', { requestHeaders: { authorization: 'Basic' } }), '-');
  const latin1 = Buffer.from([0xff, 0xfe, 0x3a, 0x78]).toString('base64');
  assert.equal(render('%(u)s', { requestHeaders: { authorization: `Basic ${latin1}` } }), '-');
});

test('{name}i and {name}o read headers case-insensitively, - when missing', () => {
  const format = '%({Host}i)s %({X-MISSING}i)s %({Content-Type}o)s %({content-length}O)s %({X-Nope}o)s';
  assert.equal(render(format), 'localhost:8000 - text/plain 13 -');
  const repeated = { requestHeaders: { 'x-forwarded-for': ['10.0.0.1', '10.0.0.2'] } };
  assert.equal(render('%({X-Forwarded-For}i)s', repeated), '10.0.0.2');
  assert.equal(render('%({set-cookie}o)s', { responseHeaders: { 'set-cookie': ['a=1', 'b=2'] } }), 'b=2');
});

test('{name}e reads the WSGI environ: derived keys, HTTP_*, then entry.environ', () => {
  const format =
    '%({REQUEST_METHOD}e)s %({raw_uri}e)s %({PATH_INFO}e)s %({QUERY_STRING}e)s ' +
    '%({SERVER_PROTOCOL}e)s %({REMOTE_ADDR}e)s %({HTTP_USER_AGENT}e)s %({CONTENT_TYPE}e)s';
  assert.equal(
    render(format, { requestHeaders: { 'user-agent': 'ua', 'content-type': 'text/html' } }),
    'GET /hello?name=x /hello name=x HTTP/1.1 127.0.0.1 ua text/html',
  );
  const environ = { REMOTE_PORT: '54321', 'wsgi.url_scheme': 'https', PATH_INFO: '/mounted' };
  assert.equal(
    render('%({remote_port}e)s %({wsgi.url_scheme}e)s %({path_info}e)s %({SERVER_NAME}e)s', { environ }),
    '54321 https /mounted -',
  );
});

test('unknown atoms render - and %% renders %', () => {
  assert.equal(render('%(x)s %(H2)s %({bad}z)s %({nobrace)s'), '- - - -');
  assert.equal(render('100%% %(s)s'), '100% 200');
  assert.equal(render('no atoms at all'), 'no atoms at all');
  assert.equal(render(''), '');
});

test('double quotes in text atoms are escaped, integers are not touched', () => {
  const line = render('"%(a)s" "%(r)s" %({x-q}i)s %(B)s', {
    target: '/a"b',
    requestHeaders: { 'user-agent': 'evil "agent"', 'x-q': '"' },
  });
  assert.equal(line, '"evil \\"agent\\"" "GET /a\\"b HTTP/1.1" \\" 13');
});

test('printf flags, width, precision and %d behave as Python\'s % operator', () => {
  // Expected values produced by Python 3 with the same format and values.
  const line = render(
    '%(D)08d|%(h)-12s|%(h).3s|%(D)+d|%(D) d|%(D).9d|%(D)12.9d|%(D)-10d|%(h)012s|%(D)ld|%(D)i|%(D)u|%(h)15s',
    { durationUs: 1_234_567 },
  );
  assert.equal(
    line,
    '01234567|127.0.0.1   |127|+1234567| 1234567|001234567|   001234567|1234567   |   127.0.0.1|1234567|1234567|1234567|      127.0.0.1',
  );
});

test('formats Python would reject throw XGI_LOG_BAD_ACCESS_FORMAT at compile time', () => {
  for (const bad of ['%s', '100% done', 'end %', '%(h', '%(h)', '%(h)r', '%(h)-5']) {
    assert.throws(() => compileAccessFormat(bad), { code: 'XGI_LOG_BAD_ACCESS_FORMAT' }, bad);
  }
});

test('a compiled formatter is reusable across entries', () => {
  const format = compileAccessFormat('%(h)s %(s)s %(p)s');
  assert.equal(format(entry()), '127.0.0.1 200 <28843>');
  assert.equal(format(entry({ remoteAddr: '::1', status: 404, pid: 7 })), '::1 404 <7>');
});
