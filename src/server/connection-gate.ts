/**
 * The door between accept() and node:http: how many connections are served
 * at once (`--worker-connections`), and the PROXY protocol header a trusted
 * load balancer sends before the request (`--proxy-protocol`).
 *
 * Node cannot stop accepting on a listening socket, and its maxConnections
 * closes the connections over the limit. So sockets are accepted paused
 * (net.Server's pauseOnConnect): over the limit they wait unread, their
 * bytes in the kernel's receive queue, holding a file descriptor and a small
 * object but no request buffers, and get in one by one as others close. Past
 * `maxWaiting` (the listen backlog) new ones are closed, as a full backlog
 * refuses them. Then the PROXY header, when this peer must send one, is read
 * and taken off, and the socket goes to node:http's own connection listener,
 * which parses the rest with llhttp (or, on a TLS listener, to node:tls's,
 * which begins the handshake: a PROXY header comes before TLS). Nothing here
 * reads HTTP.
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import type { AddressTrust } from './address-trust.js';
import { MAX_PROXY_HEADER_BYTES, parseProxyHeader, type ProxiedAddress } from './proxy-protocol.js';

export interface GateOptions {
  readonly maxConnections: number;
  /** Most connections waiting unread; past it new ones are closed. */
  readonly maxWaiting: number;
  /** Peers that must begin with a PROXY header, or null when --proxy-protocol is off. */
  readonly proxyFrom: AddressTrust | null;
  /** How long a PROXY header may take to arrive (the head's own timeout, --header-timeout). */
  readonly preambleTimeoutMs: number;
}

export interface ConnectionGate {
  /** Put the gate in front of `server`, node:http's or (`isTls`) node:http2's secure one, before it listens. */
  attach(server: Server, isTls: boolean): void;
  /** The client a PROXY header named for this connection, or null. */
  proxiedPeer(socket: Socket): ProxiedAddress | null;
  /**
   * Shutting down: close every connection not yet handed to node:http
   * (waiting, or reading its PROXY header). None of its bytes were read as
   * HTTP, so a load balancer may safely retry what it sent (HAProxy's
   * retry-on conn-failure / empty-response).
   */
  closeAll(): void;
}

export function createConnectionGate(options: GateOptions, log: Logger): ConnectionGate {
  const proxied = new WeakMap<Socket, ProxiedAddress>();
  const waiting: Array<{ socket: Socket; enter: () => void }> = [];
  /** Accepted, not yet handed to node:http. */
  const pending = new Set<Socket>();
  let isClosed = false;
  let active = 0;

  // Only a socket that waits (or reads its PROXY header) is held here; the
  // usual one goes to node:http at once and never touches the Set, whose
  // churn on every connection would cost young-generation GC time (see
  // live-set.ts).
  const holdPending = (socket: Socket): void => {
    if (pending.has(socket)) return;
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
  };

  const admitNext = (): void => {
    while (active < options.maxConnections && waiting.length > 0) {
      const next = waiting.shift() as { socket: Socket; enter: () => void };
      if (!next.socket.destroyed) admit(next.socket, next.enter);
    }
  };
  const admit = (socket: Socket, enter: () => void): void => {
    active++;
    socket.once('close', () => {
      active--;
      admitNext();
    });
    enter();
  };

  const onConnection = (socket: Socket, handOver: (socket: Socket) => void): void => {
    // Ours until node:http takes it: an early reset must not be an unhandled 'error'.
    socket.on('error', ignoreEarlyError);
    const enter = (): void => {
      if (options.proxyFrom !== null && options.proxyFrom.trusts(socket.remoteAddress)) {
        holdPending(socket);
        readProxyHeader(socket, options.preambleTimeoutMs, log, (source) => {
          if (source !== null) proxied.set(socket, source);
          handOver(socket);
        });
      } else {
        handOver(socket);
      }
    };
    if (active < options.maxConnections) {
      admit(socket, enter);
      return;
    }
    holdPending(socket);
    if (waiting.length >= options.maxWaiting) {
      log.warning(`http: ${waiting.length} connections already waiting (--worker-connections ${options.maxConnections}): closing a new one`);
      socket.destroy();
      return;
    }
    if (waiting.length === 0) log.info(`http: ${active} connections open (--worker-connections): new ones wait`);
    waiting.push({ socket, enter });
  };

  return {
    attach(server: Server, isTls: boolean): void {
      const nodeListeners = server.listeners('connection');
      const httpListener = nodeListeners[0] as (socket: Socket) => void;
      if (nodeListeners.length !== 1) throw new Error(`http: expected node:http's one connection listener, found ${nodeListeners.length}`);
      server.removeAllListeners('connection');
      // net.Server reads this on every accept; http.Server does not take it as an option.
      (server as Server & { pauseOnConnect: boolean }).pauseOnConnect = true;
      // A TLSSocket reads the socket's handle itself, bytes already read (after a
      // PROXY header) first; resuming the socket too would hand those to no one.
      const handOver = (socket: Socket): void => {
        pending.delete(socket);
        if (isClosed) {
          socket.destroy();
          return;
        }
        socket.off('error', ignoreEarlyError);
        httpListener.call(server, socket);
        if (!isTls) socket.resume();
      };
      server.on('connection', (socket: Socket) => onConnection(socket, handOver));
    },
    proxiedPeer(socket: Socket): ProxiedAddress | null {
      return proxied.get(socket) ?? null;
    },
    closeAll(): void {
      isClosed = true;
      waiting.length = 0;
      for (const socket of pending) socket.destroy();
      pending.clear();
    },
  };
}

function ignoreEarlyError(): void {
  // The socket closes after this; nothing was read from it, nobody to tell.
}

/**
 * Read the PROXY header off `socket`, put back what follows it, and call
 * `done` with the client it names (null: keep the real peer). A missing or
 * malformed header closes the connection: this peer must send one.
 */
function readProxyHeader(socket: Socket, timeoutMs: number, log: Logger, done: (source: ProxiedAddress | null) => void): void {
  let held: Buffer = Buffer.alloc(0);
  const fail = (why: string): void => {
    cleanup();
    log.warning(`http: closing connection from ${socket.remoteAddress ?? 'unix socket'}: ${why}`);
    socket.destroy();
  };
  const timer = timeoutMs > 0 ? setTimeout(() => fail('no PROXY protocol header in time (--header-timeout)'), timeoutMs) : null;
  const onData = (chunk: Buffer): void => {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    const parsed = parseProxyHeader(held);
    if (parsed.kind === 'more') {
      if (held.length > MAX_PROXY_HEADER_BYTES) fail('PROXY protocol header too long');
      return;
    }
    if (parsed.kind === 'invalid') {
      fail(`${parsed.reason} (--proxy-protocol expects one from --proxy-allow-from peers)`);
      return;
    }
    cleanup();
    socket.pause();
    if (held.length > parsed.length) socket.unshift(held.subarray(parsed.length));
    done(parsed.source);
  };
  const cleanup = (): void => {
    if (timer !== null) clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', cleanup);
  };
  socket.on('data', onData);
  socket.once('close', cleanup);
  socket.resume();
}
