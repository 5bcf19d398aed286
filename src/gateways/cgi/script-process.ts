/**
 * One running CGI script: spawned in a process group of its own (setsid),
 * so that a timeout or a lost client kills it and everything it started in
 * one `kill(-pgid)`; reaped by node or by the spawner that started it,
 * either of which reports its exit; its stderr
 * copied line by line to the error log, tagged with the script's path
 * (RFC 3875 §7.2 leaves stderr to the server: it never reaches the client).
 *
 * Working directory: the script's own (§7.2). Arguments: only what the
 * caller passes (ISINDEX words, when enabled). Not here: what the output
 * means, the request body, the timeout (script-exchange.ts).
 *
 * Started one of two ways, with the same behaviour for the script: by node's
 * child_process.spawn, or by a spawner helper (`--cgi-spawners`,
 * script-spawner.ts), which hands back the stdio as sockets a moment later
 * (`onStart`), and reports the exit it reaped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../log/logger.js';
import type { ScriptEnvironment } from './script-environment.js';
import { NO_SPAWNER, type SpawnClient, type SpawnerPool } from './script-spawner.js';

export interface ScriptExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ScriptCommand {
  readonly filename: string;
  readonly argv: readonly string[];
  readonly env: ScriptEnvironment;
  /** False for a request without a body: stdin is /dev/null, one pipe fewer. */
  readonly hasStdin: boolean;
}

export interface ScriptEvents {
  /** Through a spawner only: the stdio is there (`stdout`, `stdin`) and `pid` is known. */
  onStart(): void;
  /** The script was reaped. Not called when it never started. */
  onExit(exit: ScriptExit): void;
  /** It could not be started (ENOENT from a bad `#!`, EACCES, EMFILE, ...). */
  onSpawnError(error: NodeJS.ErrnoException): void;
  /** Exit seen and every pipe closed: the stderr lines are all in. Called once, also after a spawn error. */
  onClose(): void;
}

/** How many stderr lines a failure's log line quotes. */
const QUOTED_STDERR_LINES = 3;
/** A longer stderr line is cut in the log. */
const MAX_STDERR_LINE = 2000;

export class ScriptProcess implements SpawnClient {
  readonly filename: string;
  /** Null until the script runs: at once with node's spawn, at `onStart` through a spawner. */
  stdout: Readable | null = null;
  stdin: Writable | null = null;
  #child: ChildProcess | null = null;
  readonly #command: ScriptCommand;
  readonly #log: Logger;
  readonly #events: ScriptEvents;
  #exit: ScriptExit | null = null;
  #isGroupKilled = false;
  /** Through a spawner: the pid it reported, and what is still open before `onClose`. */
  #spawnedPid = 0;
  #isKillWanted = false;
  #openStreams = 0;
  #isClosed = false;
  #partialLine = '';
  readonly #firstStderrLines: string[] = [];

  constructor(command: ScriptCommand, log: Logger, events: ScriptEvents, spawners: SpawnerPool | null = null) {
    this.filename = command.filename;
    this.#log = log;
    this.#events = events;
    this.#command = command;
    if (spawners !== null && spawners.run(command, this)) return;
    this.#spawn(command);
  }

  /** node's own spawn: forks xgi (what `--cgi-spawners` avoids). */
  #spawn(command: ScriptCommand): void {
    const events = this.#events;
    const log = this.#log;
    this.#child = spawn(command.filename, command.argv as string[], {
      cwd: dirname(command.filename),
      env: command.env,
      detached: true, // setsid(): the script leads a new process group
      stdio: [command.hasStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const child = this.#child;
    this.stdout = child.stdout as Readable;
    this.stdin = child.stdin;
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (this.pid === 0) events.onSpawnError(error);
      else log.error(`cgi: ${this.filename}: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      this.#exit = { code, signal };
      events.onExit(this.#exit);
    });
    child.once('close', () => {
      this.#flushStderr();
      events.onClose();
    });
    const stderr = child.stderr as Readable;
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => this.#onStderr(text));
    // EPIPE on stdin is no error: a script may exit without reading its body (RFC 3875 §4.2).
    child.stdin?.on('error', () => {});
  }

  /** True once stdout is there: at once with node's spawn; through a spawner, after `onStart`. */
  get isStarted(): boolean {
    return this.stdout !== null;
  }

  /** 0 when the script never started (or, through a spawner, has not yet). */
  get pid(): number {
    return this.#child === null ? this.#spawnedPid : this.#child.pid ?? 0;
  }

  /** SpawnClient: a stdio socket from the spawner; `out` is the last, with the pid. */
  stdio(kind: 'in' | 'err' | 'out', socket: Socket, pid: number): void {
    if (kind === 'in') {
      this.stdin = socket;
      // EPIPE/ECONNRESET on stdin is no error: a script may exit without reading its body (RFC 3875 §4.2).
      socket.on('error', () => {});
      return;
    }
    this.#openStreams++;
    socket.once('close', () => {
      this.#openStreams--;
      this.#maybeClose();
    });
    if (kind === 'err') {
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => this.#onStderr(text));
      socket.on('error', () => {}); // a killed script's socket; its exit tells the story
      return;
    }
    this.#spawnedPid = pid;
    this.stdout = socket;
    if (this.#isKillWanted) this.killGroup();
    this.#events.onStart();
  }

  /** SpawnClient: never started. */
  failed(error: NodeJS.ErrnoException): void {
    if (error.code === NO_SPAWNER) {
      // The spawner itself cannot run (no python3): node's spawn does the job, slower.
      try {
        this.#spawn(this.#command);
      } catch (spawnError) {
        this.failed(spawnError as NodeJS.ErrnoException); // ERR_INVALID_ARG_VALUE, as the exchange's own catch
        return;
      }
      if (this.#isKillWanted) this.killGroup();
      this.#events.onStart();
      return;
    }
    this.#events.onSpawnError(error);
    this.#isClosed = true;
    this.#events.onClose();
  }

  /** SpawnClient: reaped by the spawner. */
  exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exit = { code, signal };
    // As node's ChildProcess does on exit: nobody will read what is still unwritten.
    this.stdin?.destroy();
    this.#events.onExit(this.#exit);
    this.#maybeClose();
  }

  #maybeClose(): void {
    if (this.#isClosed || this.#exit === null || this.#openStreams > 0 || this.stdout === null) return;
    this.#isClosed = true;
    this.#flushStderr();
    this.#events.onClose();
  }

  get exit(): ScriptExit | null {
    return this.#exit;
  }

  /** `/srv/cgi-bin/x.sh (pid 12 exited with status 3)`, for a failure's log line. */
  describe(): string {
    return this.pid === 0 ? this.filename : `${this.filename} (pid ${this.pid} ${this.describeExit()})`;
  }

  /** `; stderr: "first" | "second"`: the first stderr lines, or ''. */
  stderrSummary(): string {
    const lines = this.#firstStderrLines;
    return lines.length === 0 ? '' : `; stderr: ${lines.map((line) => JSON.stringify(line)).join(' | ')}`;
  }

  /**
   * SIGKILL the whole process group: the script and whatever it started and
   * left in its group. Safe after the script was reaped: a group id is not
   * reused while any member lives, and ESRCH means none does.
   */
  killGroup(): void {
    if (this.#child === null && this.pid === 0 && !this.#isClosed) {
      this.#isKillWanted = true; // asked of a spawner, not yet started: kill it as soon as it is
      return;
    }
    if (this.#isGroupKilled || this.pid === 0) return;
    this.#isGroupKilled = true;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** `exited with status 3`, `was killed by SIGSEGV`, `was killed by xgi` (after killGroup). */
  describeExit(): string {
    const exit = this.#exit;
    if (exit === null) return 'is still running';
    if (exit.signal === 'SIGKILL' && this.#isGroupKilled) return 'was killed by xgi';
    if (exit.signal !== null) return `was killed by ${exit.signal}`;
    return `exited with status ${exit.code ?? '?'}`;
  }

  #onStderr(text: string): void {
    const lines = (this.#partialLine + text).split('\n');
    this.#partialLine = lines.pop() ?? '';
    if (this.#partialLine.length > MAX_STDERR_LINE) {
      lines.push(this.#partialLine);
      this.#partialLine = '';
    }
    for (const line of lines) this.#logStderr(line);
  }

  #flushStderr(): void {
    if (this.#partialLine !== '') this.#logStderr(this.#partialLine);
    this.#partialLine = '';
  }

  #logStderr(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    const shown = text.length > MAX_STDERR_LINE ? text.slice(0, MAX_STDERR_LINE) + '...' : text;
    if (this.#firstStderrLines.length < QUOTED_STDERR_LINES) this.#firstStderrLines.push(shown);
    this.#log.error(`cgi: ${this.filename}: ${shown}`);
  }
}

