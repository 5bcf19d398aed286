/**
 * The CGI spawner helpers (`--cgi-spawners N`), the front's side: N small
 * `python3 _xgi_spawner` processes that start scripts for xgi, as Apache's
 * mod_cgid daemon does for its workers. node's child_process.spawn forks the
 * whole node process for every script and blocks the event loop while it
 * does (about 1 ms); a spawner posix_spawns from a small process instead,
 * off the event loop, and hands back the script's stdio as sockets, so that
 * the bytes flow between script and front directly, with the kernel's
 * backpressure. Each spawner serves requests round-robin.
 *
 * The channel is node's own IPC channel (JSON lines, sockets passed as
 * handles); the messages are listed in python/_xgi_spawner/__main__.py and
 * docs/cgi.md. Not here: what a script's output means (script-exchange.ts),
 * killing (the front kills a script's group itself, by the pid it is told).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../log/logger.js';

/** The code a SpawnClient's `failed` gets when no spawner can be started: start the script another way. */
export const NO_SPAWNER = 'XGI_CGI_NO_SPAWNER';

export const SPAWNER_PACKAGE = fileURLToPath(new URL('../../../python/_xgi_spawner', import.meta.url));

/** What the spawner was asked to run. */
export interface SpawnOrder {
  readonly filename: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly hasStdin: boolean;
}

/** A script started through a spawner hears about itself here. */
export interface SpawnClient {
  /** One of its stdio sockets; `out` comes last, with the pid: the script runs. */
  stdio(kind: 'in' | 'err' | 'out', socket: Socket, pid: number): void;
  /** It was never started (ENOENT from a bad `#!`, ...), or the spawner died before it was. */
  failed(error: NodeJS.ErrnoException): void;
  /** It was reaped; signal null for a plain exit. Also called, as SIGKILL, when its spawner died. */
  exited(code: number | null, signal: NodeJS.Signals | null): void;
}

type SpawnerMessage =
  | { readonly t: 'in' | 'err'; readonly id: number }
  | { readonly t: 'out'; readonly id: number; readonly pid: number }
  | { readonly t: 'error'; readonly id: number; readonly code: string; readonly message: string }
  | { readonly t: 'exit'; readonly id: number; readonly code: number | null; readonly signal: NodeJS.Signals | null };

interface Pending {
  readonly id: number;
  readonly client: SpawnClient;
  /** The spawner process it was sent to: a retired one may exit while its successor works. */
  readonly child: ChildProcess;
  pid: number;
}

/**
 * How long a spawner with nothing to do lives on. An idle xgi then has no
 * helper children (what a process listing or the tests' "no child left"
 * check sees); the first script after a pause is started by node's spawn
 * while the spawners start again (SpawnerPool.run).
 */
const IDLE_EXIT_MS = 1500;

/** One spawner process; started on first use, started again on the next use after it died or retired. */
class Spawner {
  readonly #python: string;
  readonly #path: string;
  readonly #log: Logger;
  #child: ChildProcess | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #nextId = 1;
  /**
   * The scripts it was asked for and has not reaped: an array, not a Map,
   * which on this churn would make V8 promote its successive tables out of
   * the young generation (server/live-set.ts). No more than its scripts
   * running: finding one is a short scan.
   */
  #pending: Pending[] = [];

  constructor(python: string, path: string, log: Logger) {
    this.#python = python;
    this.#path = path;
    this.#log = log;
  }

  /** Set when its interpreter could not be started at all (ENOENT): never tried again. */
  isUnavailable = false;

  get load(): number {
    return this.#pending.length;
  }

  get isRunning(): boolean {
    return this.#child !== null;
  }

  /** Start the process now (a cold pool: the script that asked is started another way meanwhile). */
  warmUp(): void {
    if (this.#child !== null || this.isUnavailable) return;
    this.#start();
    this.#whenIdle();
  }

  run(order: SpawnOrder, client: SpawnClient): void {
    const child = this.#child ?? this.#start();
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    const id = this.#nextId++;
    this.#pending.push({ id, client, child, pid: 0 });
    child.send({ id, file: order.filename, argv: order.argv, env: order.env, stdin: order.hasStdin }, (error) => {
      if (error !== null && error !== undefined) this.#lost(child, error);
    });
  }

  /** Let it go: it sees end of file on its channel, kills what still runs, and exits. */
  close(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    const child = this.#child;
    this.#child = null;
    if (child !== null && child.connected) child.disconnect();
  }

  #start(): ChildProcess {
    const child = spawn(this.#python, [SPAWNER_PACKAGE], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { PATH: this.#path }, // to find the interpreter's own pieces; scripts get theirs per request
      detached: true, // its own group: a terminal's ^C reaches the front, which decides
    });
    this.#child = child;
    let hasSpoken = false;
    child.on('message', (message: SpawnerMessage, handle: unknown) => {
      hasSpoken = true;
      this.#onMessage(message, handle as Socket | undefined);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) {
        this.#lost(child, error);
        return;
      }
      this.isUnavailable = true;
      this.#log.error(`cgi: cannot start the spawner (${this.#python}: ${error.code ?? error.message}); scripts are started by xgi itself`);
      this.#lost(child, Object.assign(new Error(error.message), { code: NO_SPAWNER }));
    });
    child.once('exit', (code, signal) => {
      const how = signal === null ? `exited with status ${code ?? '?'}` : `was killed by ${signal}`;
      if (this.#child === child && !hasSpoken && code !== 0) {
        // Died on its own before it ever answered: an interpreter that does not run it
        // (a broken shim, a missing stdlib module). Trying again would fail every request.
        this.isUnavailable = true;
        this.#log.error(`cgi: the spawner (${this.#python}, pid ${child.pid ?? 0}) ${how} before it started; scripts are started by xgi itself`);
        this.#lost(child, Object.assign(new Error('the CGI spawner could not start'), { code: NO_SPAWNER }));
        return;
      }
      if (this.#child === child) this.#log.error(`cgi: spawner (pid ${child.pid ?? 0}) ${how}`);
      this.#lost(child, Object.assign(new Error('the CGI spawner exited'), { code: 'ECHILD' }));
    });
    // Neither the process nor its channel keeps xgi alive: the listeners and requests do.
    child.unref();
    child.channel?.unref();
    return child;
  }

  #onMessage(message: SpawnerMessage, handle: Socket | undefined): void {
    const at = this.#pending.findIndex((entry) => entry.id === message.id);
    const pending = at < 0 ? undefined : this.#pending[at];
    if (pending === undefined) {
      handle?.destroy();
      return;
    }
    switch (message.t) {
      case 'in':
      case 'err':
        if (handle !== undefined) pending.client.stdio(message.t, handle, 0);
        return;
      case 'out':
        pending.pid = message.pid;
        if (handle !== undefined) pending.client.stdio('out', handle, message.pid);
        return;
      case 'error':
        this.#pending.splice(at, 1);
        pending.client.failed(Object.assign(new Error(message.message), { code: message.code }));
        this.#whenIdle();
        return;
      case 'exit':
        this.#pending.splice(at, 1);
        pending.client.exited(message.code, message.signal);
        this.#whenIdle();
        return;
    }
  }

  #whenIdle(): void {
    if (this.#pending.length > 0 || this.#idleTimer !== null) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#pending.length === 0) this.close();
    }, IDLE_EXIT_MS);
    this.#idleTimer.unref();
  }

  /** The spawner is gone (or could not start): its scripts' groups are killed, its requests told. */
  #lost(child: ChildProcess, error: NodeJS.ErrnoException): void {
    if (this.#child === child) this.#child = null;
    if (child.connected) child.disconnect();
    const pending = this.#pending.filter((entry) => entry.child === child);
    this.#pending = this.#pending.filter((entry) => entry.child !== child);
    for (const { client, pid } of pending) {
      if (pid === 0) {
        client.failed(error);
        continue;
      }
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // ESRCH: already gone
      }
      client.exited(null, 'SIGKILL');
    }
  }
}

/** N spawners; each script goes to the least loaded. */
export class SpawnerPool {
  readonly #spawners: Spawner[];

  /** `path`: the spawners' PATH (the scripts' PATH, `CgiConfig.path`). */
  constructor(count: number, python: string, path: string, log: Logger) {
    this.#spawners = Array.from({ length: count }, () => new Spawner(python, path, log));
    for (const spawner of this.#spawners) spawner.warmUp(); // ready for the first request
  }

  /**
   * Hand the script to the least loaded running spawner. False when none
   * runs: the caller starts this one itself (node's spawn, about 1 ms)
   * rather than wait for a python3 start-up (some 20 ms, what a request
   * after a quiet spell would otherwise pay), and the spawners start now for
   * the scripts that follow. Also false when no spawner can run at all.
   */
  run(order: SpawnOrder, client: SpawnClient): boolean {
    let best: Spawner | null = null;
    for (const spawner of this.#spawners) {
      if (spawner.isRunning && (best === null || spawner.load < best.load)) best = spawner;
    }
    if (best === null) {
      for (const spawner of this.#spawners) spawner.warmUp();
      return false;
    }
    best.run(order, client);
    return true;
  }

  close(): void {
    for (const spawner of this.#spawners) spawner.close();
  }
}
