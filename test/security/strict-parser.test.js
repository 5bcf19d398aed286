// llhttp stays strict, and a parse error never writes into an answer:
// - a malformed request pipelined behind a valid slow one: the slow one's
//   response arrives whole, nothing follows it (no stray 400), and the
//   connection closes (docs/security.md, "Every refusal closes ...");
// - node started with --insecure-http-parser: xgi still refuses the corpus's
//   smuggling cases with their status and a close, while a plain node:http
//   server under the same flag accepts them (so the flag really loosens
//   what xgi must not).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { APPS, ROOT, RunningXgi, XGI, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { openRaw, parseResponses, rawRequest } from '../helpers/raw-http.js';
import { sleep } from '../helpers/processes.js';
import { readManifest, readRequest } from './request-files.js';

const HOSTILE = ['wsgi:app', '--pythonpath', APPS + 'hostile'];

async function assertNormalRequestSucceeds(port) {
  const [response] = parseResponses(await rawRequest(port, 'GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  assert.equal(response?.status, 200, 'a normal request on a new connection is served');
}

describe('a malformed request pipelined behind a valid slow one', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, [...HOSTILE, '--log-level', 'debug', '--keep-alive', '20', '--access-logfile', '-']);
  });
  after(() => scope.close());

  const SLOW = 'GET /sleep?s=1 HTTP/1.1\r\nHost: x\r\n\r\n';
  const CASES = [
    ['CL+TE, in the same write', '001-cl-and-te.http', 0],
    ['a bare LF in a header, in the same write', '036-bare-lf-header.http', 0],
    ['an obs-folded Transfer-Encoding, written while the first is running', '024-te-obs-fold.http', 300],
  ];
  let nth = 0;
  for (const [what, file, afterMs] of CASES) {
    test(`${what}: the first response whole, nothing after it, then close`, async () => {
      const conn = await openRaw(xgi.port);
      const started = Date.now();
      if (afterMs === 0) {
        conn.write(Buffer.concat([Buffer.from(SLOW), readRequest(file)]));
      } else {
        conn.write(SLOW);
        await sleep(afterMs);
        assert.equal(conn.buffer.length, 0, 'the slow request is still running');
        conn.write(readRequest(file));
      }
      const buffer = await conn.waitForClose(5000);
      const elapsedMs = Date.now() - started;
      conn.destroy();
      const responses = parseResponses(buffer);
      assert.equal(responses.length, 1, `one response only; got ${JSON.stringify(buffer.toString('latin1'))}`);
      const [response] = responses;
      assert.equal(response.status, 200);
      assert.ok(response.isComplete, 'the response is whole');
      assert.equal(response.body.toString('latin1'), 'slept\n', 'the slow request\'s own body');
      assert.equal(response.raw.length, buffer.length, 'not a byte after the response');
      assert.doesNotMatch(buffer.toString('latin1'), /HTTP\/1\.1 4\d\d/, 'no refusal written into or after the answer');
      assert.ok(elapsedMs >= 900, `the answer waited for the app (${elapsedMs} ms)`);
      assert.ok(elapsedMs < 4000, `the connection closed soon after the answer (${elapsedMs} ms), not at --keep-alive 20`);
      await xgi.waitForLine(/http: 400 from 127\.0\.0\.1 after a request still being answered: HPE_/, 2000, nth++);
      await assertNormalRequestSucceeds(xgi.port);
    });
  }

  test('the app saw only the slow and the normal requests, and its worker was never replaced', async () => {
    await xgi.waitForLine(/"GET \/echo HTTP\/1\.1" 200/, 2000, CASES.length - 1);
    const served = [...xgi.stdout.matchAll(/"(\S+ \S+ HTTP\/1\.[01])" (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(served, CASES.flatMap(() => ['GET /sleep?s=1 HTTP/1.1 200', 'GET /echo HTTP/1.1 200']), xgi.stdout);
    assert.equal(xgi.workerPids().length, 1, xgi.stderr);
    assert.doesNotMatch(xgi.stderr, /Traceback|internal error/);
  });
});

/** Smuggling cases from the corpus that llhttp lets through when it is lenient. */
const SMUGGLING = ['001-cl-and-te.http', '002-te-and-cl.http', '023-te-space-before-colon.http', '024-te-obs-fold.http',
  '035-bare-lf-request-line.http', '036-bare-lf-header.http'];
const STATUS = new Map(readManifest().map((entry) => [entry.file, entry.status]));

/** Send `bytes` on a new connection; { responses, closed } once the server closes it, or after timeoutMs. */
async function exchange(port, bytes, timeoutMs = 3000) {
  const conn = await openRaw(port);
  conn.write(bytes);
  const closed = await conn.waitForClose(timeoutMs).then(() => true, () => false);
  conn.destroy();
  return { responses: parseResponses(conn.buffer), closed, raw: conn.buffer.toString('latin1') };
}

describe('node --insecure-http-parser', () => {
  const scope = suiteScope();
  let xgi;
  let plain;
  before(async () => {
    const child = spawn(process.execPath, ['--insecure-http-parser', XGI, ...HOSTILE, '--access-logfile', '-', '-b', '127.0.0.1:0'], {
      cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    xgi = new RunningXgi(child);
    scope.after(() => xgi.kill());
    xgi.port = Number((await xgi.waitForLine(/Listening at: \S+:(\d+)/, 15000))[1]);
    await xgi.waitForLine(/Booting worker with pid: (\d+)/, 15000);
    // The control: node:http left at its default under the same flag.
    const server = spawn(process.execPath, ['--insecure-http-parser', '-e', `
      const server = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
      server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));`], { stdio: ['ignore', 'pipe', 'pipe'] });
    plain = new RunningXgi(server);
    scope.after(() => plain.kill());
    plain.port = Number((await plain.waitForLine(/port (\d+)/, 10000))[1]);
  });
  after(() => scope.close());

  test('xgi runs under the flag', () => {
    assert.ok(readFileSync(`/proc/${xgi.pid}/cmdline`, 'latin1').split('\0').includes('--insecure-http-parser'));
  });

  for (const file of SMUGGLING) {
    test(`${file}: ${STATUS.get(file)} and close, as without the flag (a lenient node:http accepts it)`, async () => {
      const bytes = readRequest(file);
      const lenient = await exchange(plain.port, bytes, 1000);
      assert.equal(lenient.responses[0]?.status, 200, `the flag loosens a default node:http server: ${JSON.stringify(lenient.raw)}`);
      const strict = await exchange(xgi.port, bytes);
      assert.equal(strict.responses[0]?.status, STATUS.get(file), JSON.stringify(strict.raw));
      assert.equal(strict.responses.length, 1, 'exactly one response');
      assert.equal(strict.responses[0].headers.connection, 'close');
      assert.ok(strict.closed, 'the server closed the connection');
      await assertNormalRequestSucceeds(xgi.port);
    });
  }

  test('the app never saw them: it served only the normal requests', async () => {
    await xgi.waitForLine(/"GET \/echo HTTP\/1\.1" 200/, 2000, SMUGGLING.length - 1);
    const served = [...xgi.stdout.matchAll(/"(\S+ \S+ HTTP\/1\.[01])" (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(served, SMUGGLING.map(() => 'GET /echo HTTP/1.1 200'), xgi.stdout);
    assert.equal(xgi.workerPids().length, 1, xgi.stderr);
    assert.doesNotMatch(xgi.stderr, /Traceback|internal error/);
  });
});
