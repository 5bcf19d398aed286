// HTTPS on a TLS listener, end to end: the real xgi binary with
// --certfile/--keyfile, node's https client and curl trusting the test
// certificate. HTTP/1.1 over TLS, curl's HTTP/2 and HTTP/1.1, what the app
// sees (wsgi.url_scheme, HTTPS=on), bad input (plain HTTP to the TLS port,
// bad certificate files), client certificates (--ca-certs), PROXY protocol
// before the handshake. HTTP/2 itself: http2.test.js.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { promisify } from 'node:util';
import { APPS, runXgi, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { openRaw } from '../helpers/raw-http.js';
import { certificates, tlsArgs } from '../helpers/tls.js';
import { h2Request, openSession } from '../helpers/http2-client.js';

const VARIABLES = ['wsgi:app', '--pythonpath', APPS + 'variables'];
const run = promisify(execFile);

/** One HTTPS request; resolves with { status, headers, text, socket }. */
function httpsGet(port, path, options = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', servername: 'localhost', port, path, ca: certificates().cert, ...options }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s) => { text += s; }).on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, httpVersion: res.httpVersion }));
    });
    req.on('error', reject).end();
  });
}

function environOf(response) {
  assert.equal(response.status, 200, response.text);
  return JSON.parse(response.text).environ;
}

/** Raw bytes over TLS (ALPN http/1.1), collected until the server closes. */
function tlsRaw(port, bytes) {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, servername: 'localhost', ca: certificates().cert, ALPNProtocols: ['http/1.1'] });
    const chunks = [];
    socket.on('secureConnect', () => socket.write(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

/** Junk in a file, for the start-up errors. */
function junkFile(name) {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-tls-junk-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  writeFileSync(path, 'this is not PEM\n');
  return path;
}

describe('HTTPS (HTTP/1.1 over TLS) to a WSGI app', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [...VARIABLES, ...tlsArgs(), '--forwarded-allow-ips', '127.0.0.1']);
  });
  after(() => scope.close());

  test('the Listening at line says https', () => {
    assert.match(xgi.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('the app answers; wsgi.url_scheme is https, HTTPS=on, SERVER_PROTOCOL HTTP/1.1', async () => {
    const response = await httpsGet(xgi.port, '/probe?q=1');
    assert.equal(response.httpVersion, '1.1');
    const environ = environOf(response);
    assert.equal(environ['wsgi.url_scheme'], 'https');
    assert.equal(environ.HTTPS, 'on');
    assert.equal(environ.SERVER_PROTOCOL, 'HTTP/1.1');
    assert.equal(environ.HTTP_HOST, `127.0.0.1:${xgi.port}`);
    assert.equal(environ.SERVER_PORT, String(xgi.port));
    assert.equal(environ.QUERY_STRING, 'q=1');
  });

  test('keep-alive: two requests on one TLS connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: certificates().cert });
    try {
      const first = environOf(await httpsGet(xgi.port, '/one', { agent }));
      const second = environOf(await httpsGet(xgi.port, '/two', { agent }));
      assert.equal(second.REMOTE_PORT, first.REMOTE_PORT, 'the same connection served both');
    } finally {
      agent.destroy();
    }
  });

  test('a trusted proxy that names no scheme leaves it https', async () => {
    const environ = environOf(await httpsGet(xgi.port, '/', { headers: { 'X-Forwarded-For': '203.0.113.5' } }));
    assert.equal(environ.REMOTE_ADDR, '203.0.113.5');
    assert.equal(environ['wsgi.url_scheme'], 'https');
  });

  test('curl --http2 gets HTTP/2, curl --http1.1 gets HTTP/1.1, both over TLS', async () => {
    const curl = (version) => run('curl', ['-sS', version, '--cacert', certificates().certFile, '-o', '/dev/null',
      '-w', '%{http_version} %{http_code}', `https://localhost:${xgi.port}/`]);
    assert.equal((await curl('--http2')).stdout, '2 200');
    assert.equal((await curl('--http1.1')).stdout, '1.1 200');
  });

  test('HTTP/1.1 over TLS keeps node:http\'s strict rules: a bad head or no Host gets 400', async () => {
    assert.match(await tlsRaw(xgi.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await tlsRaw(xgi.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400 /);
  });

  test('plain HTTP to the TLS port: the connection is closed, and xgi goes on serving', async () => {
    const conn = await openRaw(xgi.port);
    try {
      conn.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const bytes = await conn.waitForClose(2000); // rejects if the server keeps the connection open
      assert.doesNotMatch(bytes.toString('latin1'), /HTTP\/1\.1 200/);
    } finally {
      conn.destroy();
    }
    assert.equal((await httpsGet(xgi.port, '/after')).status, 200);
  });
});

describe('client certificates (--ca-certs)', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [...VARIABLES, ...tlsArgs(), '--ca-certs', certificates().caFile]);
  });
  after(() => scope.close());

  test('a client with no certificate is refused', async () => {
    await assert.rejects(httpsGet(xgi.port, '/'));
  });

  test('a client whose certificate the CA did not sign is refused', async () => {
    const { otherClientCert, otherClientKey } = certificates();
    await assert.rejects(httpsGet(xgi.port, '/', { cert: otherClientCert, key: otherClientKey }));
  });

  test('a client with a certificate the CA signed is served, on HTTP/1.1 and HTTP/2', async (t) => {
    const { clientCert, clientKey, cert } = certificates();
    assert.equal((await httpsGet(xgi.port, '/', { cert: clientCert, key: clientKey })).status, 200);
    const session = await openSession(t, `https://localhost:${xgi.port}`, { ca: cert, cert: clientCert, key: clientKey });
    assert.equal((await h2Request(session, { path: '/' })).status, 200);
  });
});

test('PROXY protocol comes before the TLS handshake; the app sees the client it names, on HTTP/1.1 and HTTP/2', async (t) => {
  const xgi = await startXgi(t, [...VARIABLES, ...tlsArgs(), '--proxy-protocol', '--proxy-allow-from', '127.0.0.1']);
  const proxied = (source) => {
    const socket = connectTcp({ host: '127.0.0.1', port: xgi.port });
    socket.write(`PROXY TCP4 ${source} 127.0.0.1 4711 ${xgi.port}\r\n`);
    return socket;
  };
  const overTls = (source, alpn) => connectTls({ socket: proxied(source), servername: 'localhost', ca: certificates().cert, ALPNProtocols: alpn });
  const h1 = environOf(await httpsGet(xgi.port, '/', { createConnection: () => overTls('203.0.113.7', ['http/1.1']) }));
  assert.equal(h1.REMOTE_ADDR, '203.0.113.7');
  assert.equal(h1.REMOTE_PORT, '4711');
  const session = await openSession(t, `https://localhost:${xgi.port}`, { createConnection: () => overTls('203.0.113.8', ['h2']) });
  const response = await h2Request(session, { path: '/' });
  const h2 = JSON.parse(response.body.toString()).environ;
  assert.equal(h2.REMOTE_ADDR, '203.0.113.8');
  assert.equal(h2.SERVER_PROTOCOL, 'HTTP/2.0');
});

describe('start-up errors in the TLS settings: one line, no stack trace, exit status 1 (docs/tls.md)', () => {
  const bind = ['-b', '127.0.0.1:0'];
  // What is wrong with a file xgi reads at start exits 1 (docs/tls.md); a path the
  // configuration already finds missing is a configuration problem: the usage status, 2.
  const oneLine = (result, pattern, code = 1) => {
    assert.equal(result.code, code, result.stderr);
    const errors = result.stderr.split('\n').filter((line) => /error/i.test(line));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(errors[0], pattern);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  };

  test('a certificate file that is not PEM', async () => {
    const junk = junkFile('cert.pem');
    oneLine(await runXgi([...VARIABLES, ...bind, '--certfile', junk, '--keyfile', certificates().keyFile]),
      new RegExp(`--certfile ${junk} is not a PEM certificate`));
  });

  test('a key file that is not PEM', async () => {
    const junk = junkFile('key.pem');
    oneLine(await runXgi([...VARIABLES, ...bind, '--certfile', certificates().certFile, '--keyfile', junk]),
      new RegExp(`--keyfile ${junk} is not a PEM private key`));
  });

  test('a key that is not the certificate\'s', async () => {
    const { certFile, clientKeyFile } = certificates();
    oneLine(await runXgi([...VARIABLES, ...bind, '--certfile', certFile, '--keyfile', clientKeyFile]),
      /--keyfile \S+ is not the private key of --certfile/);
  });

  test('a CA file that is not PEM', async () => {
    const junk = junkFile('ca.pem');
    oneLine(await runXgi([...VARIABLES, ...bind, ...tlsArgs(), '--ca-certs', junk]), new RegExp(`--ca-certs ${junk} is not a PEM certificate`));
  });

  test('a certificate file that does not exist', async () => {
    oneLine(await runXgi([...VARIABLES, ...bind, '--certfile', '/nonexistent/cert.pem', '--keyfile', certificates().keyFile]),
      /\/nonexistent\/cert\.pem/, 2);
  });

  test('--certfile without --keyfile is refused by the configuration', async () => {
    const result = await runXgi([...VARIABLES, ...bind, '--certfile', certificates().certFile]);
    // a configuration problem, not a TLS file one: the usage exit status, as for every invalid configuration
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--certfile: needs --keyfile as well/);
  });
});

test('--certfile/--keyfile put TLS on every -b bind', async (t) => {
  const xgi = await startXgi(t, [...VARIABLES, ...tlsArgs(), '-b', '127.0.0.1:0', '-b', '127.0.0.1:0']);
  const ports = [...xgi.stderr.matchAll(/Listening at: https:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  assert.equal(ports.length, 2, xgi.stderr);
  for (const port of ports) assert.equal((await httpsGet(port, '/')).status, 200);
});
