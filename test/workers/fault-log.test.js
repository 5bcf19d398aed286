// A worker that dies of a signal leaves its stacks in the error log, even
// when that log is a file: Python's faulthandler writes into the worker's
// fault log (src/workers/fault-log.ts), which the front copies into the error
// log once the worker is gone. The request it was serving gets its status,
// and its log line names the worker and how it died.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '../helpers/processes.js';
import { APPS, RunningXgi, XGI, isAlive } from '../helpers/start-xgi.js';

const APP = APPS + 'faults';

/** xgi with its error log in a file; resolves once it serves, with the file's reader and its URL. */
async function startLoggingToFile(t, extraArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-faults-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logfile = join(dir, 'error.log');
  const xgi = new RunningXgi(spawn(process.execPath, [XGI, 'wsgi:app', '--pythonpath', APP, '--error-logfile', logfile,
    '-b', '127.0.0.1:0', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: dir } }));
  t.after(() => xgi.kill());
  const log = () => (existsSync(logfile) ? readFileSync(logfile, 'utf8') : '');
  await waitUntil(() => /Booting worker/.test(log()), 10000, 'a worker to boot');
  const url = /Listening at: (\S+)/.exec(log())[1];
  const get = async (path) => {
    const res = await fetch(url + path);
    return { status: res.status, text: await res.text() };
  };
  return { xgi, log, get, dir };
}

for (const mode of ['spawned', 'preload']) {
  const extra = mode === 'preload' ? ['--preload'] : [];

  test(`--timeout (${mode} worker): 504, and where it hung is in the --error-logfile`, async (t) => {
    const { log, get } = await startLoggingToFile(t, ['--timeout', '1', ...extra]);
    const hung = Number((await get('/pid')).text);
    const res = await get('/hang_here');
    assert.equal(res.status, 504);
    await waitUntil(() => /fault dump/.test(log()), 5000, 'the fault dump in the log');
    const text = log();
    assert.match(text, new RegExp(`WORKER TIMEOUT \\(pid:${hung}\\)`));
    assert.match(text, new RegExp(`request \\d+ GET /hang_here: worker ${hung} timed out \\(--timeout\\) while serving it`));
    assert.match(text, new RegExp(`Worker \\(pid:${hung}\\) fault dump:\\n(.*\\n)*Fatal Python error: Aborted`));
    assert.match(text, /File ".*faults\/wsgi\.py", line \d+ in hang_here/, 'the frame it hung in');
    assert.equal(isAlive(hung), false);
    assert.equal((await get('/')).text, 'ok', 'a new worker serves');
  });
}

test('a segfault in the app: 502 for its request, the signal and the stacks in the log, the fault file removed', async (t) => {
  const { log, get, dir } = await startLoggingToFile(t, []);
  const victim = Number((await get('/pid')).text);
  const res = await get('/segv');
  assert.equal(res.status, 502);
  await waitUntil(() => /fault dump/.test(log()), 5000, 'the fault dump in the log');
  const text = log();
  assert.match(text, new RegExp(`Worker \\(pid:${victim}\\) was killed by SIGSEGV`));
  assert.match(text, new RegExp(`request \\d+ GET /segv: worker ${victim} was killed by SIGSEGV while serving it`));
  assert.match(text, /Fatal Python error: Segmentation fault/);
  assert.match(text, /line \d+ in app/);
  assert.equal((await get('/')).text, 'ok', 'a new worker serves');
  // The dead worker's dump was taken: the only fault logs left are the live worker's, empty.
  const scratch = readdirSync(dir).filter((name) => name.startsWith('xgi-')).map((name) => join(dir, name));
  assert.equal(scratch.length, 1, 'one scratch directory');
  const faultLogs = readdirSync(scratch[0]).filter((f) => f.endsWith('.faults'));
  assert.equal(faultLogs.length, 1, 'the replacement worker has its own');
  assert.equal(readFileSync(join(scratch[0], faultLogs[0]), 'utf8'), '');
});

test('a worker stopped normally leaves no fault dump in the log', async (t) => {
  const { xgi, log, get } = await startLoggingToFile(t, ['--max-requests', '2']);
  for (let i = 0; i < 5; i++) assert.equal((await get('/')).text, 'ok');
  xgi.signal('SIGTERM');
  await xgi.exit;
  assert.match(log(), /Shutting down|Handling signal: term/);
  assert.doesNotMatch(log(), /fault dump/);
});
