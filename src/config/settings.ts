/**
 * THE settings table: one entry per setting, with its gunicorn command-line
 * flags, environment variable, config-file key, default, check and help.
 * The argv parser, `--help`, `docs/configuration.md` and (issue 6) the config
 * file loader are all derived from it; a new setting is one new entry here
 * plus the line in `load.ts` that places its value in the Config.
 *
 * This is gunicorn's `config.py` (`Setting` subclasses) written as data. It
 * does not read argv or the environment and does not decide precedence:
 * `load.ts` does.
 */
import {
  addressList, appUri, bindAddress, byteSize, cgiMount, directory, envPair, existingFile, filePath, interpreter, logFile, oneOf, pathList,
  positiveSeconds, seconds, text, wholeNumber, wholeNumberInRange,
} from './checks.js';
import type { Check, CheckContext } from './checks.js';
import type { LogLevel } from './config.js';

/** How a setting appears on the command line. */
export type Arity =
  | 'value' // `--flag VALUE`; when given twice the last wins
  | 'repeatable' // `--flag VALUE` any number of times; the values accumulate
  | 'switch' // `--flag` alone
  | 'positional'; // the APP_MODULE argument

/** gunicorn's documentation sections, in the order help and docs list them. */
export const SECTIONS = ['Config File', 'Application', 'Server Socket', 'SSL', 'Worker Processes', 'Server Mechanics', 'Security', 'CGI', 'Logging', 'Information'] as const;
export type Section = (typeof SECTIONS)[number];

/** An environment variable that supplies a setting's value below the config file and the command line. */
export interface EnvSource {
  readonly name: string;
  /** Turns the variable's value into raw text for the setting's check (`PORT=80` → `0.0.0.0:80`). */
  readonly toRaw: (value: string) => string;
  /** A correct assignment, quoted in problems. */
  readonly example: string;
}

/** One bad occurrence of a setting, for `load.ts` to turn into a problem. */
export interface BadValue {
  readonly raw: string;
  readonly reason: string;
}

export type Read<V> = { readonly ok: true; readonly value: V } | { readonly ok: false; readonly bad: readonly BadValue[] };

export interface Setting<V> {
  readonly arity: Arity;
  readonly section: Section;
  /** The key in a config file (gunicorn's setting name), or null when a file cannot set it. */
  readonly fileKey: string | null;
  /** Short flags first, then long ones (gunicorn's spelling); none for the positional. */
  readonly flags: readonly string[];
  /** The placeholder for the value in `--help` (`INT`); empty for switches. */
  readonly metavar: string;
  readonly env: EnvSource | null;
  /** Raw occurrences as if typed, checked like user input; empty means unset. */
  readonly default: readonly string[];
  /** The default as the help and the docs show it, with its unit. */
  readonly defaultDoc: string;
  readonly help: string;
  /** A correct use, quoted in problems (`-w 4`). */
  readonly example: string;
  /** Turns the raw occurrences that won the layering into the value, or says which are bad. */
  readonly read: (raws: readonly string[], context: CheckContext) => Read<V>;
}

interface SettingSpec {
  readonly section: Section;
  readonly fileKey: string | null;
  readonly flags: readonly string[];
  readonly metavar?: string;
  readonly env?: EnvSource;
  readonly default?: string | readonly string[];
  /** Shown after the default in help and docs (`30 seconds`). */
  readonly unit?: string;
  readonly defaultDoc?: string;
  readonly help: string;
  readonly example?: string;
}

function define<V>(arity: Arity, spec: SettingSpec, read: Setting<V>['read']): Setting<V> {
  const defaults = typeof spec.default === 'string' ? [spec.default] : (spec.default ?? []);
  const shown = defaults.length === 0 ? 'none' : defaults.join(', ') + (spec.unit ? ` ${spec.unit}` : '');
  return {
    arity, section: spec.section, fileKey: spec.fileKey, flags: spec.flags, metavar: spec.metavar ?? '',
    env: spec.env ?? null, default: defaults, defaultDoc: spec.defaultDoc ?? shown, help: spec.help,
    example: spec.example ?? '', read,
  };
}

function checkEach<T>(raws: readonly string[], check: Check<T>, context: CheckContext): Read<T[]> {
  const values: T[] = [];
  const bad: BadValue[] = [];
  for (const raw of raws) {
    const checked = check(raw, context);
    if (checked.ok) values.push(checked.value);
    else bad.push({ raw, reason: checked.reason });
  }
  return bad.length === 0 ? { ok: true, value: values } : { ok: false, bad };
}

/** A setting that always has a value: the last occurrence wins (argparse's `store`). */
function single<T>(spec: SettingSpec & { readonly default: string }, check: Check<T>): Setting<T> {
  return define<T>('value', spec, (raws, context) => {
    const last = checkEach(raws.slice(-1), check, context);
    if (!last.ok) return last;
    const [value] = last.value;
    if (value === undefined) throw new Error(`settings: ${spec.flags.join('/')} has no value, not even its default`);
    return { ok: true, value };
  });
}

/** A setting that may stay unset (null). */
function optional<T>(spec: SettingSpec, check: Check<T>, arity: Arity = 'value'): Setting<T | null> {
  return define<T | null>(arity, spec, (raws, context) => {
    const last = checkEach(raws.slice(-1), check, context);
    return last.ok ? { ok: true, value: last.value[0] ?? null } : last;
  });
}

/** A setting given any number of times (argparse's `append`). */
function repeatable<T>(spec: SettingSpec, check: Check<T>): Setting<readonly T[]> {
  return define<readonly T[]>('repeatable', spec, (raws, context) => checkEach(raws, check, context));
}

function flagSwitch(spec: SettingSpec): Setting<boolean> {
  return define<boolean>('switch', spec, (raws) => ({ ok: true, value: raws.length > 0 }));
}

const asIs = (value: string): string => value;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error', 'critical'];

/** gunicorn's default access-log format. */
const ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

/** Every setting, in the order `--help` and the docs list them within a section. */
export const SETTINGS = {
  config: optional({
    section: 'Config File', fileKey: null, flags: ['-c', '--config'], metavar: 'FILE', defaultDoc: 'none',
    example: '-c xgi.toml',
    help: 'A config file, TOML (or JSON when it ends in .json): any setting below by its file key, plus '
      + 'listeners, apps and routes (docs/configuration.md). Command-line flags override it.',
  }, existingFile),
  checkConfig: flagSwitch({
    section: 'Config File', fileKey: null, flags: ['--check-config'],
    help: 'Check the configuration, print the effective config as JSON, and exit: 0 when it is valid.',
  }),
  app: optional({
    section: 'Application', fileKey: 'wsgi_app', flags: [], metavar: 'APP_MODULE', example: 'xgi wsgi:app',
    help: 'The WSGI application, as MODULE:CALLABLE. MODULE alone means MODULE:application; '
      + 'MODULE:factory() and MODULE:factory(args) call a factory that returns the application. '
      + 'Optional when --cgi mounts are given.',
  }, appUri, 'positional'),
  bind: repeatable({
    section: 'Server Socket', fileKey: 'bind', flags: ['-b', '--bind'], metavar: 'ADDRESS',
    env: { name: 'PORT', toRaw: (port) => `0.0.0.0:${port}`, example: 'PORT=8000' },
    default: '127.0.0.1:8000', defaultDoc: '127.0.0.1:8000, or 0.0.0.0:$PORT when PORT is set', example: '-b 127.0.0.1:8000',
    help: 'The socket to bind: HOST:PORT, HOST (port 8000), :PORT (all interfaces), [IPV6]:PORT or unix:PATH. '
      + 'Repeat to bind several addresses. Port 0 picks a free port.',
  }, bindAddress),
  certfile: optional({
    section: 'SSL', fileKey: 'certfile', flags: ['--certfile'], metavar: 'FILE', defaultDoc: 'none',
    example: '--certfile /etc/xgi/cert.pem',
    help: 'The TLS certificate chain (PEM). With --keyfile, every --bind serves HTTPS, with HTTP/2 offered by ALPN '
      + 'and HTTP/1.1 as the fallback.',
  }, existingFile),
  keyfile: optional({
    section: 'SSL', fileKey: 'keyfile', flags: ['--keyfile'], metavar: 'FILE', defaultDoc: 'none',
    example: '--keyfile /etc/xgi/key.pem', help: 'The private key (PEM) of --certfile.',
  }, existingFile),
  caCerts: optional({
    section: 'SSL', fileKey: 'ca_certs', flags: ['--ca-certs'], metavar: 'FILE', defaultDoc: 'none',
    example: '--ca-certs /etc/xgi/clients-ca.pem',
    help: 'CA certificates (PEM) that client certificates are checked against; clients without a valid one are refused.',
  }, existingFile),
  workers: single({
    section: 'Worker Processes', fileKey: 'workers', flags: ['-w', '--workers'], metavar: 'INT',
    env: { name: 'WEB_CONCURRENCY', toRaw: asIs, example: 'WEB_CONCURRENCY=4' }, default: '1', example: '-w 4',
    help: 'The number of worker processes handling requests.',
  }, wholeNumber(1)),
  workerClass: single({
    section: 'Worker Processes', fileKey: 'worker_class', flags: ['-k', '--worker-class'], metavar: 'STRING',
    default: 'sync', example: '-k gthread',
    help: 'The type of worker: sync or gthread. sync becomes gthread when --threads is above 1, as in gunicorn.',
  }, oneOf(['sync', 'gthread'] as const)),
  threads: single({
    section: 'Worker Processes', fileKey: 'threads', flags: ['--threads'], metavar: 'INT', default: '1',
    example: '--threads 4', help: 'The number of requests each worker runs at once, each on its own thread.',
  }, wholeNumber(1)),
  workerConnections: single({
    section: 'Worker Processes', fileKey: 'worker_connections', flags: ['--worker-connections'], metavar: 'INT',
    default: '1000', example: '--worker-connections 4096',
    help: 'The maximum number of simultaneous clients. In xgi the front holds every connection, so this bounds '
      + 'them all, whatever -w is; further connections wait, unread, until one closes (docs/security.md).',
  }, wholeNumber(1)),
  python: single({
    section: 'Worker Processes', fileKey: 'python', flags: ['--python'], metavar: 'PATH',
    env: { name: 'VIRTUAL_ENV', toRaw: (venv) => `${venv}/bin/python`, example: 'VIRTUAL_ENV=/srv/app/.venv' },
    default: 'python3', defaultDoc: 'python3, or $VIRTUAL_ENV/bin/python when VIRTUAL_ENV is set',
    example: '--python /srv/app/.venv/bin/python',
    help: 'The Python interpreter that runs the workers: a command looked up on PATH, or a path. (xgi)',
  }, interpreter),
  timeout: single({
    section: 'Worker Processes', fileKey: 'timeout', flags: ['-t', '--timeout'], metavar: 'INT', default: '30',
    unit: 'seconds', example: '-t 60',
    help: 'Workers silent on a request for more than this many seconds are killed and restarted. 0 disables it.',
  }, seconds),
  gracefulTimeout: single({
    section: 'Worker Processes', fileKey: 'graceful_timeout', flags: ['--graceful-timeout'], metavar: 'INT',
    default: '30', unit: 'seconds', example: '--graceful-timeout 10',
    help: 'On restart or shutdown, workers still busy after this many seconds are killed.',
  }, seconds),
  maxRequests: single({
    section: 'Worker Processes', fileKey: 'max_requests', flags: ['--max-requests'], metavar: 'INT', default: '0',
    example: '--max-requests 1000',
    help: 'Restart a worker after it has served about this many requests, to contain memory leaks; '
      + 'its replacement is ready before it stops taking requests. 0 disables it.',
  }, wholeNumber(0)),
  maxRequestsJitter: single({
    section: 'Worker Processes', fileKey: 'max_requests_jitter', flags: ['--max-requests-jitter'], metavar: 'INT',
    default: '0', example: '--max-requests-jitter 50',
    help: "Add a random number from 0 to this to each worker's --max-requests, so that workers do not all restart at once.",
  }, wholeNumber(0)),
  maxWorkerLifetime: single({
    section: 'Worker Processes', fileKey: 'max_worker_lifetime', flags: ['--max-worker-lifetime'], metavar: 'INT',
    default: '0', unit: 'seconds', example: '--max-worker-lifetime 3600',
    help: 'Restart a worker after it has run this many seconds; its replacement is ready first. 0 disables it. (xgi)',
  }, seconds),
  maxWorkerLifetimeJitter: single({
    section: 'Worker Processes', fileKey: 'max_worker_lifetime_jitter', flags: ['--max-worker-lifetime-jitter'],
    metavar: 'INT', default: '0', unit: 'seconds', example: '--max-worker-lifetime-jitter 300',
    help: "Add a random number of seconds from 0 to this to each worker's --max-worker-lifetime. (xgi)",
  }, seconds),
  maxWorkerMemory: single({
    section: 'Worker Processes', fileKey: 'max_worker_memory', flags: ['--max-worker-memory'], metavar: 'MB',
    default: '0', unit: 'MiB', example: '--max-worker-memory 512',
    help: 'Restart a worker whose resident memory (RSS, checked every second) has grown past this many MiB; '
      + 'its replacement is ready first. 0 disables it. (xgi)',
  }, wholeNumber(0)),
  queueTimeout: single({
    section: 'Worker Processes', fileKey: 'queue_timeout', flags: ['--queue-timeout'], metavar: 'INT', default: '30',
    unit: 'seconds', example: '--queue-timeout 10',
    help: "A request that has waited this many seconds for a free worker gets 503 Service Unavailable "
      + "(as mod_wsgi's queue-timeout). 0 lets requests wait as long as it takes. (xgi)",
  }, seconds),
  queueLimit: single({
    section: 'Worker Processes', fileKey: 'queue_limit', flags: ['--queue-limit'], metavar: 'INT', default: '1024',
    example: '--queue-limit 256',
    help: 'The most requests that may wait for a free worker; one more gets 503 Service Unavailable at once. (xgi)',
  }, wholeNumber(1)),
  workerBootTimeout: single({
    section: 'Worker Processes', fileKey: 'worker_boot_timeout', flags: ['--worker-boot-timeout'], metavar: 'INT',
    default: '60', unit: 'seconds', example: '--worker-boot-timeout 120',
    help: 'A worker that has not imported the application and reported ready within this many seconds is killed. (xgi)',
  }, seconds),
  maxInFlight: single({
    section: 'Worker Processes', fileKey: 'max_in_flight', flags: ['--max-in-flight'], metavar: 'INT', default: '16',
    example: '--max-in-flight 8',
    help: 'The number of requests handed to one worker at once, pipelined behind the one it is running. (xgi)',
  }, wholeNumber(1)),
  responseWindow: single({
    section: 'Worker Processes', fileKey: 'response_window', flags: ['--response-window'], metavar: 'BYTES',
    default: '1048576', unit: 'bytes', example: '--response-window 256k',
    help: 'Response bytes a worker may send for one request ahead of the client reading them. '
      + 'Accepts k, m and g suffixes (k = 1024). (xgi)',
  }, byteSize(1)),
  spoolDir: single({
    section: 'Server Mechanics', fileKey: 'spool_dir', flags: ['--spool-dir'], metavar: 'DIR',
    env: { name: 'TMPDIR', toRaw: (dir) => dir, example: 'TMPDIR=/var/tmp' },
    default: '/tmp', defaultDoc: '$TMPDIR, else /tmp', example: '--spool-dir /var/tmp',
    help: 'Where response bodies wait, in unlinked temporary files, while a slow client reads them, '
      + 'so the worker is free for other requests (as nginx\'s proxy_temp_path). (xgi)',
  }, directory),
  maxSpoolSize: single({
    section: 'Server Mechanics', fileKey: 'max_spool_size', flags: ['--max-spool-size'], metavar: 'BYTES',
    default: '1g', unit: 'bytes per response', example: '--max-spool-size 256m',
    help: 'The most of one response kept on disk for a slow client; past it the worker waits for the '
      + 'client. 0 keeps only --response-window in memory. Accepts k, m and g suffixes (as nginx\'s '
      + 'proxy_max_temp_file_size). (xgi)',
  }, byteSize(0)),
  keepAlive: single({
    section: 'Server Mechanics', fileKey: 'keepalive', flags: ['--keep-alive'], metavar: 'INT', default: '2',
    unit: 'seconds', example: '--keep-alive 5',
    help: 'The number of seconds to wait for the next request on a keep-alive connection. '
      + '0 turns keep-alive off: every HTTP/1.x response closes its connection (as gunicorn\'s async workers); '
      + 'an idle HTTP/2 connection is then closed after --header-timeout.',
  }, seconds),
  headerTimeout: single({
    section: 'Server Mechanics', fileKey: 'header_timeout', flags: ['--header-timeout'], metavar: 'INT',
    default: '30', unit: 'seconds', example: '--header-timeout 10',
    help: 'A client must send the whole request head within this many seconds (slow-client protection); '
      + 'at least 1. (xgi)',
  }, positiveSeconds),
  bodyTimeout: single({
    section: 'Server Mechanics', fileKey: 'body_timeout', flags: ['--body-timeout'], metavar: 'INT',
    default: '60', unit: 'seconds', example: '--body-timeout 20',
    help: 'A client that sends no request body bytes for this many seconds while xgi waits for them gets '
      + '408 Request Timeout and its connection is closed (as nginx\'s client_body_timeout). 0 disables it. (xgi)',
  }, seconds),
  requestBufferSize: single({
    section: 'Server Mechanics', fileKey: 'request_buffer_size', flags: ['--request-buffer-size'], metavar: 'BYTES',
    default: '1048576', unit: 'bytes', example: '--request-buffer-size 64k',
    help: 'Request bodies up to this size are read whole before the request goes to a worker; larger ones '
      + 'are streamed to it. Accepts k, m and g suffixes (k = 1024). (xgi)',
  }, byteSize(0)),
  preload: flagSwitch({
    section: 'Server Mechanics', fileKey: 'preload_app', flags: ['--preload'],
    help: 'Load the application once, in a zygote process that forks the workers, instead of in each worker: '
      + 'less memory (copy-on-write) and faster worker restarts.',
  }),
  reload: flagSwitch({
    section: 'Server Mechanics', fileKey: 'reload', flags: ['--reload'],
    help: 'Reload the workers when a Python file of the application changes. For development.',
  }),
  reloadExtraFile: repeatable({
    section: 'Server Mechanics', fileKey: 'reload_extra_files', flags: ['--reload-extra-file'], metavar: 'FILE',
    example: '--reload-extra-file templates/index.html',
    help: 'With --reload, also reload the workers when this file changes. Repeat for several.',
  }, filePath),
  pid: optional({
    section: 'Server Mechanics', fileKey: 'pidfile', flags: ['-p', '--pid'], metavar: 'FILE',
    defaultDoc: 'none', example: '--pid /run/xgi.pid',
    help: "Write the master's process id to this file at start, and remove it at exit.",
  }, filePath),
  chdir: single({
    section: 'Server Mechanics', fileKey: 'chdir', flags: ['--chdir'], metavar: 'DIR', default: '.',
    defaultDoc: 'the current directory', example: '--chdir /srv/app',
    help: 'The directory the workers change to before loading the application.',
  }, directory),
  pythonpath: single({
    section: 'Server Mechanics', fileKey: 'pythonpath', flags: ['--pythonpath'], metavar: 'STRING', default: '',
    defaultDoc: 'none', example: '--pythonpath /srv/app,/srv/lib',
    help: 'A comma-separated list of directories to add to the Python path, e.g. /srv/app,/srv/lib.',
  }, pathList),
  rawEnv: repeatable({
    section: 'Server Mechanics', fileKey: 'raw_env', flags: ['-e', '--env'], metavar: 'ENV',
    example: '-e DJANGO_SETTINGS_MODULE=site.settings',
    help: 'Set an environment variable in the workers, as KEY=VALUE. Repeat for several.',
  }, envPair),
  forwardedAllowIps: single({
    section: 'Server Mechanics', fileKey: 'forwarded_allow_ips', flags: ['--forwarded-allow-ips'], metavar: 'STRING',
    env: { name: 'FORWARDED_ALLOW_IPS', toRaw: asIs, example: 'FORWARDED_ALLOW_IPS=10.0.0.5' },
    default: '127.0.0.1,::1', example: '--forwarded-allow-ips 10.0.0.0/8,127.0.0.1',
    help: 'Front-end addresses (comma-separated IPs or CIDR networks; * for all) whose Forwarded and '
      + 'X-Forwarded-For/-Proto/-Host headers are believed: they set REMOTE_ADDR, wsgi.url_scheme and the host. '
      + 'Unix socket peers are always trusted.',
  }, addressList),
  proxyProtocol: flagSwitch({
    section: 'Server Mechanics', fileKey: 'proxy_protocol', flags: ['--proxy-protocol'],
    help: 'Connections from --proxy-allow-from must begin with a PROXY protocol header (v1 or v2, as HAProxy\'s '
      + 'send-proxy and send-proxy-v2 write); its source address becomes REMOTE_ADDR. Other peers speak plain HTTP.',
  }),
  proxyAllowFrom: single({
    section: 'Server Mechanics', fileKey: 'proxy_allow_ips', flags: ['--proxy-allow-from'], metavar: 'STRING',
    default: '127.0.0.1,::1', example: '--proxy-allow-from 10.0.0.5',
    help: 'Front-end addresses (comma-separated IPs or CIDR networks; * for all) that must send a PROXY header '
      + 'when --proxy-protocol is on. Unix socket peers are always included.',
  }, addressList),
  headerMap: single({
    section: 'Server Mechanics', fileKey: 'header_map', flags: ['--header-map'], metavar: 'STRING', default: 'drop',
    example: '--header-map refuse',
    help: 'What happens to request headers whose names contain "_", which would map to the same environ key as a '
      + 'real header (X_Forwarded_For as X-Forwarded-For): drop them (the safe default), refuse the request with 400, '
      + 'or dangerous: map them like any other header.',
  }, oneOf(['drop', 'refuse', 'dangerous'] as const)),
  cgi: repeatable({
    section: 'CGI', fileKey: 'cgi', flags: ['--cgi'], metavar: 'PREFIX=PATH', example: '--cgi /cgi-bin=./cgi-bin',
    help: 'Serve CGI/1.1 scripts (RFC 3875) under a URL prefix. PATH is a directory, whose executable files are the '
      + 'scripts (as Apache\'s ScriptAlias: /cgi-bin/hello.sh/extra runs PATH/hello.sh), or one executable that serves '
      + 'every path under the prefix. Repeat for several; a prefix wins over the WSGI app for its paths. (xgi)',
  }, cgiMount),
  cgiEnv: repeatable({
    section: 'CGI', fileKey: 'cgi_env', flags: ['--cgi-env'], metavar: 'KEY=VALUE', example: '--cgi-env GIT_PROJECT_ROOT=/srv/git',
    help: 'Set a variable in the environment of every CGI script; it wins over the meta-variable of the same name. '
      + 'Scripts get nothing else of xgi\'s environment but PATH. Repeat for several. (xgi)',
  }, envPair),
  cgiTimeout: single({
    section: 'CGI', fileKey: 'cgi_timeout', flags: ['--cgi-timeout'], metavar: 'INT', default: '60', unit: 'seconds',
    example: '--cgi-timeout 300',
    help: 'A CGI script that neither writes output nor takes request body for this many seconds is killed with its '
      + 'whole process group; the client gets 504, or a cut connection once the response has begun. 0 disables it. (xgi)',
  }, seconds),
  cgiMaxProcesses: single({
    section: 'CGI', fileKey: 'cgi_max_processes', flags: ['--cgi-max-processes'], metavar: 'INT', default: '64',
    example: '--cgi-max-processes 16',
    help: 'The most CGI scripts running at once; further requests wait in a queue. (xgi)',
  }, wholeNumber(1)),
  cgiQueueLimit: single({
    section: 'CGI', fileKey: 'cgi_queue_limit', flags: ['--cgi-queue-limit'], metavar: 'INT', default: '256',
    example: '--cgi-queue-limit 1000',
    help: 'The most requests waiting for a CGI process slot; past it, requests get 503 at once. (xgi)',
  }, wholeNumber(0)),
  cgiPassAuth: flagSwitch({
    section: 'CGI', fileKey: 'cgi_pass_auth', flags: ['--cgi-pass-auth'],
    help: 'Pass the Authorization and Proxy-Authorization request headers to CGI scripts as HTTP_AUTHORIZATION '
      + 'and HTTP_PROXY_AUTHORIZATION (Apache\'s CGIPassAuth). '
      + 'Off by default, so that credentials reach only scripts meant to see them. (xgi)',
  }),
  cgiAllowSymlinks: flagSwitch({
    section: 'CGI', fileKey: 'cgi_allow_symlinks', flags: ['--cgi-allow-symlinks'],
    help: 'Run scripts reached through symbolic links, as long as the link resolves inside the mount\'s directory. '
      + 'Off by default: a symbolic link in a script path gets 403. (xgi)',
  }),
  cgiIsindexArgv: flagSwitch({
    section: 'CGI', fileKey: 'cgi_isindex_argv', flags: ['--cgi-isindex-argv'],
    help: 'Pass a query string without "=" to CGI scripts as command-line arguments, split at "+" (RFC 3875 §4.4). '
      + 'Off by default: this is how php-cgi took options from URLs (CVE-2012-1823). (xgi)',
  }),
  cgiSpawners: single({
    section: 'CGI', fileKey: 'cgi_spawners', flags: ['--cgi-spawners'], metavar: 'INT', default: '2',
    example: '--cgi-spawners 0',
    help: 'Start CGI scripts from this many small helper processes (python3 with --python, stdlib only; as Apache\'s '
      + 'mod_cgid), off the event loop, rather than by forking xgi itself, which is two to three times slower. '
      + 'About one per core. 0 uses node\'s own spawn for every script. (xgi)',
  }, wholeNumber(0)),
  limitRequestLine: single({
    section: 'Security', fileKey: 'limit_request_line', flags: ['--limit-request-line'], metavar: 'INT',
    default: '4094', unit: 'bytes', example: '--limit-request-line 8190',
    help: 'The maximum size of the request line (method, target and version); a longer one gets '
      + '414 URI Too Long. 0 means no limit of its own.',
  }, wholeNumber(0)),
  limitRequestFields: single({
    section: 'Security', fileKey: 'limit_request_fields', flags: ['--limit-request-fields'], metavar: 'INT',
    default: '100', example: '--limit-request-fields 50',
    help: 'The maximum number of header fields in a request; more get 431 Request Header Fields Too Large. '
      + 'At most 32768; 0 means 32768.',
  }, wholeNumberInRange(0, 32768)),
  limitRequestFieldSize: single({
    section: 'Security', fileKey: 'limit_request_field_size', flags: ['--limit-request-field_size'], metavar: 'INT',
    default: '8190', unit: 'bytes', example: '--limit-request-field_size 16380',
    help: 'The maximum size of one header field (name, colon, space and value); a larger one gets '
      + '431 Request Header Fields Too Large. 0 means no limit of its own.',
  }, wholeNumber(0)),
  limitRequestBody: single({
    section: 'Security', fileKey: 'limit_request_body', flags: ['--limit-request-body'], metavar: 'BYTES',
    default: '1g', unit: 'bytes', example: '--limit-request-body 10m',
    help: 'The maximum size of a request body: a larger Content-Length gets 413 Content Too Large before any of '
      + 'the body is read, and a chunked body is cut off with 413 once it passes the limit. Accepts k, m and g '
      + 'suffixes. 0 means no limit. (xgi)',
  }, byteSize(0)),
  logLevel: single({
    section: 'Logging', fileKey: 'loglevel', flags: ['--log-level'], metavar: 'LEVEL', default: 'info',
    example: '--log-level debug', help: 'The granularity of error log output: debug, info, warning, error or critical.',
  }, oneOf(LOG_LEVELS)),
  errorLogfile: single({
    section: 'Logging', fileKey: 'errorlog', flags: ['--error-logfile', '--log-file'], metavar: 'FILE', default: '-',
    defaultDoc: '- (stderr)', example: '--error-logfile /var/log/xgi/error.log',
    help: 'The error log file to write to; - means stderr.',
  }, logFile),
  accessLogfile: optional({
    section: 'Logging', fileKey: 'accesslog', flags: ['--access-logfile'], metavar: 'FILE',
    defaultDoc: 'none (no access log)', example: '--access-logfile -',
    help: 'The access log file to write to; - means stdout.',
  }, logFile),
  accessLogFormat: single({
    section: 'Logging', fileKey: 'access_log_format', flags: ['--access-logformat'], metavar: 'STRING',
    default: ACCESS_LOG_FORMAT, example: `--access-logformat '%(h)s "%(r)s" %(s)s'`,
    help: "The access log format, with gunicorn's %(atom)s atoms (h, l, u, t, r, s, b, f, a, ...).",
  }, text),
  version: flagSwitch({
    section: 'Information', fileKey: null, flags: ['-v', '--version'], help: "Show the program's version number and exit.",
  }),
  help: flagSwitch({
    section: 'Information', fileKey: null, flags: ['-h', '--help'], help: 'Show this help message and exit.',
  }),
};

export type SettingName = keyof typeof SETTINGS;

/** The checked value of every setting, by name. */
export type SettingValues = {
  readonly [K in SettingName]: (typeof SETTINGS)[K] extends Setting<infer V> ? V : never;
};

/** The settings as a list of `[name, setting]`, in table order. */
export const SETTING_ENTRIES = Object.entries(SETTINGS) as readonly (readonly [SettingName, Setting<unknown>])[];

/** How problems and help name a setting: its first long flag, or its metavar for the positional. */
export function settingLabel(setting: Setting<unknown>): string {
  return setting.flags.find((flag) => flag.startsWith('--')) ?? setting.metavar;
}
