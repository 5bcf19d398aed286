/**
 * The error log as one app of several sees it: every line it writes starts
 * with `app NAME: `, so that `Booting worker with pid: N` says whose worker
 * it is when a config file serves several apps. The access log and the
 * log files themselves are the shared logger's.
 */
import type { Logger } from './logger.js';

export function appLogger(log: Logger, name: string): Logger {
  const prefix = `app ${name}: `;
  return {
    debug: (message, pid) => log.debug(prefix + message, pid),
    info: (message, pid) => log.info(prefix + message, pid),
    warning: (message, pid) => log.warning(prefix + message, pid),
    error: (message, pid) => log.error(prefix + message, pid),
    critical: (message, pid) => log.critical(prefix + message, pid),
    log: (level, message, pid) => log.log(level, prefix + message, pid),
    isEnabled: (level) => log.isEnabled(level),
    get hasAccessLog() {
      return log.hasAccessLog;
    },
    access: (entry) => log.access(entry),
    reopen: () => log.reopen(),
    close: () => log.close(),
  };
}
