/**
 * The composition root: argv + env → Config → logger, front, arbiter,
 * gateways; signals → actions (workers/signals.ts); the pid file, systemd's
 * sockets, --reload and --max-worker-memory wired to the arbiter. The only
 * file that sees every module and the only one that calls process.exit.
 */
import type { AppConfig, Config } from './config/config.js';
import { CLI_APPS, loadConfig, type LoadInput, type LoadResult } from './config/load.js';
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
import { giveMemoryBackWhenIdle } from './idle-memory.js';
import { systemdBinds } from './server/systemd.js';
import { createWsgiGateway } from './gateways/wsgi/wsgi-gateway.js';
import { createCgiGateway } from './gateways/cgi/cgi-gateway.js';
import { appLogger } from './log/app-logger.js';
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
    case 'check':
      process.stdout.write(`${JSON.stringify(effectiveConfig(result.config), null, 2)}\n`);
      return;
    case 'run':
      await run(result.config, () => loadConfig(input)); // SIGHUP runs the same loader again
  }
}

/**
 * `--check-config`'s view of the Config: everything xgi will do, less the
 * environment it inherited (long, and it may hold secrets).
 */
function effectiveConfig(config: Config): unknown {
  const withoutInherited = (workers: Config['workers']): object => ({ ...workers, inheritedEnv: undefined });
  return {
    ...config,
    workers: withoutInherited(config.workers),
    apps: config.apps.map((app) => (app.kind === 'wsgi' ? { ...app, workers: withoutInherited(app.workers) } : app)),
  };
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

/** A running WSGI app: its arbiter (its own worker pool) and the config it was built from. */
interface WsgiApp {
  readonly name: string;
  readonly arbiter: Arbiter;
  /** The command line's app logs as gunicorn does; a config file's apps name themselves. */
  readonly log: Logger;
}

async function run(config: Config, reread: () => LoadResult): Promise<void> {
  const log = openLogger(config);
  let current = config;
  const wsgiApps: WsgiApp[] = [];
  const reloader = config.supervision.reload
    ? new Reloader((file) => {
      log.info(`Worker reloading: ${file} modified`);
      for (const app of wsgiApps) app.arbiter.reload(arbiterConfig(wsgiAppOf(current, app.name)));
    })
    : null;
  reloader?.watch(config.supervision.reloadExtraFiles);
  const gateways = new Map<string, Gateway>();
  const closers: Gateway[] = [];
  for (const app of config.apps) {
    const { gateway, wsgi } = await createApp(app, log, (path, host) => router.match({ host, path, method: 'GET' }), (files) => reloader?.watch(files));
    gateways.set(app.name, gateway);
    if (wsgi === null) closers.push(gateway);
    else wsgiApps.push(wsgi);
  }
  const router = createRouter(config.routes.map((route) => ({
    hosts: route.hosts, prefix: route.prefix, methods: route.methods, gateway: gateways.get(route.app) as Gateway,
  })));
  const inherited = systemdBinds(process.env, process.pid);
  // Sockets from systemd serve TLS when --certfile/--keyfile say so, as a --bind would.
  const tls = config.server.binds[0]?.tls;
  const adopted = inherited?.map((bind) => (tls === undefined ? bind : { ...bind, tls })) ?? null;
  const front = await createFront(adopted === null ? config.server : { ...config.server, binds: adopted }, router, log);
  const parts: Parts = { front, wsgiApps, closers, log, pidfile: null };
  let isShuttingDown = false;
  const shutdown = (how: Shutdown): void => {
    if (isShuttingDown) {
      if (how === 'fast') void stop(parts, 'fast', 0);
      return;
    }
    isShuttingDown = true;
    void stop(parts, how, gracefulTimeoutMs(current));
  };
  handleSignals({
    stopGracefully: () => shutdown('graceful'),
    stopFast: () => shutdown('fast'),
    reload: () => {
      const next = rereadConfig(current, reread, log);
      if (next === null) return;
      current = next;
      for (const app of wsgiApps) app.arbiter.reload(arbiterConfig(wsgiAppOf(next, app.name)));
    },
    addWorker: () => {
      for (const app of wsgiApps) app.arbiter.addWorker();
    },
    removeWorker: () => {
      for (const app of wsgiApps) app.arbiter.removeWorker();
    },
    reopenLogs: () => log.reopen(),
  }, log);
  for (const app of wsgiApps) {
    watchMemory({
      limitBytes: () => wsgiAppOf(current, app.name).supervision.maxWorkerMemoryBytes,
      pids: () => app.arbiter.pids,
      onOver: (pid, rssBytes) => app.arbiter.recycle(pid,
        `RSS ${mebibytes(rssBytes)} MiB is over --max-worker-memory ${mebibytes(wsgiAppOf(current, app.name).supervision.maxWorkerMemoryBytes)}`),
    });
  }
  try {
    log.info(`Starting xgi ${VERSION}`);
    if (config.supervision.pidfile !== null) parts.pidfile = Pidfile.create(config.supervision.pidfile, process.pid);
    if (inherited !== null) log.info(`Using ${inherited.length} listening socket(s) from systemd (LISTEN_FDS); --bind is ignored`);
    const addresses = await front.listen();
    for (const address of addresses) log.info(`Listening at: ${address} (${process.pid})`);
    giveMemoryBackWhenIdle(() => front.requestsSeen, log);
    if (config.configFile !== null) for (const line of describeRoutes(config, addresses[0] ?? '')) log.info(line);
    for (const app of wsgiApps) {
      app.log.info(`Using worker: ${wsgiAppOf(config, app.name).workers.workerClass}`);
      await app.arbiter.start();
    }
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    await Promise.all(wsgiApps.map((app) => app.arbiter.kill()));
    await front.close(0);
    parts.pidfile?.remove();
    if (error.details !== '') log.error(error.details);
    await log.close();
    process.stderr.write(`Error: ${error.message}\n`);
    process.exit(error.code === 'XGI_APP_LOAD_ERROR' ? EXIT_APP_LOAD : 1);
  }
}

type LocalRouter = (path: string, host: string) => { readonly gateway: Gateway; readonly scriptName: string } | null;

/** One app's gateway; a WSGI app also gets its arbiter, which owns its own pool of workers. */
async function createApp(app: AppConfig, log: Logger, route: LocalRouter, modulesLoaded: (files: readonly string[]) => void): Promise<{ readonly gateway: Gateway; readonly wsgi: WsgiApp | null }> {
  // The command line's own apps keep gunicorn's log lines, unprefixed.
  const appLog = CLI_APPS.has(app.name) ? log : appLogger(log, app.name);
  switch (app.kind) {
    case 'wsgi': {
      const arbiter = new Arbiter(arbiterConfig(app), appLog, { modulesLoaded });
      const gateway = createWsgiGateway(arbiter, appLog, {
        memoryBytes: app.workers.responseWindowBytes,
        maxFileBytes: app.workers.maxSpoolBytes,
        dir: app.workers.spoolDir,
      });
      return { gateway, wsgi: { name: app.name, arbiter, log: appLog } };
    }
    case 'cgi':
      return { gateway: createCgiGateway(app.cgi, appLog, route), wsgi: null };
    case 'static': {
      // Loaded only when a static app is served: its MIME table alone is several MB of heap.
      const { createStaticGateway } = await import('./gateways/static/static-gateway.js');
      return { gateway: createStaticGateway(app.static, appLog), wsgi: null };
    }
  }
}

/** The one shutdown deadline: the longest --graceful-timeout of any WSGI app (or the top-level one). */
function gracefulTimeoutMs(config: Config): number {
  return Math.max(config.workers.gracefulTimeoutMs,
    ...config.apps.map((app) => (app.kind === 'wsgi' ? app.workers.gracefulTimeoutMs : 0)));
}

/** `Serving http://127.0.0.1:8000/static/ (GET, HEAD) with app assets (static)`: the URLs a config file set up. */
function describeRoutes(config: Config, address: string): string[] {
  const base = address.startsWith('unix:') ? address : address.replace(/\/$/, '');
  return config.routes.map((route) => {
    const kind = config.apps.find((app) => app.name === route.app)?.kind ?? '?';
    const hosts = route.hosts.length === 0 ? '' : ` for host ${route.hosts.join(', ')}`;
    const methods = route.methods.length === 0 ? '' : ` (${route.methods.join(', ')})`;
    return `Serving ${base}${route.prefix}/${hosts}${methods} with app ${route.app} (${kind})`;
  });
}

function wsgiAppOf(config: Config, name: string): Extract<AppConfig, { kind: 'wsgi' }> {
  const app = config.apps.find((a) => a.name === name);
  if (app?.kind !== 'wsgi') throw new Error(`main: no wsgi app ${name}`);
  return app;
}

interface Parts {
  readonly front: Front;
  readonly wsgiApps: readonly WsgiApp[];
  /** The gateways that are not WSGI apps (CGI, static): closed on shutdown. */
  readonly closers: readonly Gateway[];
  readonly log: Logger;
  pidfile: Pidfile | null;
}

/** What the arbiter needs of a WSGI app's Config. */
function arbiterConfig(app: Extract<AppConfig, { kind: 'wsgi' }>): ArbiterConfig {
  return { workers: app.workers, supervision: app.supervision };
}

/**
 * SIGHUP: the same loader on the same argv, environment and config file. An
 * invalid result keeps everything as it is; so does one whose set of WSGI
 * apps changed (their pools are started at start).
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
  const wsgiNames = (c: Config): string => c.apps.filter((app) => app.kind === 'wsgi').map((app) => app.name).join(',');
  if (wsgiNames(next) !== wsgiNames(current)) {
    log.error('Reload failed: the set of WSGI apps changed; restart xgi to add or remove one. The old workers keep serving');
    return null;
  }
  const restartOnly = (c: Config): string => JSON.stringify([c.server, c.log, c.supervision.pidfile, c.routes,
    c.apps.filter((app) => app.kind !== 'wsgi')]);
  if (restartOnly(next) !== restartOnly(current)) {
    log.warning('Reload: changes to the listeners, the logs, --pid, the routes and the CGI and static apps take effect at the next restart');
  }
  return next;
}

function mebibytes(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}

/** One deadline, --graceful-timeout, for the front to drain and the workers to finish. */
async function stop({ front, wsgiApps, closers, log, pidfile }: Parts, how: Shutdown, graceMs: number): Promise<void> {
  if (how === 'fast') {
    await Promise.all([front.close(0), ...wsgiApps.map((app) => app.arbiter.kill()), ...closers.map((gateway) => gateway.close(0))]);
  } else {
    // Stop accepting, let the requests in flight finish, then stop the workers and CGI scripts.
    const deadline = performance.now() + graceMs;
    await front.close(graceMs);
    const left = Math.max(0, deadline - performance.now());
    await Promise.all([...wsgiApps.map((app) => app.arbiter.stop(left)), ...closers.map((gateway) => gateway.close(left))]);
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
