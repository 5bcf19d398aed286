/**
 * A worker the zygote forked (`--preload`), front side: its pid comes from
 * FORKED, its socket from the HELLO connection on the fork socket, and its
 * exit from CHILD_EXIT, since Node cannot wait for a process it did not
 * spawn. zygote.ts feeds it; the Worker reads it like any WorkerProcess.
 */
import type { Socket } from 'node:net';
import { killGroup, type ProcessHandlers, type WorkerProcess } from './worker-process.js';

/** A worker forked by the zygote: its pid from FORKED, its socket from HELLO, its exit from CHILD_EXIT. */
export class ForkedProcess implements WorkerProcess {
  readonly pid: number;
  readonly needsConfig = false;
  #handlers: ProcessHandlers | null = null;
  #connection: { socket: Socket; head: Buffer } | null = null;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(pid: number) {
    this.pid = pid;
  }

  attach(handlers: ProcessHandlers): void {
    // Not before the caller has finished adopting the Worker being built: its
    // READY may already be in `head`. A microtask still runs before any socket data.
    queueMicrotask(() => {
      this.#handlers = handlers;
      if (this.#connection !== null) handlers.connected(this.#connection.socket, this.#connection.head);
      if (this.#exit !== null) handlers.exited(this.#exit.code, this.#exit.signal);
    });
  }

  connect(socket: Socket, head: Buffer): void {
    if (this.#exit !== null) {
      socket.destroy();
      return;
    }
    this.#connection = { socket, head };
    this.#handlers?.connected(socket, head);
  }

  exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#exit !== null) return;
    this.#exit = { code, signal };
    this.#handlers?.exited(code, signal);
  }

  kill(signal: NodeJS.Signals): void {
    killGroup(this.pid, signal, () => process.kill(this.pid, signal));
  }

  /** Its zygote died: it dies too; report that once its socket has closed (the process is gone). */
  die(graceMs: number): void {
    this.kill('SIGKILL');
    const socket = this.#connection?.socket;
    if (socket === undefined || socket.destroyed) {
      this.exit(null, 'SIGKILL');
      return;
    }
    socket.once('close', () => this.exit(null, 'SIGKILL'));
    setTimeout(() => this.exit(null, 'SIGKILL'), graceMs).unref();
  }
}
