// CGI scenarios run on both ways of starting a script: through the spawner
// helpers (the default; environment.test.js, processes.test.js) and through
// node's own spawn (`--cgi-spawners 0`; node-spawn.test.js). Each takes the
// extra arguments that pick the way, starts its own xgi and asserts the whole
// outcome; `onScript` sees the script's pids where a caller has more to check.
import assert from 'node:assert/strict';
import { openRaw, parseResponses } from '../../helpers/raw-http.js';
import { CGI_BIN, startCgi, waitUntilGone } from './start-cgi.js';

const VERSION = (await import('../../../package.json', { with: { type: 'json' } })).default.version;

/** The pids in a script's `X-Pids: SCRIPT CHILD` header. */
export function pidsFrom(buffer) {
  const match = /X-Pids: (\d+) (\d+)/i.exec(buffer.toString('latin1'));
  assert.ok(match, buffer.toString('latin1'));
  return [Number(match[1]), Number(match[2])];
}

/** Send raw bytes, answer env.py's JSON and the client's own port (REMOTE_PORT). */
export async function reflect(xgi, head, body = '') {
  const conn = await openRaw(xgi.port);
  conn.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
  await conn.waitForClose();
  const [response] = parseResponses(conn.buffer);
  assert.equal(response.status, 200, conn.buffer.toString('latin1'));
  return { ...JSON.parse(response.body.toString('latin1')), clientPort: conn.localPort };
}

/**
 * Every meta-variable of a GET, exactly, and nothing of xgi's own
 * environment; `extraHeaders` are sent too and must leave no trace (the
 * security rules: Proxy, underscore names, credentials without --cgi-pass-auth).
 */
export async function assertGetEnvironment(t, args, extraHeaders = []) {
  const xgi = await startCgi(t, args, { env: { XGI_TEST_SECRET: 'must-not-leak', PATH: '/usr/bin:/bin' } });
  const got = await reflect(xgi, [
    'GET /cgi-bin/env.py/a%20b/c?x=1&y=%2F HTTP/1.1',
    'Host: example.test:8080',
    'Accept: text/plain',
    'Accept: text/html',
    'Cookie: a=1',
    'Cookie: b=2',
    'X-Custom-Header: v',
    ...extraHeaders,
    'Connection: close',
    '', '',
  ].join('\r\n'));
  assert.deepEqual(got.env, {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: `xgi/${VERSION}`,
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: 'example.test',
    SERVER_PORT: '8080',
    SERVER_ADDR: '127.0.0.1',
    REQUEST_METHOD: 'GET',
    REQUEST_SCHEME: 'http',
    REQUEST_URI: '/cgi-bin/env.py/a%20b/c?x=1&y=%2F',
    QUERY_STRING: 'x=1&y=%2F',
    SCRIPT_NAME: '/cgi-bin/env.py',
    SCRIPT_FILENAME: `${CGI_BIN}/env.py`,
    PATH_INFO: '/a b/c',
    PATH_TRANSLATED: `${CGI_BIN}/a b/c`,
    DOCUMENT_ROOT: CGI_BIN,
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_HOST: '127.0.0.1',
    REMOTE_PORT: String(got.clientPort),
    HTTP_HOST: 'example.test:8080',
    HTTP_ACCEPT: 'text/plain, text/html',
    HTTP_COOKIE: 'a=1; b=2',
    HTTP_X_CUSTOM_HEADER: 'v',
    HTTP_CONNECTION: 'close',
    PATH: '/usr/bin:/bin',
  });
  assert.deepEqual(got.argv, []);
  assert.equal(got.cwd, CGI_BIN, 'RFC 3875 §7.2: the script runs in its own directory');
}

/** --cgi-timeout 1 on a silent script: 504, logged, and its whole process group killed. */
export async function assertTimeoutKillsGroup(t, args) {
  const xgi = await startCgi(t, [...args, '--cgi-timeout', '1']);
  const started = Date.now();
  const res = await xgi.get('/cgi-bin/sleeps.sh');
  assert.equal(res.status, 504);
  assert.equal(res.text, 'Gateway Timeout\n');
  assert.ok(Date.now() - started >= 900, 'not before the timeout');
  const [, script, child] = await xgi.waitForLine(/sleeps\.sh: pids (\d+) (\d+)/);
  await xgi.waitForLine(/cgi: request \d+ GET \/cgi-bin\/sleeps\.sh: \S+sleeps\.sh \(pid \d+ was killed by xgi\): silent for 1000 ms \[XGI_CGI_TIMEOUT\]/);
  await waitUntilGone([Number(script), Number(child)]);
}

/** A client that goes away gets its script killed with its group, whether the script is writing or silent. */
export async function assertClientGoneKillsGroup(t, args, onScript = () => {}) {
  const xgi = await startCgi(t, [...args, '--log-level', 'debug']);
  const writer = await openRaw(xgi.port);
  writer.write('GET /cgi-bin/forever.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  await writer.waitFor((buf) => buf.includes('all work and no play'));
  const writing = pidsFrom(writer.buffer);
  onScript(xgi, writing);
  writer.destroy();
  await xgi.waitForLine(new RegExp(`GET /cgi-bin/forever\\.sh: client went away; killed the process group of \\S+ \\(pid ${writing[0]}\\)`));
  await waitUntilGone(writing);

  const sleeper = await openRaw(xgi.port);
  sleeper.write('GET /cgi-bin/sleeps.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  const [, script, child] = await xgi.waitForLine(/sleeps\.sh: pids (\d+) (\d+)/);
  sleeper.destroy();
  await xgi.waitForLine(/GET \/cgi-bin\/sleeps\.sh: client went away; killed the process group/);
  await waitUntilGone([Number(script), Number(child)]);
}
