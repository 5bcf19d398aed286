// loadConfig: layering (defaults < env < XGI_CMD_ARGS < argv), unit and path
// normalisation, every problem at once, and a deep-frozen result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig as load } from '../../dist/config/load.js';
import { COMMAND_LINE } from '../../dist/cli/parse-argv.js';

const CWD = tmpdir();
const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
/** loadConfig with the real command-line parser, as main.ts calls it. */
const loadConfig = (input) => load({ commandLine: COMMAND_LINE, version: VERSION, ...input });

/** The Config for a command line that must be valid. */
function configOf(argv, env = {}, cwd = CWD) {
  const result = loadConfig({ argv, env, cwd });
  assert.equal(result.kind, 'run', JSON.stringify(result));
  return result.config;
}

/** The problems for a command line that must be invalid. */
function problemsOf(argv, env = {}, cwd = CWD) {
  const result = loadConfig({ argv, env, cwd });
  assert.equal(result.kind, 'invalid', JSON.stringify(result));
  return result.problems;
}

test('defaults, as gunicorn has them, in ms and bytes', () => {
  const config = configOf(['wsgi:app']);
  // The command line's app is the one app, at the root, with the top-level settings.
  assert.deepEqual(config.apps, [{ kind: 'wsgi', name: 'wsgi', workers: config.workers, supervision: config.supervision }]);
  assert.deepEqual(config.routes, [{ hosts: [], prefix: '', methods: [], app: 'wsgi' }]);
  assert.deepEqual({ ...config, apps: undefined, routes: undefined }, {
    apps: undefined,
    routes: undefined,
    configFile: null,
    workers: {
      app: 'wsgi:app', count: 1, threads: 1, workerClass: 'sync', python: 'python3', pythonPath: [], chdir: CWD,
      env: {}, inheritedEnv: {}, timeoutMs: 30_000, bootTimeoutMs: 60_000, gracefulTimeoutMs: 30_000, maxInFlight: 16,
      responseWindowBytes: 1_048_576, spoolDir: '/tmp', maxSpoolBytes: 1_073_741_824, serverSoftware: `xgi/${VERSION}`,
    },
    server: {
      binds: [{ kind: 'tcp', host: '127.0.0.1', port: 8000 }], keepAliveMs: 2000, headersTimeoutMs: 30_000,
      requestBufferBytes: 1_048_576, serverSoftware: `xgi/${VERSION}`,
      limits: {
        requestLineBytes: 4094, headerFields: 100, headerFieldBytes: 8190, bodyBytes: 1_073_741_824, bodyTimeoutMs: 60_000,
        connections: 1000, headerMap: 'drop',
      },
      proxies: { forwardedAllowIps: ['127.0.0.1', '::1'], proxyProtocol: false, proxyAllowFrom: ['127.0.0.1', '::1'] },
    },
    log: {
      level: 'info', errorLogfile: '-', accessLogfile: null,
      accessLogFormat: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
    },
    supervision: {
      maxRequests: 0, maxRequestsJitter: 0, maxWorkerLifetimeMs: 0, maxWorkerLifetimeJitterMs: 0, maxWorkerMemoryBytes: 0,
      queueTimeoutMs: 30_000, queueLimit: 1024, preload: false, reload: false, reloadExtraFiles: [], pidfile: null,
    },
  });
});

test("the brief's gunicorn command line", () => {
  const config = configOf(['wsgi:app', '--pythonpath', '/root', '-w', '2', '-b', '127.0.0.1:8000']);
  assert.equal(config.workers.app, 'wsgi:app');
  assert.deepEqual(config.workers.pythonPath, ['/root']);
  assert.equal(config.workers.count, 2);
  assert.deepEqual(config.server.binds, [{ kind: 'tcp', host: '127.0.0.1', port: 8000 }]);
});

test('every setting given on the command line', () => {
  const config = configOf([
    'pkg.mod:create_app("prod")', '-w', '3', '--threads', '4', '--python', 'venv/bin/python', '--pythonpath', 'a,/b,,c',
    '-e', 'A=1', '--env', 'B=x=y', '-e', 'A=2', '-t', '0', '--graceful-timeout', '5', '--keep-alive', '7',
    '--worker-boot-timeout', '9', '--max-in-flight', '8', '--response-window', '64k', '--request-buffer-size', '0',
    '--header-timeout', '11', '--log-level', 'DEBUG', '--log-file', 'err.log', '--access-logfile', '-',
    '--access-logformat', '%(h)s', '--spool-dir', '.', '--max-spool-size', '2m',
  ]);
  assert.deepEqual(config.workers, {
    app: 'pkg.mod:create_app("prod")', count: 3, threads: 4, workerClass: 'gthread',
    python: join(CWD, 'venv/bin/python'), pythonPath: [join(CWD, 'a'), '/b', join(CWD, 'c')], chdir: CWD,
    env: { A: '2', B: 'x=y' }, inheritedEnv: {}, timeoutMs: 0, bootTimeoutMs: 9000, gracefulTimeoutMs: 5000, maxInFlight: 8,
    responseWindowBytes: 65_536, spoolDir: CWD, maxSpoolBytes: 2 * 1024 * 1024, serverSoftware: `xgi/${VERSION}`,
  });
  assert.equal(config.server.keepAliveMs, 7000);
  assert.equal(config.server.headersTimeoutMs, 11_000);
  assert.equal(config.server.requestBufferBytes, 0);
  assert.deepEqual(config.log, {
    level: 'debug', errorLogfile: join(CWD, 'err.log'), accessLogfile: '-', accessLogFormat: '%(h)s',
  });
});

test('worker class: gthread is kept, sync becomes gthread only with threads > 1', () => {
  assert.equal(configOf(['a:b', '-k', 'gthread']).workers.workerClass, 'gthread');
  assert.equal(configOf(['a:b', '-k', 'sync']).workers.workerClass, 'sync');
  assert.equal(configOf(['a:b', '--threads', '2']).workers.workerClass, 'gthread');
});

test('bind address forms', () => {
  const cases = [
    ['0.0.0.0:0', { kind: 'tcp', host: '0.0.0.0', port: 0 }],
    ['LocalHost', { kind: 'tcp', host: 'localhost', port: 8000 }],
    [':9000', { kind: 'tcp', host: '0.0.0.0', port: 9000 }],
    ['[::1]:8080', { kind: 'tcp', host: '::1', port: 8080 }],
    ['[::]', { kind: 'tcp', host: '::', port: 8000 }],
    ['tcp://127.0.0.1:81', { kind: 'tcp', host: '127.0.0.1', port: 81 }],
    ['unix:/run/xgi.sock', { kind: 'unix', path: '/run/xgi.sock' }],
    ['unix://run/xgi.sock', { kind: 'unix', path: join(CWD, 'run/xgi.sock') }],
    ['unix:xgi.sock', { kind: 'unix', path: join(CWD, 'xgi.sock') }],
  ];
  for (const [raw, bind] of cases) assert.deepEqual(configOf(['a:b', '-b', raw]).server.binds, [bind], raw);
  assert.deepEqual(configOf(['a:b', '-b', '127.0.0.1:1', '-b', 'unix:/s']).server.binds, [
    { kind: 'tcp', host: '127.0.0.1', port: 1 }, { kind: 'unix', path: '/s' },
  ]);
});

test('bad bind addresses name the value', () => {
  const example = '(example: -b 127.0.0.1:8000)';
  assert.deepEqual(problemsOf(['a:b', '-b', 'h:65536', '-b', 'h:http', '-b', '::1', '-b', 'unix:', '-b', 'h:']), [
    `--bind: "h:65536" has port "65536", which is not a whole number from 0 to 65535 ${example}`,
    `--bind: "h:http" has port "http", which is not a whole number from 0 to 65535 ${example}`,
    `--bind: "::1" looks like a bare IPv6 address: put it in brackets, as [::1]:8000 ${example}`,
    `--bind: "unix:" has no socket path ${example}`,
    `--bind: "h:" has port "", which is not a whole number from 0 to 65535 ${example}`,
  ]);
});

test('environment variables set defaults: WEB_CONCURRENCY, PORT, VIRTUAL_ENV', () => {
  const config = configOf(['a:b'], { WEB_CONCURRENCY: '5', PORT: '5000', VIRTUAL_ENV: '/srv/venv' });
  assert.equal(config.workers.count, 5);
  assert.deepEqual(config.server.binds, [{ kind: 'tcp', host: '0.0.0.0', port: 5000 }]);
  assert.equal(config.workers.python, '/srv/venv/bin/python');
  // An empty variable counts as unset.
  assert.equal(configOf(['a:b'], { WEB_CONCURRENCY: '' }).workers.count, 1);
});

test('argv beats XGI_CMD_ARGS beats the environment', () => {
  const env = { WEB_CONCURRENCY: '5', PORT: '5000', XGI_CMD_ARGS: '-w 6 --threads 2 -b "[::1]:1"' };
  const fromCmdArgs = configOf(['a:b'], env);
  assert.equal(fromCmdArgs.workers.count, 6);
  assert.equal(fromCmdArgs.workers.threads, 2);
  assert.deepEqual(fromCmdArgs.server.binds, [{ kind: 'tcp', host: '::1', port: 1 }]);
  const fromArgv = configOf(['a:b', '-w', '7', '-b', ':2', '-b', ':3'], env);
  assert.equal(fromArgv.workers.count, 7);
  assert.equal(fromArgv.workers.threads, 2);
  // The winning layer supplies the whole list: argv's binds replace, not extend.
  assert.deepEqual(fromArgv.server.binds.map((bind) => bind.port), [2, 3]);
  assert.equal(configOf(['a:b', '-w', '7'], { WEB_CONCURRENCY: 'junk' }).workers.count, 7);
});

test('XGI_CMD_ARGS may give the application and quoted values', () => {
  const config = configOf([], { XGI_CMD_ARGS: `wsgi:app --access-logformat '%(h)s "%(r)s"' -e 'A=two words'` });
  assert.equal(config.workers.app, 'wsgi:app');
  assert.equal(config.log.accessLogFormat, '%(h)s "%(r)s"');
  assert.deepEqual(config.workers.env, { A: 'two words' });
  assert.equal(configOf(['x:y'], { XGI_CMD_ARGS: 'wsgi:app' }).workers.app, 'x:y');
});

test('every problem is reported at once, each naming its source, the value and a fix', () => {
  const env = { WEB_CONCURRENCY: 'many', PORT: 'http', XGI_CMD_ARGS: '--threads 0 --bogus' };
  assert.deepEqual(problemsOf(['-t', '1.5', '--wokers', '2', '-k', 'gevent', '--response-window', '1x', '-e', 'NOEQ',
    '--log-level', 'loud', '--max-in-flight', '0'], env), [
    'XGI_CMD_ARGS: unrecognized option --bogus (see xgi --help)',
    'unrecognized option --wokers (did you mean --workers?)',
    'PORT: "http" (as --bind "0.0.0.0:http") has port "http", which is not a whole number from 0 to 65535 (example: PORT=8000)',
    'WEB_CONCURRENCY: "many" is not a whole number >= 1 (example: WEB_CONCURRENCY=4)',
    '--worker-class: "gevent" is not one of sync, gthread (example: -k gthread)',
    '--threads (in XGI_CMD_ARGS): "0" is not a whole number >= 1 (example: --threads 4)',
    '--timeout: "1.5" is not a whole number of seconds from 0 to 2147483 (example: -t 60)',
    '--max-in-flight: "0" is not a whole number >= 1 (example: --max-in-flight 8)',
    '--response-window: "1x" is not a size in bytes >= 1 (a whole number, optionally with k, m or g) (example: --response-window 256k)',
    '--env: "NOEQ" is not KEY=VALUE (example: -e DJANGO_SETTINGS_MODULE=site.settings)',
    '--log-level: "loud" is not one of debug, info, warning, error, critical (example: --log-level debug)',
    'no application given: pass MODULE:CALLABLE (e.g. xgi wsgi:app), --cgi PREFIX=DIR, or a config file with apps (-c xgi.toml)',
  ]);
});

test('a timeout too long for a Node timer is refused rather than firing at once', () => {
  assert.equal(configOf(['a:b', '-t', '2147483']).workers.timeoutMs, 2_147_483_000);
  assert.match(problemsOf(['a:b', '-t', '2147484'])[0], /^--timeout: "2147484" is not a whole number of seconds/);
});

test('sizes accept k, m and g (k = 1024) and nothing else', () => {
  const sizes = { '1m': 1_048_576, '2K': 2048, '1g': 1_073_741_824, 4096: 4096 };
  for (const [raw, bytes] of Object.entries(sizes)) {
    assert.equal(configOf(['a:b', '--request-buffer-size', raw]).server.requestBufferBytes, bytes, raw);
  }
  for (const raw of ['1kb', '-1', '1.5m', '', 'k']) problemsOf(['a:b', '--request-buffer-size', raw]);
});

test('the application must be MODULE[:CALLABLE]', () => {
  for (const app of ['wsgi', 'wsgi:app', 'a.b.c:d.e', 'm:factory()', 'm:factory(1, name="x")', 'módulo:app']) {
    assert.equal(configOf([app]).workers.app, app);
  }
  assert.deepEqual(problemsOf(['wsgi app']), [
    'APP_MODULE: "wsgi app" is not MODULE:CALLABLE (or MODULE, or MODULE:factory(...)) (example: xgi wsgi:app)',
  ]);
  for (const app of ['wsgi:', ':app', '1mod:app', 'm:f(']) problemsOf([app]);
  assert.deepEqual(problemsOf(['-w', '2']), ['no application given: pass MODULE:CALLABLE (e.g. xgi wsgi:app), --cgi PREFIX=DIR, or a config file with apps (-c xgi.toml)']);
});

test('--chdir resolves against cwd and must be an existing directory', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'xgi-config-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'app'));
  writeFileSync(join(root, 'file'), '');
  assert.equal(configOf(['a:b', '--chdir', 'app'], {}, root).workers.chdir, join(root, 'app'));
  assert.equal(configOf(['a:b'], {}, root).workers.chdir, root);
  assert.deepEqual(problemsOf(['a:b', '--chdir', 'nope', '--chdir', 'file'], {}, root), [
    `--chdir: "file" is not a directory (resolved to ${join(root, 'file')}) (example: --chdir /srv/app)`,
  ]);
  assert.deepEqual(problemsOf(['a:b', '--chdir', 'nope'], {}, root), [
    `--chdir: "nope" does not exist (resolved to ${join(root, 'nope')}) (example: --chdir /srv/app)`,
  ]);
});

test('help and version win over everything else on the line', () => {
  const help = loadConfig({ argv: ['--wokers', '-h'], env: {}, cwd: CWD });
  assert.equal(help.kind, 'help');
  assert.deepEqual(loadConfig({ argv: ['-w', 'x', '--version'], env: {}, cwd: CWD }), { kind: 'version' });
  assert.equal(loadConfig({ argv: [], env: { XGI_CMD_ARGS: '--help' }, cwd: CWD }).kind, 'help');
});

test('an unbalanced XGI_CMD_ARGS is a problem, not a crash', () => {
  assert.deepEqual(problemsOf(['a:b'], { XGI_CMD_ARGS: '-w "4' }), ['XGI_CMD_ARGS has an unterminated " quote: "-w \\"4"']);
});

test('the Config is deep-frozen', () => {
  const config = configOf(['a:b', '-e', 'K=V', '--pythonpath', '/p']);
  for (const object of [config, config.workers, config.workers.env, config.workers.pythonPath, config.server,
    config.server.binds, config.server.binds[0], config.log]) {
    assert.ok(Object.isFrozen(object));
  }
  assert.throws(() => { config.workers.count = 99; }, TypeError);
  assert.throws(() => { config.server.binds.push({ kind: 'unix', path: '/x' }); }, TypeError);
});

test('loadConfig reads nothing but its input: the same input gives the same Config', () => {
  const input = { argv: ['a:b'], env: {}, cwd: '/' };
  assert.deepEqual(loadConfig(input), loadConfig(input));
  assert.equal(loadConfig(input).config.workers.chdir, '/');
  assert.throws(() => loadConfig({ argv: ['a:b'], env: {}, cwd: 'relative' }), /cwd must be absolute/);
});

test('supervision settings: units converted, paths resolved (issue 4)', () => {
  const config = configOf(['a:b', '--max-requests', '1000', '--max-requests-jitter', '50', '--max-worker-lifetime', '3600',
    '--max-worker-lifetime-jitter', '60', '--max-worker-memory', '512', '--queue-timeout', '10', '--queue-limit', '64',
    '--preload', '--reload', '--reload-extra-file', 'templates/a.html', '--reload-extra-file', '/etc/x', '-p', 'run/xgi.pid']);
  assert.deepEqual(config.supervision, {
    maxRequests: 1000, maxRequestsJitter: 50, maxWorkerLifetimeMs: 3_600_000, maxWorkerLifetimeJitterMs: 60_000,
    maxWorkerMemoryBytes: 512 * 1024 * 1024, queueTimeoutMs: 10_000, queueLimit: 64, preload: true, reload: true,
    reloadExtraFiles: [join(CWD, 'templates/a.html'), '/etc/x'], pidfile: join(CWD, 'run/xgi.pid'),
  });
  assert.deepEqual(configOf(['a:b', '-b', 'fd://3']).server.binds, [{ kind: 'fd', fd: 3 }]);
  assert.deepEqual(problemsOf(['a:b', '-b', 'fd://1', '--queue-limit', '0']), [
    '--bind: "fd://1" is not fd://N with N >= 3 (example: -b 127.0.0.1:8000)',
    '--queue-limit: "0" is not a whole number >= 1 (example: --queue-limit 256)',
  ]);
  // systemd's variables are the master's: the workers never inherit them.
  const env = configOf(['a:b'], { LISTEN_FDS: '1', LISTEN_PID: '7', LISTEN_FDNAMES: 'http', HOME: '/root' }).workers.inheritedEnv;
  assert.deepEqual(env, { HOME: '/root' });
});
