// `--cgi-spawners 0`: every script started by node's own child_process.spawn
// (script-process.ts #spawn), not by the spawner helpers that are the default.
// The rest of the CGI suite runs on the default path; these pin the points
// where the two could differ: the script is xgi's own child, the environment
// is the same, stdin is a pipe, --cgi-timeout and a lost client kill the
// whole process group, and a script that cannot be started gets the status
// the spawner path gives (403 without an execute bit, 500 when execve fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openRaw, parseResponses } from '../../helpers/raw-http.js';
import { parentOf } from '../../helpers/processes.js';
import { CGI_BIN, startCgi, waitUntilGone } from './start-cgi.js';

const VERSION = (await import('../../../package.json', { with: { type: 'json' } })).default.version;

const NODE_SPAWN = ['--cgi-spawners', '0'];

/** The pids in a script's `X-Pids: SCRIPT CHILD` header. */
function pidsFrom(buffer) {
  const match = /X-Pids: (\d+) (\d+)/i.exec(buffer.toString('latin1'));
  assert.ok(match, buffer.toString('latin1'));
  return [Number(match[1]), Number(match[2])];
}

/** The process group of `pid`, from /proc (field 5 of stat). */
function groupOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** Send raw bytes, answer env.py's JSON and the client's own port (REMOTE_PORT). */
async function reflect(xgi, head, body = '') {
  const conn = await openRaw(xgi.port);
  conn.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
  await conn.waitForClose();
  const [response] = parseResponses(conn.buffer);
  assert.equal(response.status, 200, conn.buffer.toString('latin1'));
  return { ...JSON.parse(response.body.toString('latin1')), clientPort: conn.localPort };
}

test('node spawn: the script is xgi\'s own child, leads its own process group, and answers', async (t) => {
  const xgi = await startCgi(t, NODE_SPAWN);
  assert.equal((await xgi.get('/cgi-bin/hello.sh')).text, 'Hello World!\n');
  const conn = await openRaw(xgi.port);
  conn.write('GET /cgi-bin/stalls-mid-body.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  await conn.waitFor((buf) => buf.includes('started'));
  const [script, child] = pidsFrom(conn.buffer);
  assert.equal(parentOf(script), xgi.pid, 'no spawner in between: node forked it');
  assert.equal(parentOf(child), script);
  assert.equal(groupOf(script), script, 'setsid: the script leads a group of its own');
  assert.equal(groupOf(child), script, 'and what it starts is in that group');
  conn.destroy();
  await waitUntilGone([script, child]);
});

test('node spawn: every meta-variable of a GET, and nothing of xgi\'s own environment', async (t) => {
  const xgi = await startCgi(t, NODE_SPAWN, { env: { XGI_TEST_SECRET: 'must-not-leak', PATH: '/usr/bin:/bin' } });
  const got = await reflect(xgi, [
    'GET /cgi-bin/env.py/a%20b/c?x=1&y=%2F HTTP/1.1',
    'Host: example.test:8080',
    'Accept: text/plain',
    'Accept: text/html',
    'Cookie: a=1',
    'Cookie: b=2',
    'X-Custom-Header: v',
    'X_Forwarded_For: 10.0.0.1',
    'Proxy: http://evil.test:3128',
    'Authorization: Basic dXNlcjpwYXNz',
    'Proxy-Authorization: Basic cHJveHk6cGFzcw==',
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
});

test('node spawn: a POST body reaches stdin through the pipe, with CONTENT_LENGTH', async (t) => {
  const xgi = await startCgi(t, NODE_SPAWN);
  const got = await reflect(xgi,
    'POST /cgi-bin/env.py HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 7\r\nConnection: close\r\n\r\n',
    'a=1&b=2');
  assert.equal(got.env.CONTENT_TYPE, 'text/plain');
  assert.equal(got.env.CONTENT_LENGTH, '7');
  assert.equal(got.body, 7);
});

test('node spawn: --cgi-timeout gets 504 and kills the whole process group', async (t) => {
  const xgi = await startCgi(t, [...NODE_SPAWN, '--cgi-timeout', '1']);
  const started = Date.now();
  const res = await xgi.get('/cgi-bin/sleeps.sh');
  assert.equal(res.status, 504);
  assert.equal(res.text, 'Gateway Timeout\n');
  assert.ok(Date.now() - started >= 900, 'not before the timeout');
  const [, script, child] = await xgi.waitForLine(/sleeps\.sh: pids (\d+) (\d+)/);
  await xgi.waitForLine(/cgi: request \d+ GET \/cgi-bin\/sleeps\.sh: \S+sleeps\.sh \(pid \d+ was killed by xgi\): silent for 1000 ms \[XGI_CGI_TIMEOUT\]/);
  await waitUntilGone([Number(script), Number(child)]);
});

test('node spawn: a script that cannot be run: 403 without an execute bit, 500 when execve fails', async (t) => {
  const xgi = await startCgi(t, NODE_SPAWN);
  const hidden = await xgi.get('/cgi-bin/not-executable.sh');
  assert.equal(hidden.status, 403);
  assert.doesNotMatch(hidden.text, /SECRET-SOURCE/);

  const missing = await xgi.get('/cgi-bin/bad-interpreter.sh');
  assert.equal(missing.status, 500);
  assert.equal(missing.text, 'Internal Server Error\n');
  await xgi.waitForLine(/cgi: request \d+ GET \/cgi-bin\/bad-interpreter\.sh: \S+bad-interpreter\.sh: cannot be run: ENOENT \[XGI_CGI_SPAWN_FAILED\]/);

  const denied = await xgi.get('/cgi-bin/interpreter-not-executable.sh');
  assert.equal(denied.status, 500);
  assert.equal(denied.text, 'Internal Server Error\n');
  await xgi.waitForLine(/cgi: request \d+ GET \/cgi-bin\/interpreter-not-executable\.sh: \S+interpreter-not-executable\.sh: cannot be run: EACCES \[XGI_CGI_SPAWN_FAILED\]/);

  assert.equal((await xgi.get('/cgi-bin/hello.sh')).status, 200, 'and the next script runs');
});

test('node spawn: a client that goes away gets its script killed with its group, writing or silent', async (t) => {
  const xgi = await startCgi(t, [...NODE_SPAWN, '--log-level', 'debug']);
  const writer = await openRaw(xgi.port);
  writer.write('GET /cgi-bin/forever.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  await writer.waitFor((buf) => buf.includes('all work and no play'));
  const writing = pidsFrom(writer.buffer);
  assert.equal(parentOf(writing[0]), xgi.pid);
  writer.destroy();
  await xgi.waitForLine(new RegExp(`GET /cgi-bin/forever\\.sh: client went away; killed the process group of \\S+ \\(pid ${writing[0]}\\)`));
  await waitUntilGone(writing);

  const sleeper = await openRaw(xgi.port);
  sleeper.write('GET /cgi-bin/sleeps.sh HTTP/1.1\r\nHost: h\r\n\r\n');
  const [, script, child] = await xgi.waitForLine(/sleeps\.sh: pids (\d+) (\d+)/);
  sleeper.destroy();
  await xgi.waitForLine(/GET \/cgi-bin\/sleeps\.sh: client went away; killed the process group/);
  await waitUntilGone([Number(script), Number(child)]);
});
