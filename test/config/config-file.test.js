// The config file (-c): TOML or JSON; its settings layered between the
// environment and XGI_CMD_ARGS; listeners, apps and routes; paths relative to
// the file; and one precise problem per mistake, naming the key, the value
// and what is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig as load } from '../../dist/config/load.js';
import { COMMAND_LINE } from '../../dist/cli/parse-argv.js';
import { SETTINGS } from '../../dist/config/settings.js';
import { CGI_KEYS, STATIC_KEYS, WSGI_KEYS } from '../../dist/config/apps.js';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
const loadConfig = (input) => load({ commandLine: COMMAND_LINE, version: VERSION, env: {}, cwd: tmpdir(), ...input });

/** A temp dir with an app dir, a cgi-bin with one script, a static dir and cert files; removed after the test. */
function site(t) {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const sub of ['app', 'cgi-bin', 'static']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'cgi-bin', 'run.sh'), '#!/bin/sh\necho\n');
  chmodSync(join(dir, 'cgi-bin', 'run.sh'), 0o755);
  writeFileSync(join(dir, 'cert.pem'), 'x');
  writeFileSync(join(dir, 'key.pem'), 'x');
  return {
    dir,
    write(name, text) {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    },
  };
}

function configOf(input) {
  const result = loadConfig(input);
  assert.equal(result.kind, 'run', JSON.stringify(result));
  return result.config;
}

function problemsOf(input) {
  const result = loadConfig(input);
  assert.equal(result.kind, 'invalid', JSON.stringify(result));
  return result.problems;
}

test('top-level keys are the settings: file < XGI_CMD_ARGS < argv, and the environment below the file', (t) => {
  const s = site(t);
  const file = s.write('xgi.toml', 'wsgi_app = "wsgi:app"\nworkers = 3\ntimeout = 10\nbind = ["127.0.0.1:9001", "unix:/tmp/x.sock"]\n'
    + 'raw_env = { A = "1", B = 2 }\npreload_app = true\naccesslog = "-"\n');
  const config = configOf({ argv: ['-c', file], env: { WEB_CONCURRENCY: '7' } });
  assert.equal(config.workers.app, 'wsgi:app');
  assert.equal(config.workers.count, 3, 'the file beats WEB_CONCURRENCY');
  assert.equal(config.workers.timeoutMs, 10_000);
  assert.deepEqual(config.workers.env, { A: '1', B: '2' });
  assert.equal(config.supervision.preload, true);
  assert.equal(config.log.accessLogfile, '-');
  assert.deepEqual(config.server.binds, [{ kind: 'tcp', host: '127.0.0.1', port: 9001 }, { kind: 'unix', path: '/tmp/x.sock' }]);
  assert.equal(config.configFile, file);
  assert.equal(configOf({ argv: ['-c', file, '-w', '5'] }).workers.count, 5, 'a flag beats the file');
  assert.equal(configOf({ argv: ['-c', file], env: { XGI_CMD_ARGS: '-w 6' } }).workers.count, 6, 'XGI_CMD_ARGS beats the file');
  assert.equal(configOf({ argv: ['--config', file, 'other:app'] }).workers.app, 'other:app');
});

test('JSON is read when the name ends in .json', (t) => {
  const s = site(t);
  const file = s.write('xgi.json', JSON.stringify({ wsgi_app: 'wsgi:app', workers: 2, pythonpath: ['app', '/opt/lib'] }));
  const config = configOf({ argv: ['-c', file] });
  assert.equal(config.workers.count, 2);
  assert.deepEqual(config.workers.pythonPath, [join(s.dir, 'app'), '/opt/lib'], 'relative to the file, joined like --pythonpath');
});

test('apps and routes: each app is its own pool, laid over the top-level settings; routes keep their order', (t) => {
  const s = site(t);
  const file = s.write('xgi.toml', `
workers = 4
timeout = 20
[apps.api]
type = "wsgi"
module = "api:app"
pythonpath = "app"
workers = 2
max_requests = 100
env = { MODE = "api" }
[apps.site]
type = "wsgi"
module = "site:app"
preload = true
[apps.scripts]
type = "cgi"
dir = "cgi-bin"
timeout = 5
max_processes = 3
env = { GIT_PROJECT_ROOT = "/srv/git" }
[apps.files]
type = "static"
root = "static"
index = ["index.htm", "index.html"]
max_age = 60
[[routes]]
host = ["*.example.com", "example.com"]
path = "/api"
method = ["GET", "POST"]
app = "api"
[[routes]]
path = "/cgi-bin"
app = "scripts"
[[routes]]
path = "/scripts2/"
app = "scripts"
[[routes]]
path = "/static"
app = "files"
[[routes]]
app = "site"
`);
  const config = configOf({ argv: ['-c', file] });
  const byName = Object.fromEntries(config.apps.map((app) => [app.name, app]));
  assert.deepEqual(Object.keys(byName), ['api', 'site', 'scripts', 'files']);
  assert.equal(byName.api.kind, 'wsgi');
  assert.equal(byName.api.workers.app, 'api:app');
  assert.equal(byName.api.workers.count, 2, 'the app\'s own key');
  assert.equal(byName.api.workers.timeoutMs, 20_000, 'the top-level default');
  assert.deepEqual(byName.api.workers.pythonPath, [join(s.dir, 'app')]);
  assert.deepEqual(byName.api.workers.env, { MODE: 'api' });
  assert.equal(byName.api.supervision.maxRequests, 100);
  assert.equal(byName.site.workers.count, 4);
  assert.equal(byName.site.supervision.preload, true);
  assert.equal(byName.scripts.kind, 'cgi');
  assert.deepEqual(byName.scripts.cgi.mounts.map((m) => [m.prefix, m.kind, m.path]), [
    ['/cgi-bin', 'directory', join(s.dir, 'cgi-bin')], ['/scripts2', 'directory', join(s.dir, 'cgi-bin')]]);
  assert.equal(byName.scripts.cgi.timeoutMs, 5000);
  assert.equal(byName.scripts.cgi.maxProcesses, 3);
  assert.deepEqual(byName.scripts.cgi.env, { GIT_PROJECT_ROOT: '/srv/git' });
  assert.deepEqual(byName.files.static, {
    root: join(s.dir, 'static'), index: ['index.htm', 'index.html'], listDirectories: false, precompressed: true,
    followSymlinks: false, dotfiles: false, maxAgeSeconds: 60, cacheMs: 1000,
  });
  assert.deepEqual(config.routes, [
    { app: 'api', prefix: '/api', hosts: ['*.example.com', 'example.com'], methods: ['GET', 'POST'] },
    { app: 'scripts', prefix: '/cgi-bin', hosts: [], methods: [] },
    { app: 'scripts', prefix: '/scripts2', hosts: [], methods: [] },
    { app: 'files', prefix: '/static', hosts: [], methods: [] },
    { app: 'site', prefix: '', hosts: [], methods: [] },
  ]);
});

test('the command line\'s app and --cgi mounts are apps too, routed before the file\'s', (t) => {
  const s = site(t);
  const file = s.write('xgi.toml', '[apps.files]\ntype = "static"\nroot = "static"\n[[routes]]\napp = "files"\n');
  const config = configOf({ argv: ['-c', file, 'wsgi:app', '--cgi', `/c=${join(s.dir, 'cgi-bin')}`, '--cgi', `/c/deeper=${join(s.dir, 'cgi-bin')}`] });
  assert.deepEqual(config.apps.map((app) => [app.name, app.kind]), [['cgi', 'cgi'], ['wsgi', 'wsgi'], ['files', 'static']]);
  // Longest --cgi prefix first, as Apache matches ScriptAliases; then the app at /, then the file's routes.
  assert.deepEqual(config.routes.map((r) => [r.app, r.prefix]), [['cgi', '/c/deeper'], ['cgi', '/c'], ['wsgi', ''], ['files', '']]);
  const plain = configOf({ argv: ['wsgi:app'] });
  assert.deepEqual(plain.routes, [{ app: 'wsgi', prefix: '', hosts: [], methods: [] }]);
  assert.equal(plain.configFile, null);
});

test('listeners: addresses with TLS; -b on the command line replaces them', (t) => {
  const s = site(t);
  const file = s.write('xgi.toml', 'wsgi_app = "w:app"\n[[listeners]]\nbind = "127.0.0.1:8080"\n'
    + '[[listeners]]\nbind = "[::1]:8443"\ncertfile = "cert.pem"\nkeyfile = "key.pem"\n');
  assert.deepEqual(configOf({ argv: ['-c', file] }).server.binds, [
    { kind: 'tcp', host: '127.0.0.1', port: 8080 },
    { kind: 'tcp', host: '::1', port: 8443, tls: { certFile: join(s.dir, 'cert.pem'), keyFile: join(s.dir, 'key.pem'), caFile: null } },
  ]);
  assert.deepEqual(configOf({ argv: ['-c', file, '-b', '127.0.0.1:1'] }).server.binds, [{ kind: 'tcp', host: '127.0.0.1', port: 1 }]);
  assert.deepEqual(configOf({ argv: ['-c', file], env: { PORT: '5000' } }).server.binds.length, 2, 'the file beats PORT');
});

test('--certfile and --keyfile put TLS on every --bind, and one without the other is refused', (t) => {
  const s = site(t);
  const cert = join(s.dir, 'cert.pem');
  const key = join(s.dir, 'key.pem');
  const config = configOf({ argv: ['w:app', '-b', '127.0.0.1:1', '-b', 'unix:/tmp/s', '--certfile', cert, '--keyfile', key] });
  for (const bind of config.server.binds) assert.deepEqual(bind.tls, { certFile: cert, keyFile: key, caFile: null });
  assert.deepEqual(problemsOf({ argv: ['w:app', '--certfile', cert] }), ['--certfile: needs --keyfile as well (example: --certfile cert.pem --keyfile key.pem)']);
  assert.deepEqual(problemsOf({ argv: ['w:app', '--keyfile', key] }), ['--keyfile: needs --certfile as well (example: --certfile cert.pem --keyfile key.pem)']);
  assert.deepEqual(problemsOf({ argv: ['w:app', '--ca-certs', cert] }), ['--ca-certs: needs --certfile and --keyfile (example: --certfile cert.pem --keyfile key.pem)']);
  assert.equal(configOf({ argv: ['w:app', '--certfile', cert, '--keyfile', key, '--ca-certs', cert] }).server.binds[0].tls.caFile, cert);
  assert.match(problemsOf({ argv: ['w:app', '--certfile', '/nonexistent.pem', '--keyfile', key] })[0], /^--certfile: "\/nonexistent.pem" does not exist/);
});

test('--check-config: a valid config is the "check" result', (t) => {
  const s = site(t);
  const file = s.write('xgi.toml', 'wsgi_app = "w:app"\n');
  const result = loadConfig({ argv: ['-c', file, '--check-config'] });
  assert.equal(result.kind, 'check');
  assert.equal(result.config.workers.app, 'w:app');
});

/** Each mistake, and the one problem it must give (matched in full). */
const MISTAKES = [
  ['TOML syntax', 'wsgi_app = "w:app"\nworkers = \n', /^FILE: not valid TOML: invalid value at line 2, column 11$/],
  ['an unknown key, with the nearest suggested', 'wsgi_app = "w:app"\nwokers = 2\n', /^FILE: unknown key "wokers" \(did you mean "workers"\?\)$/],
  ['an unknown key, nothing near', 'wsgi_app = "w:app"\nzzzzzzzz = 2\n', /^FILE: unknown key "zzzzzzzz"; the keys are listed in docs\/configuration\.md$/],
  ['a bad value for a setting', 'wsgi_app = "w:app"\nworkers = "many"\n', /^FILE: workers = "many" is not a whole number >= 1 \(as a flag: -w 4\)$/],
  ['a switch that is not a boolean', 'wsgi_app = "w:app"\npreload_app = "yes"\n', /^FILE: preload_app = "yes" is a string, not true or false$/],
  ['a table where text is wanted', 'wsgi_app = "w:app"\nbind = { a = 1 }\n', /^FILE: bind = \{"a":1\} is a table, which this key does not take$/],
  ['an app without a type', '[apps.a]\nmodule = "w:app"\n[[routes]]\napp = "a"\n', /^FILE: apps\.a\.type is missing; allowed: wsgi, cgi, static$/],
  ['an app of an unknown type', '[apps.a]\ntype = "php"\n[[routes]]\napp = "a"\n', /^FILE: apps\.a\.type = "php"; allowed: wsgi, cgi, static$/],
  ['an unknown app key', '[apps.a]\ntype = "wsgi"\nmodule = "w:app"\nworkerz = 2\n[[routes]]\napp = "a"\n', /^FILE: apps\.a\.workerz is not a key here \(did you mean "workers"\?\); allowed: type, module, /],
  ['a wsgi app without module', '[apps.a]\ntype = "wsgi"\n[[routes]]\napp = "a"\n', /^FILE: apps\.a has no module \(example: module = "wsgi:app"\)$/],
  ['a bad app setting', '[apps.a]\ntype = "wsgi"\nmodule = "w:app"\nthreads = 0\n[[routes]]\napp = "a"\n', /^FILE: apps\.a\.threads = "0" is not a whole number >= 1$/],
  ['a cgi app with dir and program', '[apps.c]\ntype = "cgi"\ndir = "cgi-bin"\nprogram = "cgi-bin/run.sh"\n[[routes]]\napp = "c"\n', /^FILE: apps\.c needs exactly one of dir \(a directory of scripts\) or program \(one executable\)$/],
  ['a cgi dir that does not exist', '[apps.c]\ntype = "cgi"\ndir = "nope"\n[[routes]]\napp = "c"\n', /^FILE: apps\.c\.dir = "nope" does not exist \(resolved to .*nope\)$/],
  ['a static root that is a file', '[apps.s]\ntype = "static"\nroot = "cert.pem"\n[[routes]]\napp = "s"\n', /^FILE: apps\.s\.root = "cert\.pem" is not a directory/],
  ['a static cache_seconds below 0', '[apps.s]\ntype = "static"\nroot = "static"\ncache_seconds = -1\n[[routes]]\napp = "s"\n', /^FILE: apps\.s\.cache_seconds = -1 is not a whole number of seconds >= 0$/],
  ['a static flag that is not a boolean', '[apps.s]\ntype = "static"\nroot = "static"\nlist_directories = 1\n[[routes]]\napp = "s"\n', /^FILE: apps\.s\.list_directories = 1 is not true or false$/],
  ['a route to an unknown app', '[apps.s]\ntype = "static"\nroot = "static"\n[[routes]]\napp = "s"\n[[routes]]\napp = "t"\n', /^FILE: routes\[1\]\.app = "t" is not one of the apps; the apps are: s$/],
  ['a route path that is not a path', '[apps.s]\ntype = "static"\nroot = "static"\n[[routes]]\napp = "s"\npath = "static"\n', /^FILE: routes\[0\]\.path = "static" is not a URL path prefix like "\/api"$/],
  ['a bad host pattern', '[apps.s]\ntype = "static"\nroot = "static"\n[[routes]]\napp = "s"\nhost = "a.*.com"\n', /^FILE: routes\[0\]\.host has "a\.\*\.com", which is not a host name, \*\.domain or \* \(or an array of them\)$/],
  ['a bad method', '[apps.s]\ntype = "static"\nroot = "static"\n[[routes]]\napp = "s"\nmethod = ["get"]\n', /^FILE: routes\[0\]\.method has "get", which is not an upper-case method like "GET" \(or an array of them\)$/],
  ['an app no route uses', '[apps.s]\ntype = "static"\nroot = "static"\n[apps.t]\ntype = "static"\nroot = "static"\n[[routes]]\napp = "s"\n', /^FILE: apps\.t is not used by any route; add \[\[routes\]\] with app = "t"$/],
  ['a listener without bind', 'wsgi_app = "w:app"\n[[listeners]]\ncertfile = "cert.pem"\nkeyfile = "key.pem"\n', /^FILE: listeners\[0\] has no bind \(example: bind = "0\.0\.0\.0:8443"\)$/],
  ['a listener with a cert and no key', 'wsgi_app = "w:app"\n[[listeners]]\nbind = ":1"\ncertfile = "cert.pem"\n', /^FILE: listeners\[0\] needs both certfile and keyfile for TLS$/],
  ['a listener bind that is not an address', 'wsgi_app = "w:app"\n[[listeners]]\nbind = "localhost:http"\n', /^FILE: listeners\[0\]\.bind = "localhost:http" /],
  ['listeners that are not an array of tables', 'wsgi_app = "w:app"\nlisteners = "127.0.0.1:80"\n', /^FILE: listeners is a string, not an array of tables/],
  ['no app anywhere', 'workers = 2\n', /^no application given: .*-c xgi\.toml/],
];

for (const [what, text, expected] of MISTAKES) {
  test(`config error: ${what}`, (t) => {
    const s = site(t);
    const file = s.write('xgi.toml', text);
    const problems = problemsOf({ argv: ['-c', file] });
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0].replace(file, 'FILE'), expected);
  });
}

test('config error: a JSON file whose top level is not an object', (t) => {
  const s = site(t);
  const file = s.write('x.json', '[1]');
  assert.deepEqual(problemsOf({ argv: ['-c', file] }), [`${file}: the top level is not a table of keys (example: workers = 2)`]);
});

test('config error: a config file that does not exist', () => {
  assert.match(problemsOf({ argv: ['-c', '/nonexistent/xgi.toml'] }).join('\n'), /^--config: "\/nonexistent\/xgi\.toml" does not exist/);
});

test('config error: a file app named like the command line\'s own', (t) => {
  const s = site(t);
  const file = s.write('xgi.toml', '[apps.wsgi]\ntype = "static"\nroot = "static"\n[[routes]]\napp = "wsgi"\n');
  assert.deepEqual(problemsOf({ argv: ['-c', file, 'w:app'] }), ['apps.wsgi: the name is the command line\'s own app; rename it in the config file']);
});

test('every problem is reported at once', (t) => {
  const s = site(t);
  const file = s.write('xgi.toml', 'wokers = 2\ntimeout = -1\n[apps.a]\ntype = "wsgi"\n[[routes]]\napp = "b"\n');
  assert.ok(problemsOf({ argv: ['-c', file] }).length >= 4);
});

/**
 * Every limit and proxy setting of docs/security.md, set in a config file to a
 * value that is not its default: [setting, TOML line, where it lands in the
 * Config, the value there]. The setting's name pins the file key to the table.
 */
const LIMIT_KEYS = [
  ['limitRequestLine', 'limit_request_line = 2048', (c) => c.server.limits.requestLineBytes, 2048],
  ['limitRequestFields', 'limit_request_fields = 50', (c) => c.server.limits.headerFields, 50],
  ['limitRequestFieldSize', 'limit_request_field_size = 4096', (c) => c.server.limits.headerFieldBytes, 4096],
  ['limitRequestBody', 'limit_request_body = "10m"', (c) => c.server.limits.bodyBytes, 10 * 1024 * 1024],
  ['headerTimeout', 'header_timeout = 7', (c) => c.server.headersTimeoutMs, 7000],
  ['bodyTimeout', 'body_timeout = 9', (c) => c.server.limits.bodyTimeoutMs, 9000],
  ['keepAlive', 'keepalive = 5', (c) => c.server.keepAliveMs, 5000],
  ['workerConnections', 'worker_connections = 77', (c) => c.server.limits.connections, 77],
  ['queueLimit', 'queue_limit = 12', (c) => c.supervision.queueLimit, 12],
  ['queueTimeout', 'queue_timeout = 4', (c) => c.supervision.queueTimeoutMs, 4000],
  ['forwardedAllowIps', 'forwarded_allow_ips = "10.0.0.0/8,192.0.2.1"', (c) => c.server.proxies.forwardedAllowIps, ['10.0.0.0/8', '192.0.2.1']],
  ['proxyProtocol', 'proxy_protocol = true', (c) => c.server.proxies.proxyProtocol, true],
  ['proxyAllowFrom', 'proxy_allow_ips = "10.0.0.5"', (c) => c.server.proxies.proxyAllowFrom, ['10.0.0.5']],
  ['headerMap', 'header_map = "refuse"', (c) => c.server.limits.headerMap, 'refuse'],
];

test('every limit and proxy key in a config file lands in the Config', (t) => {
  const s = site(t);
  for (const [name, line] of LIMIT_KEYS) assert.equal(SETTINGS[name].fileKey, line.split(' = ')[0], `${name}'s file key`);
  const defaults = configOf({ argv: ['w:app'] });
  const file = s.write('xgi.toml', ['wsgi_app = "w:app"', ...LIMIT_KEYS.map(([, line]) => line), ''].join('\n'));
  const config = configOf({ argv: ['-c', file] });
  for (const [name, line, at, expected] of LIMIT_KEYS) {
    assert.notDeepEqual(at(defaults), expected, `${name}: the test value must not be the default`);
    assert.deepEqual(at(config), expected, line);
  }
  assert.deepEqual(config.apps[0].supervision, config.supervision, 'the file app inherits the queue settings');
  // The command line still wins over the file for these keys.
  assert.equal(configOf({ argv: ['-c', file, '--limit-request-line', '100'] }).server.limits.requestLineBytes, 100);
  assert.equal(configOf({ argv: ['-c', file, '--header-map', 'drop'] }).server.limits.headerMap, 'drop');
  // An address list may also be a TOML array, as gunicorn's config takes a list.
  const listed = s.write('list.toml', 'wsgi_app = "w:app"\nforwarded_allow_ips = ["10.0.0.1", "::1"]\nproxy_allow_ips = ["10.0.0.5"]\n');
  assert.deepEqual(configOf({ argv: ['-c', listed] }).server.proxies.forwardedAllowIps, ['10.0.0.1', '::1']);
  assert.deepEqual(configOf({ argv: ['-c', listed] }).server.proxies.proxyAllowFrom, ['10.0.0.5']);
});

test('a limit key with a bad value in a config file is one precise problem', (t) => {
  const s = site(t);
  for (const [text, expected] of [
    ['limit_request_fields = 40000', /^FILE: limit_request_fields = "40000" is not a whole number from 0 to 32768 \(as a flag: /],
    ['header_timeout = 0', /^FILE: header_timeout = "0" is not a whole number of seconds from 1 to \d+ /],
    ['header_map = "lenient"', /^FILE: header_map = "lenient" is not one of drop, refuse, dangerous /],
    ['proxy_protocol = "yes"', /^FILE: proxy_protocol = "yes" is a string, not true or false$/],
    ['forwarded_allow_ips = "10.0.0.0/33"', /^FILE: forwarded_allow_ips = "10\.0\.0\.0\/33" has "10\.0\.0\.0\/33", which is not an IP address/],
    ['proxy_allow_ips = "10.0.0.5,nowhere"', /^FILE: proxy_allow_ips = "10\.0\.0\.5,nowhere" has "nowhere", which is not an IP address/],
  ]) {
    const file = s.write('xgi.toml', `wsgi_app = "w:app"\n${text}\n`);
    const problems = problemsOf({ argv: ['-c', file] });
    assert.equal(problems.length, 1, `${text}: ${problems.join('\n')}`);
    assert.match(problems[0].replace(file, 'FILE'), expected, text);
  }
});

/**
 * Every key of a WSGI, CGI and static app (src/config/apps.ts: WSGI_KEYS,
 * CGI_KEYS, STATIC_KEYS) set to a value that is not its default: [key, TOML
 * line, where it lands in the app's Config, the value there]. `dir` is the
 * site's temp dir, for keys read relative to the file.
 */
const WSGI_APP_KEYS = (dir) => [
  ['module', 'module = "other:app"', (a) => a.workers.app, 'other:app'],
  ['python', 'python = "/usr/bin/python3"', (a) => a.workers.python, '/usr/bin/python3'],
  ['pythonpath', 'pythonpath = "app"', (a) => a.workers.pythonPath, [join(dir, 'app')]],
  ['chdir', 'chdir = "app"', (a) => a.workers.chdir, join(dir, 'app')],
  ['env', 'env = { MODE = "api" }', (a) => a.workers.env, { MODE: 'api' }],
  ['workers', 'workers = 3', (a) => a.workers.count, 3],
  ['worker_class', 'worker_class = "gthread"', (a) => a.workers.workerClass, 'gthread'],
  ['threads', 'threads = 4', (a) => a.workers.threads, 4],
  ['timeout', 'timeout = 11', (a) => a.workers.timeoutMs, 11_000],
  ['graceful_timeout', 'graceful_timeout = 12', (a) => a.workers.gracefulTimeoutMs, 12_000],
  ['worker_boot_timeout', 'worker_boot_timeout = 13', (a) => a.workers.bootTimeoutMs, 13_000],
  ['max_requests', 'max_requests = 100', (a) => a.supervision.maxRequests, 100],
  ['max_requests_jitter', 'max_requests_jitter = 7', (a) => a.supervision.maxRequestsJitter, 7],
  ['max_worker_lifetime', 'max_worker_lifetime = 3600', (a) => a.supervision.maxWorkerLifetimeMs, 3_600_000],
  ['max_worker_lifetime_jitter', 'max_worker_lifetime_jitter = 60', (a) => a.supervision.maxWorkerLifetimeJitterMs, 60_000],
  ['max_worker_memory', 'max_worker_memory = 256', (a) => a.supervision.maxWorkerMemoryBytes, 256 * 1024 * 1024],
  ['queue_timeout', 'queue_timeout = 4', (a) => a.supervision.queueTimeoutMs, 4000],
  ['queue_limit', 'queue_limit = 12', (a) => a.supervision.queueLimit, 12],
  ['max_in_flight', 'max_in_flight = 5', (a) => a.workers.maxInFlight, 5],
  ['response_window', 'response_window = "64k"', (a) => a.workers.responseWindowBytes, 64 * 1024],
  ['preload', 'preload = true', (a) => a.supervision.preload, true],
];
const CGI_APP_KEYS = [
  ['env', 'env = { GIT_PROJECT_ROOT = "/srv/git" }', (a) => a.cgi.env, { GIT_PROJECT_ROOT: '/srv/git' }],
  ['timeout', 'timeout = 5', (a) => a.cgi.timeoutMs, 5000],
  ['max_processes', 'max_processes = 3', (a) => a.cgi.maxProcesses, 3],
  ['queue_limit', 'queue_limit = 9', (a) => a.cgi.queueLimit, 9],
  ['pass_auth', 'pass_auth = true', (a) => a.cgi.isAuthorizationPassed, true],
  ['allow_symlinks', 'allow_symlinks = true', (a) => a.cgi.areSymlinksAllowed, true],
  ['isindex_argv', 'isindex_argv = true', (a) => a.cgi.isIsindexArgvEnabled, true],
  ['spawners', 'spawners = 4', (a) => a.cgi.spawners.count, 4],
];
const STATIC_APP_KEYS = [
  ['index', 'index = ["default.htm", "index.htm"]', (a) => a.static.index, ['default.htm', 'index.htm']],
  ['list_directories', 'list_directories = true', (a) => a.static.listDirectories, true],
  ['precompressed', 'precompressed = false', (a) => a.static.precompressed, false],
  ['follow_symlinks', 'follow_symlinks = true', (a) => a.static.followSymlinks, true],
  ['dotfiles', 'dotfiles = true', (a) => a.static.dotfiles, true],
  ['max_age', 'max_age = 60', (a) => a.static.maxAgeSeconds, 60],
  ['cache_seconds', 'cache_seconds = 0', (a) => a.static.cacheMs, 0],
];

test('every key of a WSGI, CGI and static app in a config file lands in that app\'s Config', (t) => {
  const s = site(t);
  const wsgiKeys = WSGI_APP_KEYS(s.dir);
  // The tables cover every key apps.ts reads (static: all but the required root).
  assert.deepEqual(wsgiKeys.map(([key]) => key).sort(), Object.keys(WSGI_KEYS).sort(), 'every WSGI app key');
  assert.deepEqual(CGI_APP_KEYS.map(([key]) => key).sort(), Object.keys(CGI_KEYS).sort(), 'every CGI app key');
  assert.deepEqual(STATIC_APP_KEYS.map(([key]) => key).sort(), Object.keys(STATIC_KEYS).filter((key) => key !== 'root').sort(),
    'every static app key but root');
  for (const [key, line] of [...wsgiKeys, ...CGI_APP_KEYS, ...STATIC_APP_KEYS]) assert.equal(line.split(' = ')[0], key, `${key}'s line`);
  const routes = '[[routes]]\npath = "/cgi-bin"\napp = "c"\n[[routes]]\npath = "/static"\napp = "s"\n[[routes]]\napp = "w"\n';
  const bare = s.write('bare.toml', '[apps.w]\ntype = "wsgi"\nmodule = "w:app"\n[apps.c]\ntype = "cgi"\ndir = "cgi-bin"\n'
    + `[apps.s]\ntype = "static"\nroot = "static"\n${routes}`);
  const file = s.write('xgi.toml', [
    '[apps.w]', 'type = "wsgi"', ...wsgiKeys.map(([, line]) => line),
    '[apps.c]', 'type = "cgi"', 'dir = "cgi-bin"', ...CGI_APP_KEYS.map(([, line]) => line),
    '[apps.s]', 'type = "static"', 'root = "static"', ...STATIC_APP_KEYS.map(([, line]) => line),
    routes,
  ].join('\n'));
  const appsOf = (config) => Object.fromEntries(config.apps.map((app) => [app.name, app]));
  const defaults = appsOf(configOf({ argv: ['-c', bare] }));
  const apps = appsOf(configOf({ argv: ['-c', file] }));
  for (const [name, table] of [['w', wsgiKeys], ['c', CGI_APP_KEYS], ['s', STATIC_APP_KEYS]]) {
    for (const [key, line, at, expected] of table) {
      assert.notDeepEqual(at(defaults[name]), expected, `apps.${name}.${key}: the test value must not be the default`);
      assert.deepEqual(at(apps[name]), expected, `apps.${name}: ${line}`);
    }
  }
});
