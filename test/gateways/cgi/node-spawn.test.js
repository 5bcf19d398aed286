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
import { openRaw } from '../../helpers/raw-http.js';
import { parentOf } from '../../helpers/processes.js';
import { assertClientGoneKillsGroup, assertGetEnvironment, assertTimeoutKillsGroup, pidsFrom, reflect } from './scenarios.js';
import { startCgi, waitUntilGone } from './start-cgi.js';

const NODE_SPAWN = ['--cgi-spawners', '0'];

/** The process group of `pid`, from /proc (field 5 of stat). */
function groupOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
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

test('node spawn: every meta-variable of a GET, and nothing of xgi\'s own environment or of the headers it drops', async (t) => {
  await assertGetEnvironment(t, NODE_SPAWN, [
    'X_Forwarded_For: 10.0.0.1',
    'Proxy: http://evil.test:3128',
    'Authorization: Basic dXNlcjpwYXNz',
    'Proxy-Authorization: Basic cHJveHk6cGFzcw==',
  ]);
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
  await assertTimeoutKillsGroup(t, NODE_SPAWN);
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
  await assertClientGoneKillsGroup(t, NODE_SPAWN, (xgi, [script]) => assert.equal(parentOf(script), xgi.pid, 'node forked it'));
});
