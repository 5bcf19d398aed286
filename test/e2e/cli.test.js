// The gunicorn flags end to end: -e, --chdir, XGI_CMD_ARGS, the access log
// on stdout, wsgi.errors into the error log, --log-level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { APPS, XGI, startXgi } from '../helpers/start-xgi.js';

const APP = APPS + 'supervised';

test('-e sets the workers\' environment; xgi\'s own environment is inherited', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-e', 'GREETING=hello world', '--env', 'EMPTY='], {
    env: { FROM_PARENT: 'inherited' },
  });
  assert.equal((await xgi.get('/env?name=GREETING')).text, 'hello world');
  assert.equal((await xgi.get('/env?name=EMPTY')).text, '');
  assert.equal((await xgi.get('/env?name=FROM_PARENT')).text, 'inherited');
});

test('--chdir is the workers\' working directory and importable', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-chdir-')));
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '--chdir', dir]);
  assert.equal((await xgi.get('/cwd')).text, dir);
});

test('XGI_CMD_ARGS adds arguments; the command line wins', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-e', 'WHO=argv'], {
    env: { XGI_CMD_ARGS: '-e WHO=env-args --access-logfile -' },
  });
  assert.equal((await xgi.get('/env?name=WHO')).text, 'argv');
  // --access-logfile came from XGI_CMD_ARGS.
  await xgi.waitForLine(/"GET \/env\?name=WHO HTTP\/1\.1" 200 4 "-" "node"/);
});

test('access log: gunicorn\'s default format on stdout, and a custom format with atoms', async (t) => {
  const xgi = await startXgi(t, [
    'wsgi:app', '--pythonpath', APP, '--access-logfile', '-',
    '--access-logformat', '%(h)s|%(m)s|%(U)s|%(q)s|%(s)s|%(B)s|%({x-trace}i)s|%({content-type}o)s|%(p)s',
  ]);
  await xgi.get('/pid?x=1', { headers: { 'x-trace': 'abc' } });
  const [line] = await xgi.waitForLine(/^127\.0\.0\.1\|GET\|\/pid\|x=1\|200\|\d+\|abc\|text\/plain\|<\d+>$/m);
  const workerPid = xgi.workerPids()[0];
  assert.ok(line.endsWith(`<${workerPid}>`), `p is the worker's pid: ${line}`);
  assert.equal(xgi.stdout.split('\n').filter(Boolean).length, 1, 'one line per request, on stdout');
});

test('wsgi.errors goes to the error log', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP]);
  assert.equal((await xgi.get('/errors')).text, 'logged');
  await xgi.waitForLine(/\[ERROR\] note from the app via wsgi\.errors/);
});

test('--log-level warning drops the info lines', async () => {
  // No "Listening at" line to wait for: ask the kernel for a free port first.
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const child = spawn(process.execPath, [XGI, 'wsgi:app', '--pythonpath', APP, '--log-level', 'warning', '-b', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s; });
  try {
    let text = '';
    for (let attempt = 0; attempt < 100 && text !== 'ok'; attempt++) {
      text = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => new Promise((r) => setTimeout(() => r(''), 100)));
    }
    assert.equal(text, 'ok');
    assert.doesNotMatch(stderr, /\[INFO\]/);
  } finally {
    child.kill('SIGTERM');
  }
});
