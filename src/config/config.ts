/**
 * The Config type: what `config/load.ts` builds once at the edge from
 * defaults, environment, config file, XGI_CMD_ARGS and argv, validates and
 * deep-freezes. Units are normalised here (milliseconds, bytes, absolute
 * paths); nothing deeper converts units or reads argv/env.
 *
 * Modules receive slices (`config.workers`, `config.server`, `config.log`),
 * never the whole Config.
 */

/** One listening address (`-b/--bind`, or a `[[listeners]]` entry of the config file). */
export type BindAddress = (
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string }
  /** An inherited listening socket: `fd://N`, or systemd's LISTEN_FDS (fds from 3). */
  | { readonly kind: 'fd'; readonly fd: number }
) & {
  /** Present when this address serves HTTPS (and HTTP/2 by ALPN). */
  readonly tls?: TlsConfig;
};

/** TLS on a listener (`--certfile`, `--keyfile`, `--ca-certs`). */
export interface TlsConfig {
  /** Absolute path of the certificate chain, PEM. */
  readonly certFile: string;
  /** Absolute path of its private key, PEM. */
  readonly keyFile: string;
  /** Absolute path of the CAs that client certificates must chain to; null: no client certificates asked. */
  readonly caFile: string | null;
}

/** What the worker pool of one WSGI app needs. */
export interface WorkersConfig {
  /**
   * `MODULE:CALLABLE` as given by the user (`MODULE` alone means `MODULE:application`);
   * '' when xgi serves only CGI mounts (`--cgi`), and then no worker starts.
   */
  readonly app: string;
  /** Number of worker processes (`-w`, WEB_CONCURRENCY). */
  readonly count: number;
  /** Requests served at once per worker, each on its own thread (`--threads`). */
  readonly threads: number;
  /**
   * gunicorn's worker type (`-k`), after gunicorn's rule that sync with
   * threads > 1 is gthread. xgi's workers are the same either way; it is logged.
   */
  readonly workerClass: 'sync' | 'gthread';
  /** The Python interpreter (`--python`). */
  readonly python: string;
  /** Absolute directories prepended to sys.path (`--pythonpath`). */
  readonly pythonPath: readonly string[];
  /** Absolute working directory of the workers (`--chdir`). */
  readonly chdir: string;
  /** Extra environment for the workers (`-e KEY=VALUE`). */
  readonly env: Readonly<Record<string, string>>;
  /** xgi's own environment, which the workers inherit under `env` (as gunicorn's do). */
  readonly inheritedEnv: Readonly<Record<string, string>>;
  /** A worker silent on a request this long is killed (`--timeout`; 0 = never). */
  readonly timeoutMs: number;
  /** How long a worker may take to import the app and say READY. */
  readonly bootTimeoutMs: number;
  /** Graceful shutdown bound (`--graceful-timeout`). */
  readonly gracefulTimeoutMs: number;
  /** Streams in flight per worker (requests pipelined to it). */
  readonly maxInFlight: number;
  /** Response bytes a stream may have unacknowledged by the front (and held in memory for a slow client). */
  readonly responseWindowBytes: number;
  /** Where response bodies wait on disk for a slow client (`--spool-dir`). */
  readonly spoolDir: string;
  /** Most bytes of one response held on disk (`--max-spool-size`; 0: none). */
  readonly maxSpoolBytes: number;
  /** SERVER_SOFTWARE in the environ. */
  readonly serverSoftware: string;
}

/** What the HTTP front needs. */
export interface ServerConfig {
  readonly binds: readonly BindAddress[];
  /** Idle keep-alive connections are closed after this (`--keep-alive`). */
  readonly keepAliveMs: number;
  /** Bound on receiving a request head (slowloris). */
  readonly headersTimeoutMs: number;
  /** Bodies up to this size are buffered before dispatch (`--request-buffer-size`). */
  readonly requestBufferBytes: number;
  /** Value of the SERVER_SOFTWARE meta-variable and of the Server header. */
  readonly serverSoftware: string;
  /** What the front refuses and how long it waits (docs/security.md). */
  readonly limits: RequestLimits;
  /** Whom the front believes about the client's address, scheme and host. */
  readonly proxies: ProxyTrust;
}

/** Limits on what one client may send; 0 turns a limit off where noted. */
export interface RequestLimits {
  /** Longest request line (`--limit-request-line`; 0: none of its own). */
  readonly requestLineBytes: number;
  /** Most header fields (`--limit-request-fields`; gunicorn's 0 is already 32768 here). */
  readonly headerFields: number;
  /** Longest header field, `name: value` (`--limit-request-field_size`; 0: none of its own). */
  readonly headerFieldBytes: number;
  /** Largest request body (`--limit-request-body`; 0: none). */
  readonly bodyBytes: number;
  /** Longest wait for the next body bytes the front asked for (`--body-timeout`; 0: none). */
  readonly bodyTimeoutMs: number;
  /** Most connections served at once; more wait unread (`--worker-connections`). */
  readonly connections: number;
  /** What happens to header names with `_` (`--header-map`). */
  readonly headerMap: 'drop' | 'refuse' | 'dangerous';
}

/** Trusted front ends: entries are IP addresses, CIDR networks, or `*`. */
export interface ProxyTrust {
  /** Peers whose Forwarded / X-Forwarded-* headers are believed (`--forwarded-allow-ips`). */
  readonly forwardedAllowIps: readonly string[];
  /** Connections from `proxyAllowFrom` begin with a PROXY protocol header (`--proxy-protocol`). */
  readonly proxyProtocol: boolean;
  /** Peers that must send the PROXY header (`--proxy-allow-from`). */
  readonly proxyAllowFrom: readonly string[];
}

/** Log levels in gunicorn's order. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

export interface LogConfig {
  readonly level: LogLevel;
  /** `-` for stderr, else an absolute path (`--error-logfile`). */
  readonly errorLogfile: string;
  /** `-` for stdout, an absolute path, or null for no access log (`--access-logfile`). */
  readonly accessLogfile: string | null;
  /** gunicorn's access-log format with `%(atom)s` atoms (`--access-logformat`). */
  readonly accessLogFormat: string;
}

/** How the arbiter keeps the workers healthy (docs/supervision.md). 0 disables a limit. */
export interface SupervisionConfig {
  /** Recycle a worker after about this many requests (`--max-requests`). */
  readonly maxRequests: number;
  /** Up to this many more, at random per worker (`--max-requests-jitter`). */
  readonly maxRequestsJitter: number;
  /** Recycle a worker after it has run this long (`--max-worker-lifetime`). */
  readonly maxWorkerLifetimeMs: number;
  /** Up to this much longer, at random per worker (`--max-worker-lifetime-jitter`). */
  readonly maxWorkerLifetimeJitterMs: number;
  /** Recycle a worker whose RSS passed this (`--max-worker-memory`, given in MiB). */
  readonly maxWorkerMemoryBytes: number;
  /** A request that waited this long for a worker gets 503 (`--queue-timeout`). */
  readonly queueTimeoutMs: number;
  /** The most requests waiting for a worker; past it, 503 at once (`--queue-limit`). */
  readonly queueLimit: number;
  /** Import the app once in a zygote that forks the workers (`--preload`). */
  readonly preload: boolean;
  /** Reload the workers when a loaded Python file changes (`--reload`). */
  readonly reload: boolean;
  /** Absolute paths also watched by `--reload` (`--reload-extra-file`). */
  readonly reloadExtraFiles: readonly string[];
  /** Absolute path of the pid file, or null (`-p/--pid`). */
  readonly pidfile: string | null;
}

/** One `--cgi PREFIX=PATH` mount. */
export interface CgiMount {
  /** The URL prefix: '' for the root, else `/cgi-bin` (no trailing slash). */
  readonly prefix: string;
  /** `directory`: the scripts are the executables in it (Apache's ScriptAlias); `program`: one executable serves the prefix. */
  readonly kind: 'directory' | 'program';
  /** Absolute: the directory with symlinks resolved, or the program. */
  readonly path: string;
}

/** `--cgi-spawners N` (docs/cgi.md, Speed). */
export interface CgiSpawnersConfig {
  /** How many spawner processes; at least 1. */
  readonly count: number;
  /** The interpreter they run with (`--python`; they use the stdlib only). */
  readonly python: string;
}

/** What the CGI gateway needs (docs/cgi.md). */
export interface CgiConfig {
  readonly mounts: readonly CgiMount[];
  /** Extra variables for every script (`--cgi-env KEY=VALUE`); they win over the meta-variables. */
  readonly env: Readonly<Record<string, string>>;
  /** PATH for the scripts: xgi's own, or a default when it has none. */
  readonly path: string;
  /** A script silent this long (no output, no input taken) is killed with its process group (`--cgi-timeout`; 0 = never). */
  readonly timeoutMs: number;
  /** Scripts running at once (`--cgi-max-processes`). */
  readonly maxProcesses: number;
  /** Requests waiting for a process slot; past it, 503 (`--cgi-queue-limit`). */
  readonly queueLimit: number;
  /** Pass the Authorization header as HTTP_AUTHORIZATION (`--cgi-pass-auth`, Apache's CGIPassAuth). */
  readonly isAuthorizationPassed: boolean;
  /** Follow symlinks that stay inside the mount's directory (`--cgi-allow-symlinks`). */
  readonly areSymlinksAllowed: boolean;
  /** Turn a query string without `=` into arguments (RFC 3875 §4.4, `--cgi-isindex-argv`). */
  readonly isIsindexArgvEnabled: boolean;
  /** Spawner helper processes that start the scripts (`--cgi-spawners N`); absent for 0: node's own spawn. */
  readonly spawners?: CgiSpawnersConfig;
  /** SERVER_SOFTWARE. */
  readonly serverSoftware: string;
}

/** A `type = "static"` app: files served by the front itself (docs/static.md). */
export interface StaticConfig {
  /** Absolute directory, symlinks resolved; nothing outside it is ever served. */
  readonly root: string;
  /** Files tried, in order, for a request that names a directory (`index.html`). */
  readonly index: readonly string[];
  /** Answer a directory without an index file with a listing (else 404). */
  readonly listDirectories: boolean;
  /** Serve `name.br` / `name.gz` beside `name` when the client accepts that encoding. */
  readonly precompressed: boolean;
  /** Follow symlinks whose target stays inside `root` (never one that leaves it). */
  readonly followSymlinks: boolean;
  /** Serve names starting with `.` (else 404, and `.well-known` is always served). */
  readonly dotfiles: boolean;
  /** Cache-Control max-age in seconds; null: no Cache-Control header. */
  readonly maxAgeSeconds: number | null;
  /** How long what the file system said (paths, variants, small files) is trusted (`cache_seconds`); 0: never. */
  readonly cacheMs: number;
}

/** One application, with its own workers or processes and limits: one app never starves another. */
export type AppConfig =
  | { readonly kind: 'wsgi'; readonly name: string; readonly workers: WorkersConfig; readonly supervision: SupervisionConfig }
  | { readonly kind: 'cgi'; readonly name: string; readonly cgi: CgiConfig }
  | { readonly kind: 'static'; readonly name: string; readonly static: StaticConfig };

/** `[[routes]]`: tried in order, the first that matches serves the request (router.ts). */
export interface RouteConfig {
  /** Host patterns (`example.com`, `*.example.com`, `*`); empty: any host. */
  readonly hosts: readonly string[];
  /** Path prefix at segment boundaries, '' for the root; it becomes SCRIPT_NAME. */
  readonly prefix: string;
  /** Upper-case methods; empty: any method. */
  readonly methods: readonly string[];
  /** The name of an app in `apps`. */
  readonly app: string;
}

export interface Config {
  /**
   * The top-level WSGI settings, the command line's app's (`app` '' when it
   * names none); main.ts reads the graceful timeout here. A config file's
   * wsgi apps get theirs from the same setting values (apps.ts), not from this.
   */
  readonly workers: WorkersConfig;
  readonly server: ServerConfig;
  readonly log: LogConfig;
  /** The top-level supervision settings; `pidfile` and `reload` are xgi's, the rest each wsgi app's defaults. */
  readonly supervision: SupervisionConfig;
  /** Every app served: the command line's (`cgi`, then `wsgi`), then the config file's. */
  readonly apps: readonly AppConfig[];
  /** The command line's routes (its --cgi prefixes, longest first, then its app at /), then the file's. */
  readonly routes: readonly RouteConfig[];
  /** The config file it was read from (absolute), or null. */
  readonly configFile: string | null;
}
