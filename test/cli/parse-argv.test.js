// The command line → raw settings, in every spelling gunicorn's argparse
// accepts, and the shell-like split of XGI_CMD_ARGS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgv, splitCommandLine } from '../../dist/cli/parse-argv.js';
import { SETTING_ENTRIES } from '../../dist/config/settings.js';

test('value flags in every spelling', () => {
  const spellings = [
    ['--workers', '4'],
    ['--workers=4'],
    ['-w', '4'],
    ['-w4'],
    ['-w=4'],
  ];
  for (const argv of spellings) {
    const parsed = parseArgv(argv);
    assert.deepEqual(parsed.problems, [], argv.join(' '));
    assert.deepEqual(parsed.raw.workers, ['4'], argv.join(' '));
  }
});

test('a value may contain = and start with a dash when it is not an option', () => {
  const parsed = parseArgv(['-e', 'A=b=c', '--error-logfile', '-', '--timeout', '-1', '--env=X=1']);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.raw.rawEnv, ['A=b=c', 'X=1']);
  assert.deepEqual(parsed.raw.errorLogfile, ['-']);
  assert.deepEqual(parsed.raw.timeout, ['-1']);
});

test('repeatable flags accumulate in order; others keep every occurrence for the last to win', () => {
  const parsed = parseArgv(['-b', 'a:1', '--bind', 'b:2', '-b=c:3', '-w', '2', '-w', '3']);
  assert.deepEqual(parsed.raw.bind, ['a:1', 'b:2', 'c:3']);
  assert.deepEqual(parsed.raw.workers, ['2', '3']);
});

test('switches, alone and grouped', () => {
  assert.deepEqual(parseArgv(['--help']).raw.help, ['']);
  assert.deepEqual(parseArgv(['-v']).raw.version, ['']);
  const grouped = parseArgv(['-hv']);
  assert.deepEqual(grouped.problems, []);
  assert.ok(grouped.raw.help && grouped.raw.version);
  const valued = parseArgv(['--help=yes']);
  assert.deepEqual(valued.problems, ['--help takes no value, but was given "yes"']);
});

test('the positional application, before, between and after options', () => {
  for (const argv of [['wsgi:app', '-w', '2'], ['-w', '2', 'wsgi:app'], ['-w', '2', '--', 'wsgi:app']]) {
    const parsed = parseArgv(argv);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.raw.app, ['wsgi:app']);
  }
});

test('-- ends the options: what follows is positional even if it looks like a flag', () => {
  const parsed = parseArgv(['--', '-w']);
  assert.deepEqual(parsed.raw.app, ['-w']);
  assert.equal(parsed.raw.workers, undefined);
});

test('no positional is not a parse problem (XGI_CMD_ARGS may give it); two are', () => {
  assert.deepEqual(parseArgv(['-w', '2']).problems, []);
  assert.deepEqual(parseArgv(['a:app', 'b:app']).problems, [
    'more than one application given ("a:app", "b:app"): pass exactly one MODULE:CALLABLE, e.g. xgi wsgi:app',
  ]);
});

test('a missing value names the flag and shows an example', () => {
  assert.deepEqual(parseArgv(['wsgi:app', '-w']).problems, ['-w needs a value (example: -w 4)']);
  assert.deepEqual(parseArgv(['--bind', '--workers', '2']).problems, [
    '--bind needs a value (example: -b 127.0.0.1:8000)',
  ]);
});

test('unknown options are reported with the nearest known flag', () => {
  const parsed = parseArgv(['--wokers', '3', 'wsgi:app']);
  assert.deepEqual(parsed.problems, ['unrecognized option --wokers (did you mean --workers?)']);
  // The typo's value went with it instead of becoming a second application.
  assert.deepEqual(parsed.raw.app, ['wsgi:app']);
  assert.deepEqual(parseArgv(['-W', '3']).problems, ['unrecognized option -W (did you mean -w?)']);
  assert.deepEqual(parseArgv(['--log-levl=debug']).problems, [
    'unrecognized option --log-levl (did you mean --log-level?)',
  ]);
  assert.deepEqual(parseArgv(['--frobnicate', 'wsgi:app']).problems, [
    'unrecognized option --frobnicate (see xgi --help)',
  ]);
  assert.deepEqual(parseArgv(['--frobnicate', 'wsgi:app']).raw.app, ['wsgi:app']);
});

test('every flag in the settings table is recognised', () => {
  for (const [name, setting] of SETTING_ENTRIES) {
    for (const flag of setting.flags) {
      const argv = setting.arity === 'switch' ? [flag] : [flag, 'x'];
      const parsed = parseArgv(argv);
      assert.deepEqual(parsed.problems, [], flag);
      assert.deepEqual(parsed.raw[name], [setting.arity === 'switch' ? '' : 'x'], flag);
    }
  }
});

test('gunicorn command line from the brief', () => {
  const parsed = parseArgv(['wsgi:app', '--pythonpath', '/root', '-w', '2', '-b', '127.0.0.1:8000']);
  assert.deepEqual(parsed, {
    raw: { app: ['wsgi:app'], pythonpath: ['/root'], workers: ['2'], bind: ['127.0.0.1:8000'] },
    problems: [],
  });
});

test('splitCommandLine splits as a POSIX shell does', () => {
  const cases = [
    ['-w 4  --bind 0.0.0.0:80', ['-w', '4', '--bind', '0.0.0.0:80']],
    [`--access-logformat '%(h)s "%(r)s"'`, ['--access-logformat', '%(h)s "%(r)s"']],
    ['-e "A=hello world"', ['-e', 'A=hello world']],
    ['-e "A=\\"q\\" \\\\ \\n"', ['-e', 'A="q" \\ \\n']],
    ['a\\ b c\\\\d', ['a b', 'c\\d']],
    ["''", ['']],
    ['x""y', ['xy']],
    ['  \t\n ', []],
  ];
  for (const [text, words] of cases) {
    assert.deepEqual(splitCommandLine(text), { ok: true, words }, text);
  }
});

test('splitCommandLine rejects unterminated quotes and a trailing backslash', () => {
  assert.deepEqual(splitCommandLine('-e "A=b'), { ok: false, reason: 'has an unterminated " quote' });
  assert.deepEqual(splitCommandLine("-e 'A"), { ok: false, reason: "has an unterminated ' quote" });
  assert.deepEqual(splitCommandLine('-w 4\\'), { ok: false, reason: 'ends with a lone backslash' });
});
