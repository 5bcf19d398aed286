// Start-up: how xgi finds the app (gunicorn's forms), and how it fails when
// it cannot start: non-zero exit, one clear line on stderr, never a Node
// stack trace. The cases are independent processes and run concurrently.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { APPS, runXgi, startXgi } from '../../helpers/start-xgi.js';

const NODE_STACK = /^\s+at /m;

/** A failed start: non-zero exit, `line` on exactly one "Error:"/"xgi: error:" line, no JS stack. */
function assertOneClearLine(result, line) {
  assert.notEqual(result.code, 0, `exit code 0; stderr:\n${result.stderr}`);
  assert.equal(result.signal, null, `killed by ${result.signal} (hung?); stderr:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, NODE_STACK, 'a Node stack trace on stderr');
  assert.doesNotMatch(result.stderr, /internal error/);
  const errorLines = result.stderr.split('\n').filter((l) => /^(Error: |xgi: error: )/.test(l));
  assert.equal(errorLines.length, 1, `expected one error line, stderr:\n${result.stderr}`);
  assert.ok(errorLines[0].includes(line), `"${line}" not in "${errorLines[0]}"`);
  return errorLines[0];
}

const app = (name) => ['--pythonpath', APPS + name, '-b', '127.0.0.1:0'];

describe('start-up errors', { concurrency: true }, () => {
  test('module not found', async () => {
    const result = await runXgi(['nosuchmodule:app', ...app('startup_not_callable')]);
    const line = assertOneClearLine(result, "No module named 'nosuchmodule'");
    assert.match(line, /nosuchmodule/);
    assert.doesNotMatch(result.stderr, /Traceback/, 'a missing module needs no traceback');
  });

  test('attribute missing: gunicorn\'s message', async () => {
    const result = await runXgi(['wsgi:nope', ...app('startup_not_callable')]);
    assertOneClearLine(result, "Failed to find attribute 'nope' in 'wsgi'.");
  });

  test('object not callable', async () => {
    const result = await runXgi(['wsgi:app', ...app('startup_not_callable')]);
    assertOneClearLine(result, 'Application object must be callable.');
  });

  test('a module whose import raises: the Python traceback and the exception', async () => {
    const result = await runXgi(['wsgi:app', ...app('startup_import_error')]);
    assertOneClearLine(result, 'RuntimeError: database URL is not configured');
    assert.match(result.stderr, /Traceback \(most recent call last\):/);
    assert.match(result.stderr, /startup_import_error\/wsgi\.py", line \d+, in _configure/);
    assert.match(result.stderr, /^RuntimeError: database URL is not configured$/m);
  });

  test('--python with an interpreter that does not exist', async () => {
    const result = await runXgi(['wsgi:app', ...app('variables'), '--python', '/no/such/python']);
    const line = assertOneClearLine(result, '/no/such/python');
    assert.match(line, /not found/);
  });

  test('port already in use', async (t) => {
    const blocker = createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => blocker.close(resolve)));
    const { port } = blocker.address();
    const result = await runXgi(['wsgi:app', '--pythonpath', APPS + 'variables', '-b', `127.0.0.1:${port}`]);
    const line = assertOneClearLine(result, `127.0.0.1:${port}`);
    assert.match(line, /address already in use/);
    assert.doesNotMatch(result.stderr, /Booting worker/, 'no worker is started for a server that cannot listen');
  });

  test('a bind address whose port is out of range', async () => {
    const result = await runXgi(['wsgi:app', '--pythonpath', APPS + 'variables', '-b', '127.0.0.1:99999']);
    const line = assertOneClearLine(result, '127.0.0.1:99999');
    assert.match(line, /--bind/);
    assert.match(line, /not a whole number from 0 to 65535/);
    assert.doesNotMatch(result.stderr, /Listening at|Booting worker/, 'nothing starts on a bad address');
  });

  test('a misspelt flag', async () => {
    const result = await runXgi(['wsgi:app', ...app('variables'), '--wokers', '2']);
    const line = assertOneClearLine(result, '--wokers');
    assert.match(line, /--workers/, 'suggests the flag that was meant');
  });

  test('-w with a value that is not a number', async () => {
    const result = await runXgi(['wsgi:app', ...app('variables'), '-w', 'abc']);
    const line = assertOneClearLine(result, '"abc"');
    assert.match(line, /--workers/);
  });

  test('a factory call whose arguments are not literals', async () => {
    const result = await runXgi(['wsgi:make(1, x)', ...app('startup_factory')]);
    assertOneClearLine(result, 'Failed to parse arguments as literal values');
  });
});

describe('app lookup forms', { concurrency: true }, () => {
  for (const [spec, body] of [
    ['wsgi', 'application'],
    ['wsgi:application', 'application'],
    ['wsgi:create_app()', 'create_app()'],
    ["wsgi:make(1, 'x')", "make(1, 'x')"],
  ]) {
    test(`${spec} serves ${body}`, async (t) => {
      const xgi = await startXgi(t, [spec, '--pythonpath', APPS + 'startup_factory']);
      const response = await xgi.request('/');
      assert.equal(response.status, 200, response.text);
      assert.equal(response.text, body);
    });
  }

  test('--chdir puts the app directory first, as gunicorn does', async (t) => {
    const xgi = await startXgi(t, ['wsgi:create_app()', '--chdir', APPS + 'startup_factory']);
    const response = await xgi.request('/');
    assert.equal(response.text, 'create_app()');
  });
});
