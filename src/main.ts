/**
 * The composition root: argv + env → Config → logger, front, arbiter,
 * gateways; signals → actions. The only file that sees every module and the
 * only one that calls process.exit.
 */
import type { Config } from './config/config.js';
import { loadConfig } from './config/load.js';
import { renderHelp, renderVersion, readPackageVersion } from './cli/help.js';
import { COMMAND_LINE } from './cli/parse-argv.js';
import { createLogger } from './log/create-logger.js';
import type { Logger } from './log/logger.js';
import { createFront, type Front } from './server/http-front.js';
import { createRouter } from './router.js';
import { StartupError } from './startup-error.js';
import { Arbiter } from './workers/arbiter.js';
import { createWsgiGateway } from './gateways/wsgi/wsgi-gateway.js';

const VERSION = readPackageVersion();
/** Exit status when the app cannot be loaded (gunicorn's APP_LOAD_ERROR). */
const EXIT_APP_LOAD = 4;
const EXIT_USAGE = 2;

type Shutdown = 'graceful' | 'fast';

/** What each signal does; handlers only queue the action (gunicorn: no work in a handler). */
const SIGNAL_ACTIONS: Readonly<Partial<Record<NodeJS.Signals, Shutdown>>> = {
  SIGTERM: 'graceful',
  SIGINT: 'graceful',
  SIGQUIT: 'fast',
};

async function main(): Promise<void> {
  const result = loadConfig({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    commandLine: COMMAND_LINE,
    version: VERSION,
  });
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
      await run(result.config);
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

async function run(config: Config): Promise<void> {
  const log = openLogger(config);
  const arbiter = new Arbiter(config.workers, log);
  const router = createRouter([{ prefix: '', gateway: createWsgiGateway(arbiter, log, {
    memoryBytes: config.workers.responseWindowBytes,
    maxFileBytes: config.workers.maxSpoolBytes,
    dir: config.workers.spoolDir,
  }) }]);
  const front = createFront(config.server, router, log);
  let isShuttingDown = false;
  const shutdown = (how: Shutdown, signal: string): void => {
    if (isShuttingDown) {
      if (how === 'fast') void stop(front, arbiter, log, 'fast', 0);
      return;
    }
    isShuttingDown = true;
    log.info(`Handling signal: ${signal.replace(/^SIG/, '').toLowerCase()}`);
    void stop(front, arbiter, log, how, config.workers.gracefulTimeoutMs);
  };
  for (const [signal, how] of Object.entries(SIGNAL_ACTIONS)) {
    process.on(signal, () => queueMicrotask(() => shutdown(how, signal)));
  }
  process.on('SIGUSR1', () => queueMicrotask(() => log.reopen()));
  try {
    log.info(`Starting xgi ${VERSION}`);
    const addresses = await front.listen();
    for (const address of addresses) log.info(`Listening at: ${address} (${process.pid})`);
    log.info(`Using worker: ${config.workers.workerClass}`);
    await arbiter.start();
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    await arbiter.kill();
    await front.close(0);
    if (error.details !== '') log.error(error.details);
    await log.close();
    process.stderr.write(`Error: ${error.message}\n`);
    process.exit(error.code === 'XGI_APP_LOAD_ERROR' ? EXIT_APP_LOAD : 1);
  }
}

async function stop(front: Front, arbiter: Arbiter, log: Logger, how: Shutdown, graceMs: number): Promise<void> {
  if (how === 'fast') {
    await Promise.all([front.close(0), arbiter.kill()]);
  } else {
    // Stop accepting, let the requests in flight finish, then stop the workers.
    await front.close(graceMs);
    await arbiter.stop(graceMs);
  }
  log.info('Shutting down: Master');
  await log.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  // A bug, not a user error: show everything.
  process.stderr.write(`xgi: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(70);
});
