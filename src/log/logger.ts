/**
 * The Logger type every subsystem receives: gunicorn-style error log lines
 * (`[2026-11-24 16:51:10 +0800] [28843] [INFO] message`) and the access log
 * (gunicorn's atoms, see access-format.ts). Created once in main.ts from the
 * `log` slice of the Config; nothing else opens log files.
 */
import type { LogLevel } from '../config/config.js';

/** One finished request, as the access log sees it. */
export interface AccessEntry {
  /** Client address (`h`). */
  readonly remoteAddr: string;
  readonly method: string;
  /** The request target exactly as received, path and query (`U`, `q` derive from it). */
  readonly target: string;
  /** `1.1`, `1.0`, `2.0`. */
  readonly httpVersion: string;
  readonly status: number;
  /** Response body bytes sent (`B`, `b`). */
  readonly responseBytes: number;
  /**
   * When the request started, epoch milliseconds. `t` shows
   * `startMs + durationUs / 1000`, the moment the request finished, as
   * gunicorn's `t` is the time the line is logged.
   */
  readonly startMs: number;
  /** Request duration in microseconds (`T`, `M`, `D`, `L`). */
  readonly durationUs: number;
  /** Request headers, lower-case names (`{name}i`, `f`, `a`, `u`). */
  readonly requestHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** Response headers, lower-case names (`{name}o`). */
  readonly responseHeaders: Readonly<Record<string, string | number | string[] | undefined>>;
  /** pid of the process that served it (`p`): the worker's for WSGI. */
  readonly pid: number;
  /**
   * Extra environ keys for `{name}e` beyond those derived from the fields
   * above (REQUEST_METHOD, RAW_URI, PATH_INFO, QUERY_STRING, SERVER_PROTOCOL,
   * REMOTE_ADDR, CONTENT_TYPE, CONTENT_LENGTH, HTTP_*): e.g. REMOTE_PORT,
   * SERVER_NAME, SCRIPT_NAME, wsgi.url_scheme, named as in the WSGI environ.
   */
  readonly environ?: Readonly<Record<string, string>>;
}

export interface Logger {
  debug(message: string, pid?: number): void;
  info(message: string, pid?: number): void;
  warning(message: string, pid?: number): void;
  error(message: string, pid?: number): void;
  critical(message: string, pid?: number): void;
  /** Python-style numeric level (10 debug ... 50 critical), for lines relayed from workers. */
  log(level: number, message: string, pid?: number): void;
  isEnabled(level: LogLevel): boolean;
  /** True when an access log is configured; callers skip building entries otherwise. */
  readonly hasAccessLog: boolean;
  access(entry: AccessEntry): void;
  /** Reopen log files (SIGUSR1, logrotate). */
  reopen(): void;
  /** Flush and close; resolves when everything written is on disk or in the pipe. */
  close(): Promise<void>;
}
