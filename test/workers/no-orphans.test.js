// No orphans (issue 4): whichever way xgi exits (graceful, fast, SIGKILL,
// an app that cannot start), with or without --preload, every process it
// started is gone within a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, isAlive, runXgi, startXgi } from '../helpers/start-xgi.js';
import { descendants, waitUntil } from '../helpers/processes.js';

const APP = APPS + 'supervision';

for (const preload of [[], ['--preload']]) {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGKILL']) {
    test(`${signal}${preload.length ? ' with --preload' : ''}: every process xgi started exits within a second`, async (t) => {
      const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APP, '-w', '2', ...preload], { workers: 2 });
      await Promise.all([xgi.get('/'), xgi.get('/'), xgi.get('/')]);
      const children = descendants(xgi.pid);
      assert.equal(children.length, preload.length ? 3 : 2, 'the workers (and the zygote)');
      xgi.signal(signal);
      const { code } = await xgi.exit;
      if (signal !== 'SIGKILL') assert.equal(code, 0);
      await waitUntil(() => children.every((pid) => !isAlive(pid)), 1000, `${children.join(', ')} to exit`);
    });
  }
}

test('an app that cannot start: xgi exits 4 and leaves no worker behind', async () => {
  const { code, stderr } = await runXgi(['wsgi:app', '--pythonpath', APPS + 'startup_import_error', '-w', '3', '-b', '127.0.0.1:0']);
  assert.equal(code, 4);
  const pids = [...stderr.matchAll(/Booting worker with pid: (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(pids.length, 3);
  await waitUntil(() => pids.every((pid) => !isAlive(pid)), 1000, 'the workers to exit');
});
