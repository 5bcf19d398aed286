// Header spoofing and proxies, end to end through the hostile app's /echo:
// `_` headers never pose as real ones (--header-map), and Forwarded /
// X-Forwarded-* set REMOTE_ADDR, wsgi.url_scheme and the host only when the
// peer is in --forwarded-allow-ips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { parseResponses, rawRequest } from '../helpers/raw-http.js';

const HOSTILE = ['wsgi:app', '--pythonpath', APPS + 'hostile'];

/** GET /echo with these header lines; resolves with { status, echo }. */
async function echo(port, headerLines = []) {
  const head = ['GET /echo HTTP/1.1', 'Host: app.test:8080', ...headerLines, 'Connection: close', '', ''].join('\r\n');
  const [response] = parseResponses(await rawRequest(port, head));
  return { status: response?.status, echo: response?.status === 200 ? JSON.parse(response.body) : null };
}

function withXgi(args, body) {
  return () => {
    const scope = suiteScope();
    const state = {};
    before(async () => {
      state.xgi = await startXgi(scope, [...HOSTILE, ...args]);
    });
    after(() => scope.close());
    body(state);
  };
}

describe('--header-map drop (the default)', withXgi(['--access-logfile', '-'], (state) => {
  test('X_Forwarded_For is dropped; X-Forwarded-For from 127.0.0.1 (trusted by default) sets REMOTE_ADDR', async () => {
    const { echo: seen } = await echo(state.xgi.port, ['X_Forwarded_For: 6.6.6.6', 'X-Forwarded-For: 203.0.113.7', 'Script_Name: /admin']);
    assert.equal(seen.REMOTE_ADDR, '203.0.113.7');
    assert.equal(seen.headers.HTTP_X_FORWARDED_FOR, '203.0.113.7');
    assert.equal(seen.headers.HTTP_SCRIPT_NAME, undefined);
    assert.ok(!JSON.stringify(seen).includes('6.6.6.6'), JSON.stringify(seen));
  });

  test('scheme and host from X-Forwarded-Proto and -Host', async () => {
    const { echo: seen } = await echo(state.xgi.port, ['X-Forwarded-Proto: https', 'X-Forwarded-Host: shop.example:8443']);
    assert.equal(seen['wsgi.url_scheme'], 'https');
    assert.equal(seen.SERVER_NAME, 'shop.example');
    assert.equal(seen.SERVER_PORT, '8443');
    assert.equal(seen.headers.HTTP_HOST, 'shop.example:8443');
  });

  test('a client cannot prepend an address: the rightmost untrusted hop is the client', async () => {
    const { echo: seen } = await echo(state.xgi.port, ['X-Forwarded-For: 6.6.6.6, 203.0.113.7']);
    assert.equal(seen.REMOTE_ADDR, '203.0.113.7');
  });

  test('Forwarded (RFC 7239) wins over X-Forwarded-*, with an IPv6 client and its port', async () => {
    const { echo: seen } = await echo(state.xgi.port, [
      'Forwarded: for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https;host=forwarded.example',
      'X-Forwarded-For: 198.51.100.1', 'X-Forwarded-Proto: http',
    ]);
    assert.equal(seen.REMOTE_ADDR, '2001:db8:cafe::17');
    assert.equal(seen.REMOTE_PORT, '4711');
    assert.equal(seen['wsgi.url_scheme'], 'https');
    assert.equal(seen.SERVER_NAME, 'forwarded.example');
  });

  test('gunicorn\'s secure headers that disagree: 400', async () => {
    assert.equal((await echo(state.xgi.port, ['X-Forwarded-Proto: https', 'X-Forwarded-Ssl: off'])).status, 400);
    assert.equal((await echo(state.xgi.port, ['X-Forwarded-Proto: https', 'X-Forwarded-Ssl: on'])).echo['wsgi.url_scheme'], 'https');
  });

  test('an invalid forwarded host is ignored, the request\'s own Host stays', async () => {
    const { echo: seen } = await echo(state.xgi.port, ['X-Forwarded-Host: evil.example/path']);
    assert.equal(seen.SERVER_NAME, 'app.test');
  });

  test('the access log shows the client a trusted proxy named', async () => {
    await echo(state.xgi.port, ['X-Forwarded-For: 192.0.2.99']);
    await state.xgi.waitForLine(/^192\.0\.2\.99 - - \[.*\] "GET \/echo HTTP\/1\.1" 200 /m);
  });
}));

describe('--header-map dangerous', withXgi(['--header-map', 'dangerous'], (state) => {
  test('X_Forwarded_For maps onto HTTP_X_FORWARDED_FOR next to the real one (why it is dangerous)', async () => {
    const { echo: seen } = await echo(state.xgi.port, ['X_Forwarded_For: 6.6.6.6', 'X-Forwarded-For: 203.0.113.7']);
    assert.equal(seen.headers.HTTP_X_FORWARDED_FOR, '6.6.6.6, 203.0.113.7');
  });
}));

describe('--header-map refuse', withXgi(['--header-map', 'refuse'], (state) => {
  test('any header name with _ gets 400', async () => {
    assert.equal((await echo(state.xgi.port, ['X_Anything: 1'])).status, 400);
    assert.equal((await echo(state.xgi.port, ['X-Anything: 1'])).status, 200);
  });
}));

describe('--forwarded-allow-ips that does not include the peer', withXgi(['--forwarded-allow-ips', '10.0.0.0/8'], (state) => {
  test('every forwarding header is ignored: REMOTE_ADDR is the peer, the scheme http, the host the request\'s', async () => {
    const { echo: seen } = await echo(state.xgi.port, [
      'X-Forwarded-For: 203.0.113.7', 'X-Forwarded-Proto: https', 'X-Forwarded-Host: evil.example', 'Forwarded: for=198.51.100.1;proto=https',
    ]);
    assert.equal(seen.REMOTE_ADDR, '127.0.0.1');
    assert.equal(seen['wsgi.url_scheme'], 'http');
    assert.equal(seen.SERVER_NAME, 'app.test');
    assert.equal(seen.headers.HTTP_X_FORWARDED_FOR, '203.0.113.7', 'the app still sees the header itself');
  });
}));

describe('--forwarded-allow-ips with a proxy chain', withXgi(['--forwarded-allow-ips', '127.0.0.1,10.0.0.0/8'], (state) => {
  test('trusted hops are skipped from the right; the first untrusted one is the client', async () => {
    const { echo: seen } = await echo(state.xgi.port, ['X-Forwarded-For: 6.6.6.6, 203.0.113.7, 10.1.2.3, 10.9.9.9']);
    assert.equal(seen.REMOTE_ADDR, '203.0.113.7');
  });
}));

describe('--forwarded-allow-ips "*"', withXgi(['--forwarded-allow-ips', '*'], (state) => {
  test('trusts every peer and every hop: the leftmost address is the client', async () => {
    const { echo: seen } = await echo(state.xgi.port, ['X-Forwarded-For: 198.51.100.1, 203.0.113.7']);
    assert.equal(seen.REMOTE_ADDR, '198.51.100.1');
  });
}));
