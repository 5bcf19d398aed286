/**
 * createLogger: the process's one Logger, built in main.ts from the `log`
 * slice of the Config. Error-log lines are gunicorn's
 * `[2026-11-24 16:51:10 +0800] [28843] [INFO] message`; access-log lines come
 * from the compiled `--access-logformat`. `-` means stderr for the error log
 * and stdout for the access log; anything else is a file opened for append.
 * Lines go through LineSinks, which batch them once per event-loop turn.
 */
import type { LogConfig, LogLevel } from '../config/config.js';
import { compileAccessFormat } from './access-format.js';
import { openFileSink, wrapStreamSink } from './line-sink.js';
import type { LineSink, SinkErrorHandler } from './line-sink.js';
import { formatErrorLogTime } from './log-time.js';
import type { Logger } from './logger.js';

export interface LoggerOptions {
  /** Where access lines go for `-` (default process.stdout). */
  readonly stdout?: NodeJS.WritableStream;
  /** Where error lines go for `-` (default process.stderr). */
  readonly stderr?: NodeJS.WritableStream;
  /** The pid shown when a call passes none (default process.pid). */
  readonly defaultPid?: number;
}

/** Python's numeric logging levels. */
export const LOG_LEVEL_NUMBERS: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};

/** Python's `logging.getLevelName`. */
const LEVEL_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NOTSET'],
  [10, 'DEBUG'],
  [20, 'INFO'],
  [30, 'WARNING'],
  [40, 'ERROR'],
  [50, 'CRITICAL'],
]);

type LineWriter = (message: string, pid?: number) => void;

const STDOUT_NAME = '<stdout>';
const STDERR_NAME = '<stderr>';

const noop = (): void => {};

function levelName(level: number): string {
  return LEVEL_NAMES.get(level) ?? `Level ${level}`;
}

/** Opens a log file, naming the path in the error a user will read at start-up. */
function openLogFile(path: string, onError: SinkErrorHandler): LineSink {
  try {
    return openFileSink(path, onError);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const failure = new Error(`log: cannot open ${path}: ${reason}`, { cause: error });
    throw Object.assign(failure, { code: 'XGI_LOG_OPEN_FAILED' });
  }
}

interface Sinks {
  readonly error: LineSink;
  readonly access: LineSink | null;
  /** Each sink once: the error and access logs share one when they name the same file. */
  readonly all: readonly LineSink[];
}

function openSinks(
  config: LogConfig,
  streams: { readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream },
  onError: SinkErrorHandler,
): Sinks {
  const byTarget = new Map<string, LineSink>();
  const sinkFor = (target: string, stdName: string, std: NodeJS.WritableStream): LineSink => {
    const key = target === '-' ? stdName : target;
    let sink = byTarget.get(key);
    if (sink === undefined) {
      sink = target === '-' ? wrapStreamSink(stdName, std, onError) : openLogFile(target, onError);
      byTarget.set(key, sink);
    }
    return sink;
  };
  try {
    const error = sinkFor(config.errorLogfile, STDERR_NAME, streams.stderr);
    const access =
      config.accessLogfile === null ? null : sinkFor(config.accessLogfile, STDOUT_NAME, streams.stdout);
    return { error, access, all: [...byTarget.values()] };
  } catch (failure) {
    for (const sink of byTarget.values()) void sink.close();
    throw failure;
  }
}

/** Creates the Logger; throws (code XGI_LOG_OPEN_FAILED, XGI_LOG_BAD_ACCESS_FORMAT) at start-up. */
export function createLogger(config: LogConfig, options: LoggerOptions = {}): Logger {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  const defaultPid = options.defaultPid ?? process.pid;
  const threshold = LOG_LEVEL_NUMBERS[config.level];
  const formatAccess = compileAccessFormat(config.accessLogFormat);

  const formatLine = (name: string, message: string, pid: number | undefined): string =>
    `${formatErrorLogTime(Date.now())} [${pid ?? defaultPid}] [${name}] ${message}\n`;

  // A failing access log is reported in the error log; a failing error log on
  // stderr itself; a failing stderr cannot be reported anywhere.
  let errorSink: LineSink | null = null;
  const reportSinkError: SinkErrorHandler = (name, error) => {
    const line = formatLine('ERROR', `log: ${name}: ${error.message}`, undefined);
    if (errorSink !== null && errorSink.name !== name) errorSink.write(line);
    else if (name !== STDERR_NAME) stderr.write(line);
  };
  const sinks = openSinks(config, { stdout, stderr }, reportSinkError);
  const errorLog = sinks.error;
  errorSink = errorLog;
  const accessLog = sinks.access;

  const emit = (level: number, message: string, pid: number | undefined): void => {
    if (level >= threshold) errorLog.write(formatLine(levelName(level), message, pid));
  };
  const writerFor = (level: number): LineWriter =>
    level >= threshold ? (message, pid) => emit(level, message, pid) : noop;

  return {
    debug: writerFor(10),
    info: writerFor(20),
    warning: writerFor(30),
    error: writerFor(40),
    critical: writerFor(50),
    log: emit,
    isEnabled: (level) => LOG_LEVEL_NUMBERS[level] >= threshold,
    hasAccessLog: accessLog !== null,
    access: accessLog === null ? noop : (entry) => accessLog.write(`${formatAccess(entry)}\n`),
    reopen: () => {
      for (const sink of sinks.all) sink.reopen();
    },
    close: async () => {
      await Promise.all(sinks.all.map((sink) => sink.close()));
    },
  };
}
