// The CGI settings as loadConfig reads them: --cgi mounts (a directory or a
// program, checked at start-up), the defaults of the cgi slice, units, the
// WSGI app becoming optional, and every problem named with its flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig as load } from '../../../dist/config/load.js';
import { COMMAND_LINE } from '../../../dist/cli/parse-argv.js';
import { runXgi } from '../../helpers/start-xgi.js';
import { CGI_BIN } from './start-cgi.js';

const loadConfig = (argv, env = {}) => load({ argv, env, cwd: CGI_BIN, commandLine: COMMAND_LINE, version: '9.9.9' });

function configOf(argv, env) {
  const result = loadConfig(argv, env);
  assert.equal(result.kind, 'run', JSON.stringify(result));
  return result.config;
}

/** The command line's --cgi mounts: the app named `cgi`, or null. */
function cgiOf(config) {
  return config.apps.find((app) => app.kind === 'cgi' && app.name === 'cgi')?.cgi ?? null;
}

function problemsOf(argv) {
  const result = loadConfig(argv);
  assert.equal(result.kind, 'invalid', JSON.stringify(result));
  return result.problems;
}

test('defaults: no --cgi, no cgi slice', () => {
  assert.equal(cgiOf(configOf(['wsgi:app'])), null);
});

test('--cgi alone is enough: no app, the defaults of the cgi slice', () => {
  const config = configOf(['--cgi', '/cgi-bin=.'], { PATH: '/opt/bin:/usr/bin', SECRET: 'x' });
  assert.equal(config.workers.app, '');
  assert.deepEqual(cgiOf(config), {
    mounts: [{ prefix: '/cgi-bin', kind: 'directory', path: realpathSync(CGI_BIN) }],
    env: {},
    path: '/opt/bin:/usr/bin',
    timeoutMs: 60_000,
    maxProcesses: 64,
    queueLimit: 256,
    isAuthorizationPassed: false,
    areSymlinksAllowed: false,
    isIsindexArgvEnabled: false,
    spawners: { count: 2, python: 'python3' },
    serverSoftware: 'xgi/9.9.9',
  });
  assert.ok(Object.isFrozen(cgiOf(config).mounts[0]));
  assert.equal(cgiOf(configOf(['--cgi', '/c=.'], {})).path, '/usr/local/bin:/usr/bin:/bin', 'a default PATH');
});

test('every CGI setting given', () => {
  const config = configOf([
    'wsgi:app', '--cgi', '/=.', '--cgi', '/env/=env.py', '--cgi-env', 'A=1', '--cgi-env', 'B=x=y', '--cgi-timeout', '5',
    '--cgi-max-processes', '3', '--cgi-queue-limit', '0', '--cgi-pass-auth', '--cgi-allow-symlinks', '--cgi-isindex-argv',
  ]);
  assert.equal(config.workers.app, 'wsgi:app');
  assert.deepEqual(cgiOf(config).mounts, [
    { prefix: '', kind: 'directory', path: realpathSync(CGI_BIN) },
    { prefix: '/env', kind: 'program', path: join(CGI_BIN, 'env.py') },
  ]);
  assert.deepEqual(cgiOf(config).env, { A: '1', B: 'x=y' });
  assert.equal(cgiOf(config).timeoutMs, 5000);
  assert.equal(cgiOf(config).maxProcesses, 3);
  assert.equal(cgiOf(config).queueLimit, 0);
  assert.equal(cgiOf(config).isAuthorizationPassed, true);
  assert.equal(cgiOf(config).areSymlinksAllowed, true);
  assert.equal(cgiOf(config).isIsindexArgvEnabled, true);
  assert.deepEqual(cgiOf(configOf(['--cgi', '/=.', '--cgi-spawners', '3', '--python', '/venv/bin/python'])).spawners, { count: 3, python: '/venv/bin/python' });
  assert.equal(cgiOf(configOf(['--cgi', '/=.', '--cgi-spawners', '0'])).spawners, undefined, '0: node\'s own spawn');
});

test('a mount directory reached through a symlink is stored resolved', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-cgi-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(CGI_BIN, join(dir, 'link'));
  assert.equal(cgiOf(configOf(['--cgi', `/c=${join(dir, 'link')}`])).mounts[0].path, realpathSync(CGI_BIN));
});

test('bad mounts and values, each named with its flag', () => {
  const problems = problemsOf([
    '--cgi', 'cgi-bin=.', '--cgi', '/a=does-not-exist', '--cgi', '/b=not-executable.sh', '--cgi', '/c', '--cgi', '/../x=.',
    '--cgi', '/d=', '--cgi', '/e=.', '--cgi', '/e/=.', '--cgi-env', 'NOEQUALS', '--cgi-max-processes', '0', '--cgi-timeout', 'x',
  ]);
  const expected = [
    /^--cgi: "cgi-bin=\." has prefix "cgi-bin", which is not a URL path like \/cgi-bin/,
    /^--cgi: "\/a=does-not-exist" names \S+does-not-exist, which does not exist/,
    /^--cgi: "\/b=not-executable\.sh" names \S+not-executable\.sh, which is neither a directory nor an executable file/,
    /^--cgi: "\/c" is not PREFIX=PATH/,
    /^--cgi: "\/\.\.\/x=\." has prefix/,
    /^--cgi: "\/d=" has no PATH after =/,
    /^--cgi-env: "NOEQUALS" is not KEY=VALUE/,
    /^--cgi-max-processes: "0" is not a whole number >= 1/,
    /^--cgi-timeout: "x" is not a whole number of seconds/,
  ];
  for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `${pattern}\nin:\n${problems.join('\n')}`);
  assert.equal(problems.length, expected.length, problems.join('\n'));
});

test('two mounts on one prefix are a problem', () => {
  assert.deepEqual(problemsOf(['--cgi', '/e=.', '--cgi', '/e/=hello.sh']),
    ['--cgi: the prefix /e is mounted twice (example: --cgi /cgi-bin=./cgi-bin)']);
});

test('no app and no --cgi is still a problem', () => {
  assert.deepEqual(problemsOf(['-w', '2']), ['no application given: pass MODULE:CALLABLE (e.g. xgi wsgi:app), --cgi PREFIX=DIR, or a config file with apps (-c xgi.toml)']);
});

test('the command line refuses a bad mount before starting, with exit status 2', async () => {
  const result = await runXgi(['--cgi', '/x=/nonexistent/dir']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /xgi: error: --cgi: "\/x=\/nonexistent\/dir" names \/nonexistent\/dir, which does not exist/);
});
