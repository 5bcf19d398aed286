/**
 * The fork socket of `--preload`: a Unix socket in xgi's private scratch
 * directory (mode 0700) where each worker the zygote forks connects and says
 * HELLO with the token of the FORK that made it. Node cannot receive a file
 * descriptor over a plain socket (SCM_RIGHTS), so the child makes its own
 * connection instead of inheriting one (docs/protocol.md, "Preload").
 *
 * It matches connections to tokens and nothing else; zygote.ts owns the rest.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { FrameType, HEADER_BYTES } from './protocol/frames.js';

type Claim = (socket: Socket, head: Buffer) => void;

/** HELLO's token is short; anything longer is not one of ours. */
const MAX_HELLO_BYTES = 256;

export class ForkSocket {
  readonly path: string;
  readonly #server: Server;
  readonly #helloTimeoutMs: number;
  /** Tokens of FORKs sent, not yet claimed. */
  readonly #allowed = new Set<string>();
  readonly #arrived = new Map<string, { socket: Socket; head: Buffer }>();
  readonly #claims = new Map<string, Claim>();

  /** `helloTimeoutMs` bounds how long a connection may take to say HELLO. */
  constructor(path: string, helloTimeoutMs: number) {
    this.path = path;
    this.#helloTimeoutMs = helloTimeoutMs;
    this.#server = createServer((socket) => this.#onConnection(socket));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ path: this.path, backlog: 128 }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** A FORK with this token is on its way to the zygote. */
  allow(token: string): void {
    this.#allowed.add(token);
  }

  /** Hand the child's connection to `claim` once it has said HELLO (at once if it already has). */
  claim(token: string, claim: Claim): void {
    const arrived = this.#arrived.get(token);
    if (arrived === undefined) {
      this.#claims.set(token, claim);
      return;
    }
    this.#arrived.delete(token);
    this.#allowed.delete(token);
    claim(arrived.socket, arrived.head);
  }

  /** The FORK will never be answered (the zygote died): forget its token. */
  forget(token: string): void {
    this.#allowed.delete(token);
    this.#claims.delete(token);
    this.#arrived.get(token)?.socket.destroy();
    this.#arrived.delete(token);
  }

  close(): void {
    this.#server.close();
    for (const { socket } of this.#arrived.values()) socket.destroy();
    this.#arrived.clear();
  }

  #onConnection(socket: Socket): void {
    let held: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.#helloTimeoutMs);
    const onData = (chunk: Buffer): void => {
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      if (held.length < HEADER_BYTES) return;
      const length = held.readUInt32BE(0);
      if (held[4] !== FrameType.HELLO || held.readUInt32BE(6) !== 0 || length > MAX_HELLO_BYTES) {
        socket.destroy();
        return;
      }
      if (held.length < HEADER_BYTES + length) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause(); // the Worker resumes it with its own listener
      const token = held.toString('utf8', HEADER_BYTES, HEADER_BYTES + length);
      this.#accept(socket, token, held.subarray(HEADER_BYTES + length));
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => clearTimeout(timer));
  }

  #accept(socket: Socket, token: string, head: Buffer): void {
    if (!this.#allowed.has(token)) {
      socket.destroy();
      return;
    }
    const claim = this.#claims.get(token);
    if (claim === undefined) {
      this.#arrived.set(token, { socket, head });
      return;
    }
    this.#claims.delete(token);
    this.#allowed.delete(token);
    claim(socket, head);
  }
}
