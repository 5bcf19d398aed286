/**
 * The composition root: argv + env → Config → logger, front, arbiter,
 * gateways; signals → actions (workers/signals.ts); the pid file, systemd's
 * sockets, --reload and --max-worker-memory wired to the arbiter. The only
 * file that sees every module and the only one that calls process.exit.
 */
import type { Config } from './config/config.js';
import { loadConfig, type LoadInput, type LoadResult } from './config/load.js';
import { renderHelp, renderVersion, readPackageVersion } from './cli/help.js';
import { COMMAND_LINE } from './cli/parse-argv.js';
import { createLogger } from './log/create-logger.js';
import type { Logger } from './log/logger.js';
import { createFront, type Front } from './server/http-front.js';
import { createRouter } from './router.js';
import { StartupError } from './startup-error.js';
import { Arbiter } from './workers/arbiter.js';
import type { ArbiterConfig } from './workers/generation.js';
import { watchMemory } from './workers/memory.js';
import { Reloader } from './workers/reloader.js';
import { handleSignals } from './workers/signals.js';
import { Pidfile } from './pidfile.js';
import { systemdBinds } from './server/systemd.js';
import { createWsgiGateway } from './gateways/wsgi/wsgi-gateway.js';
import { createCgiGateway } from './gateways/cgi/cgi-gateway.js';
import type { Gateway } from './gateways/gateway.js';

const VERSION = readPackageVersion();
/** Exit status when the app cannot be loaded (gunicorn's APP_LOAD_ERROR). */
const EXIT_APP_LOAD = 4;
const EXIT_USAGE = 2;

type Shutdown = 'graceful' | 'fast';

async function main(): Promise<void> {
  const input: LoadInput = {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    commandLine: COMMAND_LINE,
    version: VERSION,
  };
  const result = loadConfig(input);
  switch (result.kind) {
    case 'help':
      process.stdout.write(renderHelp());
      return;
    case 'version':
      process.stdout.write(renderVersion());
      return;
    case 'invalid':
      for (const problem of result.problems) process.stderr.write(`xgi: error: ${problem}\n`);
      process.stderr.write('Run xgi --help to see every option.\n');
      process.exitCode = EXIT_USAGE;
      return;
    case 'run':
      await run(result.config, () => loadConfig(input)); // SIGHUP runs the same loader again
  }
}

/** The logger, or the one-line reason it cannot be opened (bad path, bad access-log format). */
function openLogger(config: Config): Logger {
  try {
    return createLogger(config.log);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('XGI_LOG_')) throw error;
    process.stderr.write(`Error: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

async function run(config: Config, reread: () => LoadResult): Promise<void> {
  const log = openLogger(config);
  let current = config;
  const reloader = config.supervision.reload
    ? new Reloader((file) => {
      log.info(`Worker reloading: ${file} modified`);
      arbiter.reload(arbiterConfig(current));
    })
    : null;
  reloader?.watch(config.supervision.reloadExtraFiles);
  const arbiter = new Arbiter(arbiterConfig(config), log, { modulesLoaded: (files) => reloader?.watch(files) });
  const wsgi = createWsgiGateway(arbiter, log, {
    memoryBytes: config.workers.responseWindowBytes,
    maxFileBytes: config.workers.maxSpoolBytes,
    dir: config.workers.spoolDir,
  });
  // With only --cgi mounts there is no app, and no worker starts (issue 3).
  const hasApp = config.workers.app !== '';
  const cgi = config.cgi === null ? null : createCgiGateway(config.cgi, log, (path, host) => router.match({ host, path, method: 'GET' }));
  const router = createRouter([
    // CGI mounts first: a prefix wins over the app for its paths, even `/` (issue 3).
    ...[...(config.cgi?.mounts ?? [])].sort((a, b) => b.prefix.length - a.prefix.length)
      .map((mount) => ({ hosts: [], prefix: mount.prefix, methods: [], gateway: cgi as Gateway })),
    ...(hasApp ? [{ hosts: [], prefix: '', methods: [], gateway: wsgi }] : []),
  ]);
  const inherited = systemdBinds(process.env, process.pid);
  const front = createFront(inherited === null ? config.server : { ...config.server, binds: inherited }, router, log);
  const parts: Parts = { front, arbiter, cgi, log, pidfile: null };
  let isShuttingDown = false;
  const shutdown = (how: Shutdown): void => {
    if (isShuttingDown) {
      if (how === 'fast') void stop(parts, 'fast', 0);
      return;
    }
    isShuttingDown = true;
    void stop(parts, how, current.workers.gracefulTimeoutMs);
  };
  handleSignals({
    stopGracefully: () => shutdown('graceful'),
    stopFast: () => shutdown('fast'),
    reload: () => {
      const next = rereadConfig(current, reread, log);
      if (next === null) return;
      current = next;
      if (hasApp) arbiter.reload(arbiterConfig(next));
    },
    addWorker: () => {
      if (hasApp) arbiter.addWorker();
    },
    removeWorker: () => {
      if (hasApp) arbiter.removeWorker();
    },
    reopenLogs: () => log.reopen(),
  }, log);
  watchMemory({
    limitBytes: () => current.supervision.maxWorkerMemoryBytes,
    pids: () => arbiter.pids,
    onOver: (pid, rssBytes) => arbiter.recycle(pid,
      `RSS ${mebibytes(rssBytes)} MiB is over --max-worker-memory ${mebibytes(current.supervision.maxWorkerMemoryBytes)}`),
  });
  try {
    log.info(`Starting xgi ${VERSION}`);
    if (config.supervision.pidfile !== null) parts.pidfile = Pidfile.create(config.supervision.pidfile, process.pid);
    if (inherited !== null) log.info(`Using ${inherited.length} listening socket(s) from systemd (LISTEN_FDS); --bind is ignored`);
    const addresses = await front.listen();
    for (const address of addresses) log.info(`Listening at: ${address} (${process.pid})`);
    if (hasApp) {
      log.info(`Using worker: ${config.workers.workerClass}`);
      await arbiter.start();
    }
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    await arbiter.kill();
    await front.close(0);
    parts.pidfile?.remove();
    if (error.details !== '') log.error(error.details);
    await log.close();
    process.stderr.write(`Error: ${error.message}\n`);
    process.exit(error.code === 'XGI_APP_LOAD_ERROR' ? EXIT_APP_LOAD : 1);
  }
}

interface Parts {
  readonly front: Front;
  readonly arbiter: Arbiter;
  readonly cgi: Gateway | null;
  readonly log: Logger;
  pidfile: Pidfile | null;
}

/** What the arbiter needs of a Config. */
function arbiterConfig(config: Config): ArbiterConfig {
  return { workers: config.workers, supervision: config.supervision };
}

/**
 * SIGHUP: the same loader on the same argv and environment (and, with issue
 * 6, the config file). An invalid result keeps everything as it is.
 */
function rereadConfig(current: Config, reread: () => LoadResult, log: Logger): Config | null {
  log.info('Hang up: Master');
  const result = reread();
  if (result.kind !== 'run') {
    if (result.kind === 'invalid') for (const problem of result.problems) log.error(`config: ${problem}`);
    log.error('Reload failed: the configuration is not valid; the old workers keep serving');
    return null;
  }
  const next = result.config;
  const restartOnly = (c: Config): string => JSON.stringify([c.server, c.log, c.supervision.pidfile, c.cgi]);
  if (restartOnly(next) !== restartOnly(current)) {
    log.warning('Reload: changes to the listeners, the logs, --pid and the --cgi settings take effect at the next restart');
  }
  return next;
}

function mebibytes(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}

/** One deadline, --graceful-timeout, for the front to drain and the workers to finish. */
async function stop({ front, arbiter, cgi, log, pidfile }: Parts, how: Shutdown, graceMs: number): Promise<void> {
  if (how === 'fast') {
    await Promise.all([front.close(0), arbiter.kill(), cgi?.close(0)]);
  } else {
    // Stop accepting, let the requests in flight finish, then stop the workers and CGI scripts.
    const deadline = performance.now() + graceMs;
    await front.close(graceMs);
    const left = Math.max(0, deadline - performance.now());
    await Promise.all([arbiter.stop(left), cgi?.close(left)]);
  }
  pidfile?.remove();
  log.info('Shutting down: Master');
  await log.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  // A bug, not a user error: show everything.
  process.stderr.write(`xgi: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(70);
});
