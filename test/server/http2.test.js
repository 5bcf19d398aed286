// HTTP/2 by ALPN on a TLS listener, end to end: the real xgi binary with
// --certfile/--keyfile, node's http2 client trusting the test certificate,
// a WSGI app and CGI scripts behind it. Every request takes the front's one
// path (http-front.ts) as node's compatibility objects; these tests check
// what HTTP/2 changes on the way: Host from :authority, SERVER_PROTOCOL,
// bodies without Content-Length, connection-specific response headers,
// answers and cuts that end one stream and not the session, GOAWAY.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { constants } from 'node:http2';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startXgi, suiteScope } from '../helpers/start-xgi.js';
import { waitUntilGone } from '../gateways/cgi/start-cgi.js';
import { certificates, tlsArgs } from '../helpers/tls.js';
import { chunksOf, h2Request, openSession } from '../helpers/http2-client.js';

const CGI_BIN = fileURLToPath(new URL('../fixtures/cgi-bin/', import.meta.url)).replace(/\/$/, '');

const APP = `"""The HTTP/2 tests' app: the environ's str values (/env), the body's size
and SHA-256 (/sha256), a sleep (/slow?SECONDS), a hop-by-hop header PEP 3333
forbids (/connection), a large streamed response (/big?BYTES), a body that
breaks off (/fails-mid-body)."""
import hashlib, json, time


def reply(start_response, value):
    body = json.dumps(value).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def fail_after(first):
    yield first
    raise RuntimeError("the app fails after its first bytes")


def app(environ, start_response):
    path, query = environ["PATH_INFO"], environ["QUERY_STRING"]
    if path == "/sha256":
        inp, digest, size = environ["wsgi.input"], hashlib.sha256(), 0
        for chunk in iter(lambda: inp.read(65536), b""):
            digest.update(chunk)
            size += len(chunk)
        return reply(start_response, {"size": size, "sha256": digest.hexdigest()})
    if path == "/slow":
        environ["wsgi.errors"].write("slow request started\\n")
        environ["wsgi.errors"].flush()
        time.sleep(float(query))
        return reply(start_response, {"slept": float(query)})
    if path == "/connection":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Connection", "close")])
        return [b"never sent"]
    if path == "/fails-mid-body":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return fail_after(b"partial")
    if path == "/big":
        size = int(query)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return (b"x" * min(65536, size - sent) for sent in range(0, size, 65536))
    return reply(start_response, {k: v for k, v in environ.items() if isinstance(v, str)})
`;

/** Every connection-specific field HTTP/2 forbids (RFC 9113 §8.2.2), from a CGI script. */
const HOP_SCRIPT = `#!/bin/sh
printf 'Content-Type: text/plain\\nConnection: close\\nKeep-Alive: timeout=5\\nTransfer-Encoding: chunked\\nUpgrade: h2c\\nProxy-Connection: close\\nX-Kept: yes\\n\\nok\\n'
`;

/** A directory with the app and one CGI script; removed at exit. */
function makeSite() {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-h2-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'h2app.py'), APP);
  writeFileSync(join(dir, 'hop.sh'), HOP_SCRIPT);
  chmodSync(join(dir, 'hop.sh'), 0o755);
  return dir;
}

const SITE = makeSite();

function startSite(t, args = [], options = {}) {
  return startXgi(t, ['h2app:app', '--pythonpath', SITE, '--cgi', `/cgi-bin=${CGI_BIN}`, '--cgi', `/t=${SITE}`, ...tlsArgs(), ...args], options);
}

function json(response) {
  assert.equal(response.status, 200, response.body.toString());
  return JSON.parse(response.body.toString('utf8'));
}

/** A stuck stream fails its test instead of hanging the run. */
const BOUNDED = { timeout: 60_000 };

const sha256 = (chunks) => createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
const md5 = (chunks) => createHash('md5').update(Buffer.concat(chunks)).digest('hex');

describe('HTTP/2 over TLS (one xgi, WSGI at / and CGI at /cgi-bin)', () => {
  const scope = suiteScope();
  let xgi;
  let url;
  before(async () => {
    xgi = await startSite(scope, ['--threads', '4', '--limit-request-body', '4000000', '--access-logfile', '-']);
    url = `https://localhost:${xgi.port}`;
  });
  after(() => scope.close());

  test('ALPN picks h2; the environ has SERVER_PROTOCOL HTTP/2.0, HTTP_HOST from :authority, https, no pseudo-headers', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    assert.equal(session.alpnProtocol, 'h2');
    const env = json(await h2Request(session, { path: '/env?x=1', headers: { 'x-custom': 'yes' } }));
    assert.equal(env.SERVER_PROTOCOL, 'HTTP/2.0');
    assert.equal(env.HTTP_HOST, `localhost:${xgi.port}`);
    assert.equal(env.SERVER_NAME, 'localhost');
    assert.equal(env.SERVER_PORT, String(xgi.port));
    assert.equal(env['wsgi.url_scheme'], 'https');
    assert.equal(env.HTTPS, 'on');
    assert.equal(env.REQUEST_METHOD, 'GET');
    assert.equal(env.PATH_INFO, '/env');
    assert.equal(env.QUERY_STRING, 'x=1');
    assert.equal(env.HTTP_X_CUSTOM, 'yes');
    assert.deepEqual(Object.keys(env).filter((key) => key.includes(':') || /^HTTP__/.test(key)), [], 'no pseudo-header becomes a variable');
    await xgi.waitForLine(/"GET \/env\?x=1 HTTP\/2\.0" 200/);
  });

  test('CGI over HTTP/2: the same meta-variables, HTTPS=on', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const { env } = json(await h2Request(session, { path: '/cgi-bin/env.py/extra?q=1' }));
    assert.equal(env.SERVER_PROTOCOL, 'HTTP/2.0');
    assert.equal(env.HTTP_HOST, `localhost:${xgi.port}`);
    assert.equal(env.HTTPS, 'on');
    assert.equal(env.REQUEST_SCHEME, 'https');
    assert.equal(env.PATH_INFO, '/extra');
    assert.deepEqual(Object.keys(env).filter((key) => key.includes(':')), []);
  });

  test('POST with a small body, to the WSGI app and to a CGI script', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const body = Buffer.from('hello, h2');
    const withLength = json(await h2Request(session, { path: '/sha256', method: 'POST', headers: { 'content-length': body.length }, body }));
    assert.deepEqual(withLength, { size: body.length, sha256: sha256([body]) });
    const withoutLength = json(await h2Request(session, { path: '/sha256', method: 'POST', body }));
    assert.deepEqual(withoutLength, { size: body.length, sha256: sha256([body]) });
    const cgi = await h2Request(session, { path: '/cgi-bin/upload-md5.sh', method: 'POST', body });
    assert.equal(cgi.status, 200);
    assert.equal(cgi.body.toString().split(' ')[0], md5([body]));
  });

  test('POST over 1 MiB streamed without Content-Length, to the WSGI app and to a CGI script', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const chunks = chunksOf(3 * 1024 * 1024 + 17);
    const wsgi = json(await h2Request(session, { path: '/sha256', method: 'POST', body: chunks }));
    assert.deepEqual(wsgi, { size: 3 * 1024 * 1024 + 17, sha256: sha256(chunks) });
    const cgi = await h2Request(session, { path: '/cgi-bin/upload-md5.sh', method: 'POST', body: chunks });
    assert.equal(cgi.status, 200);
    assert.equal(cgi.body.toString().split(' ')[0], md5(chunks));
  });

  test('a large response streams through HTTP/2 flow control', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const response = await h2Request(session, { path: '/big?5000000' });
    assert.equal(response.status, 200);
    assert.equal(response.body.length, 5000000);
    assert.equal(response.rstCode, 0);
  });

  test('several concurrent streams on one session are served at once', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const started = performance.now();
    const slow = Array.from({ length: 8 }, () => h2Request(session, { path: '/slow?0.4' }));
    const quick = Array.from({ length: 4 }, (_, i) => h2Request(session, { path: `/cgi-bin/env.py?n=${i}` }));
    const answers = await Promise.all([...slow, ...quick]);
    for (const response of answers) assert.equal(response.status, 200);
    // 4 threads: two rounds of 0.4 s, far less than the 3.2 s one at a time would take.
    assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`);
  });

  test('Expect: 100-continue gets 100 on the stream before the body is sent', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const body = Buffer.from('sent after 100');
    const stream = session.request({ ':method': 'POST', ':path': '/sha256', expect: '100-continue', 'content-length': body.length }, { endStream: false });
    await once(stream, 'continue');
    stream.end(body);
    const [headers] = await once(stream, 'response');
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(headers[':status'], 200);
    assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString()), { size: body.length, sha256: sha256([body]) });
  });

  test('a stream the client resets ends its request (GET and HEAD): the script is killed, the access log has it', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    for (const [nth, method] of ['GET', 'HEAD'].entries()) {
      const stream = session.request({ ':method': method, ':path': '/cgi-bin/sleeps.sh' });
      stream.on('error', () => {});
      const [, script, child] = await xgi.waitForLine(/sleeps\.sh: pids (\d+) (\d+)/, 10000, nth);
      stream.close(constants.NGHTTP2_CANCEL);
      await xgi.waitForLine(new RegExp(`"${method} /cgi-bin/sleeps\\.sh HTTP/2\\.0"`));
      await waitUntilGone([Number(script), Number(child)]);
    }
  });

  test('HEAD: headers and no body, from WSGI and CGI', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const wsgi = await h2Request(session, { path: '/env', method: 'HEAD' });
    assert.equal(wsgi.status, 200);
    assert.equal(wsgi.headers['content-type'], 'application/json');
    assert.equal(wsgi.body.length, 0);
    const cgi = await h2Request(session, { path: '/cgi-bin/hello.sh', method: 'HEAD' });
    assert.equal(cgi.status, 200);
    assert.equal(cgi.body.length, 0);
  });

  test('connection-specific response headers: dropped from a CGI script, refused from a WSGI app; the session lives on', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const cgi = await h2Request(session, { path: '/t/hop.sh' });
    assert.equal(cgi.status, 200);
    assert.equal(cgi.body.toString(), 'ok\n');
    assert.equal(cgi.headers['x-kept'], 'yes');
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) assert.equal(cgi.headers[name], undefined, name);
    const wsgi = await h2Request(session, { path: '/connection' });
    assert.equal(wsgi.status, 500, 'PEP 3333: an app may not set hop-by-hop headers');
    assert.equal(wsgi.headers.connection, undefined);
    assert.equal(json(await h2Request(session, { path: '/env' })).SERVER_PROTOCOL, 'HTTP/2.0');
    assert.doesNotMatch(xgi.stderr, /UnsupportedWarning|ERR_HTTP2/);
  });

  test('a response that breaks off resets its stream (INTERNAL_ERROR), not the session', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const wsgi = await h2Request(session, { path: '/fails-mid-body' });
    assert.equal(wsgi.status, 200);
    assert.equal(wsgi.rstCode, 2, 'NGHTTP2_INTERNAL_ERROR: the client knows the body is incomplete');
    const cgi = await h2Request(session, { path: '/cgi-bin/exits-mid-body.sh' });
    assert.equal(cgi.rstCode, 2);
    assert.equal(json(await h2Request(session, { path: '/env' })).SERVER_PROTOCOL, 'HTTP/2.0');
  });

  test('an NPH script cannot answer on HTTP/2: 502 and a log line', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const response = await h2Request(session, { path: '/cgi-bin/nph-hello.sh' });
    assert.equal(response.status, 502);
    await xgi.waitForLine(/nph-hello\.sh: an NPH script cannot answer an HTTP\/2 request \[XGI_CGI_NPH_HTTP2\]/);
    assert.equal((await h2Request(session, { path: '/cgi-bin/hello.sh' })).status, 200);
  });

  test('a body over --limit-request-body gets 413 on its stream; the session goes on', BOUNDED, async (t) => {
    const session = await openSession(t, url, { ca: certificates().cert });
    const declared = await h2Request(session, { path: '/sha256', method: 'POST', headers: { 'content-length': 5000000 }, body: chunksOf(5000000) });
    assert.equal(declared.status, 413);
    const streamed = await h2Request(session, { path: '/sha256', method: 'POST', body: chunksOf(5000000) });
    assert.equal(streamed.status, 413);
    assert.equal(json(await h2Request(session, { path: '/env' })).SERVER_PROTOCOL, 'HTTP/2.0');
  });
});

test('a path no route serves gets 404 over HTTP/2, CONNECT gets 405', BOUNDED, async (t) => {
  const xgi = await startXgi(t, ['--cgi', `/cgi-bin=${CGI_BIN}`, ...tlsArgs()], { waitForWorkers: false });
  const session = await openSession(t, `https://localhost:${xgi.port}`, { ca: certificates().cert });
  const response = await h2Request(session, { path: '/nowhere' });
  assert.equal(response.status, 404);
  assert.equal(response.body.toString(), 'Not Found\n');
  const stream = session.request({ ':method': 'CONNECT', ':authority': 'example.com:443' });
  const [headers] = await once(stream, 'response');
  assert.equal(headers[':status'], 405);
  stream.close();
  assert.equal((await h2Request(session, { path: '/cgi-bin/hello.sh' })).body.toString(), 'Hello World!\n');
});

test('SIGTERM with an HTTP/2 request in flight: GOAWAY, the request finishes, xgi exits 0', BOUNDED, async (t) => {
  const xgi = await startSite(t);
  const session = await openSession(t, `https://localhost:${xgi.port}`, { ca: certificates().cert });
  const inFlight = h2Request(session, { path: '/slow?1' });
  await xgi.waitForLine(/slow request started/);
  const goaway = once(session, 'goaway');
  xgi.signal('SIGTERM');
  await goaway;
  await assert.rejects(h2Request(session, { path: '/env' }), 'no new stream after GOAWAY');
  assert.deepEqual(json(await inFlight), { slept: 1 });
  assert.deepEqual(await xgi.exit, { code: 0, signal: null });
});

test('an HTTP/2 session with no open stream for --keep-alive gets GOAWAY', BOUNDED, async (t) => {
  const xgi = await startSite(t, ['--keep-alive', '1']);
  const session = await openSession(t, `https://localhost:${xgi.port}`, { ca: certificates().cert });
  assert.equal((await h2Request(session, { path: '/env' })).status, 200);
  const [code] = await once(session, 'goaway');
  assert.equal(code, 0);
  await once(session, 'close');
});

test('--worker-connections counts TLS connections, and frees a slot when one closes', BOUNDED, async (t) => {
  const xgi = await startSite(t, ['--worker-connections', '1']);
  const url = `https://localhost:${xgi.port}`;
  const first = await openSession(t, url, { ca: certificates().cert });
  assert.equal((await h2Request(first, { path: '/env' })).status, 200);
  // Accepted by the kernel, left unread: its handshake waits for the first connection to end.
  const second = openSession(t, url, { ca: certificates().cert });
  let isSecondUp = false;
  second.then(() => { isSecondUp = true; });
  assert.equal((await h2Request(first, { path: '/env' })).status, 200);
  assert.equal(isSecondUp, false, 'the second connection waits while the first is open');
  first.close();
  const secondSession = await second;
  assert.equal((await h2Request(secondSession, { path: '/env' })).status, 200);
  secondSession.close();
  await once(secondSession, 'close');
  for (let i = 0; i < 3; i++) {
    const next = await openSession(t, url, { ca: certificates().cert });
    assert.equal((await h2Request(next, { path: '/env' })).status, 200);
    next.close();
    await once(next, 'close');
  }
});
