// One xgi, one config file, several apps: the bundled example served end to
// end, routing precedence (host, path, method; first match wins), mounting
// (SCRIPT_NAME / PATH_INFO), per-app worker pools that do not starve each
// other, --check-config, and SIGHUP re-reading the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS, ROOT, isAlive, runXgi, startXgi } from '../helpers/start-xgi.js';

const CGI_BIN = join(ROOT, 'test/fixtures/cgi-bin');
const EXAMPLE = join(ROOT, 'examples/site/xgi.toml');

function configFile(t, text) {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-e2e-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'xgi.toml');
  writeFileSync(path, text);
  return path;
}

/** A request with a method and a Host header of our choosing. */
function send(xgi, path, { method = 'GET', host = 'localhost', body = null } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(`${xgi.url}${path}`, { method, headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s) => { text += s; }).on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

test('npm start\'s example: WSGI at /, CGI at /cgi-bin/, static files at /static/, and the URLs printed', async (t) => {
  // Exactly what `npm start` runs, on a free port instead of 8000.
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start.split(' ');
  assert.deepEqual(start.slice(0, 2), ['node', 'bin/xgi.js']);
  assert.deepEqual(start.slice(2), ['-c', 'examples/site/xgi.toml']);
  const xgi = await startXgi(t, start.slice(2), { workers: 2 });
  const page = await send(xgi, '/hello/there');
  assert.equal(page.status, 200);
  assert.match(page.text, /Hello from a WSGI app/);
  assert.match(page.text, /You asked for <code>\/hello\/there<\/code>/);
  const script = await send(xgi, '/cgi-bin/hello.sh/extra?name=world');
  assert.equal(script.status, 200);
  assert.equal(script.text, 'Hello from a CGI script\nSCRIPT_NAME=/cgi-bin/hello.sh\nPATH_INFO=/extra\nQUERY_STRING=name=world\n');
  const file = await send(xgi, '/static/index.html');
  assert.equal(file.status, 200);
  assert.match(file.headers['content-type'], /^text\/html/);
  assert.match(file.text, /Hello from a static file/);
  assert.ok(file.headers.etag, 'static files carry an ETag');
  assert.equal(file.headers['cache-control'], 'max-age=3600');
  const css = await send(xgi, '/static/style.css');
  assert.match(css.headers['content-type'], /^text\/css/);
  for (const [path, app] of [['/static/', 'assets (static)'], ['/cgi-bin/', 'scripts (cgi)'], ['/', 'site (wsgi)']]) {
    assert.ok(xgi.stderr.includes(`Serving ${xgi.url}${path} with app ${app}`), `the URL of ${app} is printed`);
  }
  assert.match(xgi.stderr, /app site: Booting worker with pid: \d+/);
});

test('mounting: a WSGI app at /api sees SCRIPT_NAME=/api and PATH_INFO below it; a CGI program likewise', async (t) => {
  const file = configFile(t, `
[apps.api]
type = "wsgi"
module = "wsgi:app"
pythonpath = "${APPS}variables"
[apps.git]
type = "cgi"
program = "${CGI_BIN}/env.py"
[[routes]]
path = "/api"
app = "api"
[[routes]]
path = "/tools/git"
app = "git"
`);
  const xgi = await startXgi(t, ['-c', file]);
  const { environ } = JSON.parse((await send(xgi, '/api/users/7?x=1')).text);
  assert.equal(environ.SCRIPT_NAME, '/api');
  assert.equal(environ.PATH_INFO, '/users/7');
  assert.equal(environ.QUERY_STRING, 'x=1');
  assert.equal(JSON.parse((await send(xgi, '/api')).text).environ.PATH_INFO, '');
  const { env } = JSON.parse((await send(xgi, '/tools/git/info/refs?service=x')).text);
  assert.equal(env.SCRIPT_NAME, '/tools/git');
  assert.equal(env.PATH_INFO, '/info/refs');
  assert.equal((await send(xgi, '/apix')).status, 404, 'a prefix matches whole segments only, and nothing else routes it');
});

test('routing: host (exact and wildcard), method and path, in order; the first match wins; a default catches the rest', async (t) => {
  const app = (name) => `[apps.${name}]\ntype = "cgi"\nprogram = "${CGI_BIN}/env.py"\nenv = { WHO = "${name}" }\n`;
  const file = configFile(t, `${app('wild')}${app('exact')}${app('posts')}${app('docs')}${app('fallback')}
[[routes]]
host = "*.example.com"
app = "wild"
[[routes]]
host = ["example.com", "example.org"]
path = "/admin"
app = "exact"
[[routes]]
method = ["POST", "PUT"]
app = "posts"
[[routes]]
path = "/docs"
app = "docs"
[[routes]]
path = "/docs/deeper"
app = "exact"
[[routes]]
app = "fallback"
`);
  const xgi = await startXgi(t, ['-c', file], { waitForWorkers: false });
  const who = async (path, options) => JSON.parse((await send(xgi, path, options)).text).env.WHO;
  assert.equal(await who('/x', { host: 'a.example.com' }), 'wild');
  assert.equal(await who('/x', { host: 'A.B.Example.COM:8080' }), 'wild', 'case and port do not matter');
  assert.equal(await who('/admin/x', { host: 'example.com' }), 'exact', '*.example.com does not match example.com itself');
  assert.equal(await who('/admin', { host: 'example.org.' }), 'exact', 'a trailing dot is the same host');
  assert.equal(await who('/other', { host: 'example.com' }), 'fallback');
  assert.equal(await who('/admin', { host: 'a.example.com', method: 'POST', body: 'x' }), 'wild', 'the earlier route wins');
  assert.equal(await who('/docs/a', { method: 'PUT', body: 'x' }), 'posts');
  assert.equal(await who('/docs/deeper/a'), 'docs', 'order, not length: /docs comes first');
  assert.equal(await who('/', { host: 'evil.com' }), 'fallback');
});

test('each app has its own pool: one app\'s hung or crashing worker never starves another', async (t) => {
  const file = configFile(t, `
timeout = 60
[apps.slow]
type = "wsgi"
module = "wsgi:app"
pythonpath = "${APPS}supervision"
workers = 1
queue_timeout = 1
[apps.fast]
type = "wsgi"
module = "wsgi:app"
pythonpath = "${APPS}supervision"
workers = 1
[[routes]]
path = "/slow"
app = "slow"
[[routes]]
app = "fast"
`);
  const xgi = await startXgi(t, ['-c', file], { workers: 2 });
  const slowPid = Number((await send(xgi, '/slow/pid')).text);
  const fastPid = Number((await send(xgi, '/pid')).text);
  assert.notEqual(slowPid, fastPid);
  const hung = send(xgi, '/slow/hang?s=4');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  for (let i = 0; i < 20; i++) assert.equal((await send(xgi, '/')).text, 'ok');
  assert.ok(Date.now() - started < 2000, 'the fast app served at once while the slow one was busy');
  assert.equal((await send(xgi, '/slow/pid')).status, 503, 'the slow app\'s own queue sheds after its queue_timeout');
  assert.equal((await hung).status, 200);
  const crashed = await send(xgi, '/slow/crash');
  assert.equal(crashed.status, 502);
  assert.equal((await send(xgi, '/pid')).text, String(fastPid), 'the fast app\'s worker was untouched by the crash');
  await xgi.waitForLine(/app slow: Booting worker with pid: (\d+)/, 5000, 1);
});

test('--check-config prints the effective config and exits 0; a bad one exits 2 naming the key', async (t) => {
  const ok = await runXgi(['-c', EXAMPLE, '--check-config']);
  assert.equal(ok.code, 0, ok.stderr);
  const effective = JSON.parse(ok.stdout);
  assert.deepEqual(effective.apps.map((app) => [app.name, app.kind]), [['site', 'wsgi'], ['scripts', 'cgi'], ['assets', 'static']]);
  assert.equal(effective.apps[0].workers.count, 2);
  assert.equal(effective.apps[0].workers.inheritedEnv, undefined, 'xgi\'s own environment is not printed');
  assert.deepEqual(effective.server.binds, [{ kind: 'tcp', host: '127.0.0.1', port: 8000 }]);
  const file = configFile(t, '[apps.a]\ntype = "wsgi"\nmodule = "w:app"\nworkers = 0\n[[routes]]\napp = "a"\n');
  const bad = await runXgi(['-c', file, '--check-config']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, new RegExp(`^xgi: error: ${file.replace(/[.]/g, '\\.')}: apps\\.a\\.workers = "0" is not a whole number >= 1\\n`));
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('SIGHUP re-reads the config file: a new worker count applies, a broken file keeps the old workers', async (t) => {
  const text = (workers) => `[apps.a]\ntype = "wsgi"\nmodule = "wsgi:app"\npythonpath = "${APPS}supervision"\nworkers = ${workers}\n[[routes]]\napp = "a"\n`;
  const file = configFile(t, text(1));
  const xgi = await startXgi(t, ['-c', file]);
  writeFileSync(file, text(2));
  xgi.signal('SIGHUP');
  await xgi.waitForLine(/Reloaded: 2 new worker\(s\) serving/, 15000);
  const booted = xgi.workerPids();
  assert.equal(booted.length, 3, xgi.stderr);
  const serving = booted.slice(1); // the reload's two; the first one is on its way out
  for (let i = 0; i < 6; i++) assert.ok(serving.includes(Number((await send(xgi, '/pid')).text)), 'a new worker answers');
  writeFileSync(file, 'workers = \n');
  xgi.signal('SIGHUP');
  await xgi.waitForLine(/Reload failed: the configuration is not valid/, 15000);
  assert.match(xgi.stderr, /config: .*xgi\.toml: not valid TOML/);
  assert.equal((await send(xgi, '/')).text, 'ok');
  await new Promise((resolve) => setTimeout(resolve, 500)); // time for a wrongly started worker to boot
  assert.deepEqual(xgi.workerPids(), booted, 'no worker booted after the broken file');
  for (const pid of serving) assert.ok(isAlive(pid), `worker ${pid} still runs`);
  for (let i = 0; i < 6; i++) {
    assert.ok(serving.includes(Number((await send(xgi, '/pid')).text)), 'the same workers serve after the broken file');
  }
});
