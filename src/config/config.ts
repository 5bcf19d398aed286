/**
 * The Config type: what `config/load.ts` builds once at the edge from
 * defaults, environment, config file, XGI_CMD_ARGS and argv, validates and
 * deep-freezes. Units are normalised here (milliseconds, bytes, absolute
 * paths); nothing deeper converts units or reads argv/env.
 *
 * Modules receive slices (`config.workers`, `config.server`, `config.log`),
 * never the whole Config.
 */

/** One listening address (`-b/--bind`). */
export type BindAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** What the worker pool of one WSGI app needs. */
export interface WorkersConfig {
  /** `MODULE:CALLABLE` as given by the user (`MODULE` alone means `MODULE:application`). */
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

export interface Config {
  readonly workers: WorkersConfig;
  readonly server: ServerConfig;
  readonly log: LogConfig;
}
