// The README's transcript, verbatim: `xgi wsgi:app --pythonpath DIR` with the
// default bind, gunicorn's four start-up lines in order, and curl's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startXgi } from '../helpers/start-xgi.js';

const WSGI_PY = `def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['Hello World!'.encode('utf-8')]
`;

test('xgi wsgi:app --pythonpath DIR answers curl localhost:8000 and logs as gunicorn does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-transcript-'));
  writeFileSync(join(dir, 'wsgi.py'), WSGI_PY);
  // No -b: the default bind is the point of this test.
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', dir], {
    isDefaultBind: true,
    env: { PORT: '', WEB_CONCURRENCY: '', XGI_CMD_ARGS: '' },
  });
  const { stdout } = await promisify(execFile)('curl', ['-s', 'localhost:8000']);
  assert.equal(stdout, 'Hello World!');

  const prefix = String.raw`\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\]`;
  const master = xgi.pid;
  const lines = xgi.stderr.trimEnd().split('\n');
  assert.match(lines[0], new RegExp(`^${prefix} \\[${master}\\] \\[INFO\\] Starting xgi \\d+\\.\\d+\\.\\d+$`));
  assert.match(lines[1], new RegExp(`^${prefix} \\[${master}\\] \\[INFO\\] Listening at: http://127\\.0\\.0\\.1:8000 \\(${master}\\)$`));
  assert.match(lines[2], new RegExp(`^${prefix} \\[${master}\\] \\[INFO\\] Using worker: sync$`));
  const [, workerPid] = /\[(\d+)\] \[INFO\] Booting worker with pid: (\d+)$/.exec(lines[3]).slice(1);
  assert.match(lines[3], new RegExp(`^${prefix} \\[${workerPid}\\] \\[INFO\\] Booting worker with pid: ${workerPid}$`));
  assert.notEqual(Number(workerPid), master);
});
