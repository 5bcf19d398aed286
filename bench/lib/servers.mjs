// The servers under test: how each is started (command line, config file in
// the run's own directory, loopback port), which interface it serves, and how
// it is stopped. Every WSGI server gets the same app file and the same number
// of worker processes; every CGI server the same scripts.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3'; // Debian's: the one gunicorn, uWSGI, mod_wsgi and waitress run on
const waitressThreads = (workers) => Math.max(4, workers);

function apacheCommon({ dir, port, keepAliveSeconds }) {
  return [
    `ServerRoot ${dir}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    `PidFile ${dir}/apache2.pid`,
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn',
    'User www-data',
    'Group www-data',
    'LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so',
    'LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so',
    'KeepAlive On',
    'MaxKeepAliveRequests 0',
    `KeepAliveTimeout ${keepAliveSeconds ?? 5}`,
  ];
}

function writeConf(dir, name, lines) {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

export const SERVERS = {
  xgi: {
    label: 'xgi',
    describe: (w) => `\`node bin/xgi.js MODULE:app -w ${w} --python /usr/bin/python3\`: one Node front, ${w} Python worker processes`,
    kind: 'wsgi',
    requires: [PYTHON],
    command(ctx) {
      const args = [join(ctx.xgiRoot, 'bin/xgi.js'), `${ctx.app}:app`, '--pythonpath', ctx.appsDir];
      args.push('-w', String(ctx.workers), '-b', `127.0.0.1:${ctx.port}`, '--python', PYTHON, '--log-level', 'warning');
      if (ctx.keepAliveSeconds) args.push('--keep-alive', String(ctx.keepAliveSeconds));
      if (ctx.maxConnections && xgiHasFlag(ctx.xgiRoot, '--worker-connections')) {
        args.push('--worker-connections', String(ctx.maxConnections));
      }
      return { command: process.execPath, args };
    },
  },
  gunicorn: {
    label: 'gunicorn (sync)',
    describe: (w) => `\`gunicorn -w ${w} MODULE:app\`, sync workers: one request per connection, the connection is closed after every response (no keep-alive)`,
    kind: 'wsgi',
    requires: ['/usr/bin/gunicorn'],
    command(ctx) {
      const args = ['--chdir', ctx.appsDir, '-w', String(ctx.workers), '-b', `127.0.0.1:${ctx.port}`];
      args.push('--log-level', 'warning', `${ctx.app}:app`);
      return { command: '/usr/bin/gunicorn', args };
    },
  },
  uwsgi: {
    label: 'uWSGI (http router)',
    describe: (w) => `\`uwsgi --plugins http,python3 --http ADDR --http-keepalive --http-buffer-size 32768 --master --processes ${w} --wsgi-file APP --callable app --disable-logging\`: its HTTP router process in front of ${w} workers (keep-alive needs the app's Content-Length, which every app here sends; the 32 KiB router buffer avoids the 40 ms delayed-ACK stall that the default 4 KiB one causes on 16 KiB request bodies)`,
    kind: 'wsgi',
    requires: ['/usr/bin/uwsgi-core', '/usr/lib/uwsgi/plugins/python3_plugin.so'],
    stopSignal: 'SIGINT',
    command(ctx) {
      // --http-buffer-size 32k: with the default (one page) the router relays a
      // 16 KiB request body in 4 KiB pieces and stalls on delayed ACKs (~40 ms
      // a request: 1.1k req/s instead of 12k here). 64k would also keep a 64 KiB
      // response whole, but then a body that arrives with its head is reset
      // (the uwsgi packet has a 16-bit size).
      const args = ['--plugins', 'http,python3', '--http', `127.0.0.1:${ctx.port}`, '--http-keepalive', '--http-buffer-size', '32768'];
      args.push('--master', '--processes', String(ctx.workers), '--wsgi-file', join(ctx.appsDir, `${ctx.app}.py`));
      args.push('--callable', 'app', '--disable-logging', '--die-on-term');
      return { command: '/usr/bin/uwsgi-core', args };
    },
  },
  mod_wsgi: {
    label: 'Apache mod_wsgi',
    describe: (w) => `\`apache2 -f GENERATED.conf -DFOREGROUND\`: event MPM, KeepAlive On, MaxKeepAliveRequests 0, \`WSGIDaemonProcess processes=${w} threads=1\` (Apache's own processes count in its RSS)`,
    kind: 'wsgi',
    requires: ['/usr/sbin/apache2', '/usr/lib/apache2/modules/mod_wsgi.so'],
    command(ctx) {
      const conf = writeConf(ctx.dir, 'apache2.conf', [
        ...apacheCommon(ctx),
        'LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so',
        `WSGISocketPrefix ${ctx.dir}/wsgi`,
        `WSGIDaemonProcess bench processes=${ctx.workers} threads=1 display-name=%{GROUP}`,
        'WSGIProcessGroup bench',
        'WSGIApplicationGroup %{GLOBAL}',
        'WSGICallableObject app',
        `WSGIScriptAlias / ${join(ctx.appsDir, `${ctx.app}.py`)}`,
        `<Directory ${ctx.appsDir}>`,
        '  Require all granted',
        '</Directory>',
      ]);
      return { command: '/usr/sbin/apache2', args: ['-f', conf, '-DFOREGROUND'] };
    },
  },
  waitress: {
    label: 'waitress',
    describe: (w) => `\`waitress-serve --threads=${waitressThreads(w)} --connection-limit=4000 MODULE:app\`: one process (waitress has no worker processes) with its default 4 threads (or one per worker, if more); with as few threads as the others have workers it serves 50 keep-alive connections at roughly half the rate (see bench/README.md)`,
    kind: 'wsgi',
    requires: ['/usr/bin/waitress-serve'],
    command(ctx) {
      // one process (waitress has no worker processes) with its default 4
      // threads (or one per worker of the others, if more): with only 2 it
      // serves 50 keep-alive connections at roughly half the rate here
      const args = [`--listen=127.0.0.1:${ctx.port}`, `--threads=${waitressThreads(ctx.workers)}`, '--connection-limit=4000'];
      args.push(`${ctx.app}:app`);
      return { command: '/usr/bin/waitress-serve', args, cwd: ctx.appsDir };
    },
  },
  node: {
    label: 'node:http (bare)',
    describe: () => 'bench/servers/node-bare.mjs: node:http answering hello world itself in one process, the ceiling of xgi\'s front',
    kind: 'node',
    requires: [],
    command(ctx) {
      const args = [join(ctx.root, 'bench/servers/node-bare.mjs'), String(ctx.port)];
      return { command: process.execPath, args };
    },
  },
  'xgi-cgi': {
    label: 'xgi',
    describe: () => '`node bin/xgi.js --cgi /cgi-bin=DIR` (only when this xgi\'s --help lists --cgi)',
    kind: 'cgi',
    requires: [],
    isAvailable: (env) => xgiHasCgi(env.xgiRoot),
    unavailableWhy: 'this xgi has no --cgi yet',
    command(ctx) {
      const args = [join(ctx.xgiRoot, 'bin/xgi.js'), '--cgi', `/cgi-bin=${ctx.cgiDir}`];
      args.push('-b', `127.0.0.1:${ctx.port}`, '--log-level', 'warning');
      return { command: process.execPath, args };
    },
  },
  lighttpd: {
    label: 'lighttpd mod_cgi',
    describe: () => '`lighttpd -D -f GENERATED.conf`: one process, mod_cgi, alias /cgi-bin/',
    kind: 'cgi',
    requires: ['/usr/sbin/lighttpd', '/usr/lib/lighttpd/mod_cgi.so'],
    command(ctx) {
      const conf = writeConf(ctx.dir, 'lighttpd.conf', [
        'server.modules = ( "mod_alias", "mod_cgi" )',
        `server.document-root = "${ctx.dir}"`,
        'server.bind = "127.0.0.1"',
        `server.port = ${ctx.port}`,
        `server.errorlog = "${ctx.dir}/error.log"`,
        'server.max-fds = 16384',
        'server.max-connections = 8192',
        `alias.url = ( "/cgi-bin/" => "${ctx.cgiDir}/" )`,
        '$HTTP["url"] =~ "^/cgi-bin/" {',
        '  cgi.assign = ( "" => "" )',
        '}',
      ]);
      return { command: '/usr/sbin/lighttpd', args: ['-D', '-f', conf] };
    },
  },
  'xgi-static': {
    label: 'xgi',
    describe: () => '`node bin/xgi.js -c GENERATED.toml`: one `type = "static"` app (root = the files\' directory) routed at /, served by the Node front itself: one process, no workers, no access log',
    kind: 'static',
    requires: [],
    isAvailable: (env) => xgiHasStatic(env.xgiRoot),
    unavailableWhy: 'this xgi has no static app (type = "static")',
    command(ctx) {
      const conf = writeConf(ctx.dir, 'xgi.toml', [
        '[apps.files]',
        'type = "static"',
        `root = ${JSON.stringify(ctx.staticDir)}`,
        '',
        '[[routes]]',
        'app = "files"',
      ]);
      const args = [join(ctx.xgiRoot, 'bin/xgi.js'), '-c', conf, '-b', `127.0.0.1:${ctx.port}`, '--log-level', 'warning'];
      return { command: process.execPath, args };
    },
  },
  nginx: {
    label: 'nginx',
    describe: () => '`nginx -p DIR -e DIR/error.log -c GENERATED.conf`: `daemon off; master_process on; worker_processes 2;` (the master and its 2 workers, which switch to www-data), sendfile on, tcp_nopush on, access_log off, keepalive_requests 65535, no open_file_cache, `root` = the files\' directory',
    kind: 'static',
    requires: ['/usr/sbin/nginx'],
    command(ctx) {
      const conf = writeConf(ctx.dir, 'nginx.conf', [
        'daemon off;',
        'master_process on;',
        'worker_processes 2;',
        'user www-data;',
        `pid ${ctx.dir}/nginx.pid;`,
        `error_log ${ctx.dir}/error.log warn;`,
        'events {',
        '  worker_connections 4096;',
        '}',
        'http {',
        '  default_type application/octet-stream;',
        '  access_log off;',
        '  sendfile on;',
        '  tcp_nopush on;',
        '  keepalive_requests 65535;',
        `  client_body_temp_path ${ctx.dir}/client_body;`,
        `  proxy_temp_path ${ctx.dir}/proxy;`,
        `  fastcgi_temp_path ${ctx.dir}/fastcgi;`,
        `  uwsgi_temp_path ${ctx.dir}/uwsgi;`,
        `  scgi_temp_path ${ctx.dir}/scgi;`,
        '  server {',
        `    listen 127.0.0.1:${ctx.port};`,
        `    root ${ctx.staticDir};`,
        '  }',
        '}',
      ]);
      // -e: the error log nginx opens before it reads its config (else /var/log/nginx/)
      return { command: '/usr/sbin/nginx', args: ['-p', `${ctx.dir}/`, '-e', `${ctx.dir}/error.log`, '-c', conf] };
    },
  },
  'lighttpd-static': {
    label: 'lighttpd mod_staticfile',
    describe: () => '`lighttpd -D -f GENERATED.conf`: one process, mod_staticfile, `server.document-root` = the files\' directory, max-keep-alive-requests 65535 (its sendfile network backend is the default)',
    kind: 'static',
    requires: ['/usr/sbin/lighttpd'],
    command(ctx) {
      const conf = writeConf(ctx.dir, 'lighttpd.conf', [
        'server.modules = ( "mod_staticfile" )',
        `server.document-root = "${ctx.staticDir}"`,
        'server.bind = "127.0.0.1"',
        `server.port = ${ctx.port}`,
        `server.errorlog = "${ctx.dir}/error.log"`,
        'server.max-fds = 16384',
        'server.max-connections = 8192',
        'server.max-keep-alive-requests = 65535',
      ]);
      return { command: '/usr/sbin/lighttpd', args: ['-D', '-f', conf] };
    },
  },
  cgid: {
    label: 'Apache mod_cgid',
    describe: () => '`apache2 -f GENERATED.conf -DFOREGROUND`: event MPM, mod_cgid (scripts forked by its cgid daemon), ScriptAlias /cgi-bin/',
    kind: 'cgi',
    requires: ['/usr/sbin/apache2', '/usr/lib/apache2/modules/mod_cgid.so'],
    command(ctx) {
      const conf = writeConf(ctx.dir, 'apache2.conf', [
        ...apacheCommon(ctx),
        'LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so',
        'LoadModule cgid_module /usr/lib/apache2/modules/mod_cgid.so',
        `ScriptSock ${ctx.dir}/cgid.sock`,
        `ScriptAlias /cgi-bin/ ${ctx.cgiDir}/`,
        `<Directory ${ctx.cgiDir}>`,
        '  Require all granted',
        '</Directory>',
      ]);
      return { command: '/usr/sbin/apache2', args: ['-f', conf, '-DFOREGROUND'] };
    },
  },
};

const helpTexts = new Map();

/** Whether this build of xgi has a flag: its --help mentions it. */
export function xgiHasFlag(root, flag) {
  if (!helpTexts.has(root)) {
    let help = '';
    try {
      help = execFileSync(process.execPath, [join(root, 'bin/xgi.js'), '--help'], { encoding: 'utf8', timeout: 20000 });
    } catch (err) {
      help = String(err.stdout ?? '');
    }
    helpTexts.set(root, help);
  }
  return new RegExp(`${flag}\\b`).test(helpTexts.get(root));
}

/** Whether this build of xgi has CGI (--cgi). */
export function xgiHasCgi(root) {
  return xgiHasFlag(root, '--cgi');
}

/** Whether this build of xgi has the static app of the config file. */
export function xgiHasStatic(root) {
  return existsSync(join(root, 'dist/gateways/static'));
}

/** null when the server can run here, else why not. */
export function whyUnavailable(id, env) {
  const server = SERVERS[id];
  const missing = server.requires.filter((path) => !existsSync(path));
  if (missing.length) return `not installed (${missing.join(', ')}): run bench/setup.sh`;
  if (server.isAvailable && !server.isAvailable(env)) return server.unavailableWhy;
  return null;
}

function firstLine(command, args) {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n').find((l) => l.trim())?.trim() ?? '';
  } catch (err) {
    return String(err.stdout || err.stderr || '').split('\n').find((l) => l.trim())?.trim() ?? '?';
  }
}

function debVersion(pkg) {
  return firstLine('dpkg-query', ['-W', '-f', '${Version}', pkg]);
}

/** Versions of everything measured, for the results' header. */
export function collectVersions(root) {
  let pkgVersion = '?';
  try {
    pkgVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  } catch {
    // not a checkout
  }
  let rev = '';
  try {
    rev = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'python'], { encoding: 'utf8' }).trim();
    if (dirty) rev += '+changes';
  } catch {
    // not a git checkout
  }
  return {
    xgi: `${pkgVersion}${rev ? ` (${rev})` : ''}`,
    node: process.version,
    python: firstLine(PYTHON, ['--version']),
    wrk: debVersion('wrk'),
    gunicorn: debVersion('gunicorn'),
    uwsgi: debVersion('uwsgi-core'),
    apache2: debVersion('apache2'),
    mod_wsgi: debVersion('libapache2-mod-wsgi-py3'),
    waitress: debVersion('python3-waitress'),
    lighttpd: debVersion('lighttpd'),
    nginx: debVersion('nginx'),
    cc: firstLine('cc', ['--version']),
  };
}
