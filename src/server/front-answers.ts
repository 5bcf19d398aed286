/**
 * What the front answers by itself, and how the connection ends after it
 * (DESIGN.md: bad input gets a clear answer and costs nothing else): a
 * refused head (request-checks.ts), a body cut short (body-guard.ts), bytes
 * llhttp could not parse, an Expect nobody can meet, a CONNECT. Every such
 * answer closes the connection: after a framing error nothing later on it
 * can be trusted.
 *
 * The one subtlety is an error behind a request still being answered: its
 * own body broke (400 in its place, its gateway told to stop), or a
 * pipelined request after it did (the answer in flight finishes, then the
 * connection closes, so no bytes of ours land inside a response).
 *
 * On HTTP/2 the same answers end one stream, never the connection its other
 * streams share: an answer before the body is read is followed by
 * RST_STREAM NO_ERROR (http2-response.ts), a cut is RST_STREAM INTERNAL_ERROR.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { answer, type FrontRequest } from './front-request.js';
import { isHttp2Response } from '../gateways/gateway.js';
import type { Http2Response } from './http2-response.js';
import type { Refusal } from './request-checks.js';

/** node:http's error codes that are not a plain 400. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * The latest request on a connection, kept on its socket. Not a WeakMap
 * keyed by socket: a key for every new connection made V8's young-generation
 * GC copy and promote the requests of closed connections (at 5k new
 * connections/s, 2.2 MB promoted per scavenge against 0.46 MB without it;
 * see live-set.ts for the same effect with a Set).
 */
const CURRENT = Symbol('xgi.currentRequest');
type TrackedSocket = Socket & { [CURRENT]?: FrontRequest };

export class FrontAnswers {
  readonly #log: Logger;
  /** Connections already answered with a refusal: they close after it, nothing more is said. */
  readonly #closing = new WeakSet<Socket>();

  constructor(log: Logger) {
    this.#log = log;
  }

  track(request: FrontRequest): void {
    (request.req.socket as TrackedSocket)[CURRENT] = request;
  }

  /** Refuse a request whose head broke a rule; 400s are logged at debug (they are noise under attack). */
  refuse(request: FrontRequest, refusal: Refusal): void {
    const { req } = request;
    this.#note(refusal.status, `${refusal.status} for ${req.method} ${truncate(req.url)} from ${peerOf(req.socket)}: ${refusal.reason}`);
    this.#close(request.res, refusal.status);
  }

  /**
   * The request cannot go on (its body is too large, stalled or malformed):
   * its gateway stops, and the client gets `status`, or a cut connection
   * once a response has begun (or, when it is complete, was only waiting
   * for an unread body to be discarded).
   */
  endEarly(request: FrontRequest, status: number, why: string): void {
    const { req, res } = request;
    this.#note(status, `request ${request.id} ${req.method} ${truncate(req.url)} from ${peerOf(req.socket)}: ${why}`);
    request.end();
    if (!res.headersSent) this.#close(res, status);
    else if (isHttp2Response(res)) (res as unknown as Http2Response).cut();
    else req.socket.destroy();
  }

  readonly onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    // Bytes after a request that said "close" (e.g. HTTP/1.0 pipelining): the response in flight ends the connection.
    if (error.code === 'HPE_CLOSED_CONNECTION' || this.#closing.has(socket)) return;
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
    const why = `${error.code ?? 'error'} (${(error as { reason?: string }).reason ?? error.message})`;
    const current = (socket as TrackedSocket)[CURRENT];
    if (current !== undefined && !current.res.writableFinished) {
      if (!current.req.complete) {
        this.endEarly(current, status, `malformed body: ${why}`);
      } else {
        this.#note(status, `${status} from ${peerOf(socket)} after a request still being answered: ${why}`);
        current.res.once('close', () => socket.destroySoon());
      }
      return;
    }
    this.#note(status, `${status} from ${peerOf(socket)}: ${why}`);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  /** `Expect:` other than 100-continue (RFC 9110 §10.1.1). */
  readonly onCheckExpectation = (req: IncomingMessage, res: ServerResponse): void => {
    this.#note(400, `417 for ${req.method} ${truncate(req.url)} from ${peerOf(req.socket)}: Expect ${JSON.stringify(req.headers.expect)}`);
    this.#close(res, 417);
  };

  /** CONNECT asks for a tunnel; an origin server has none to give. */
  readonly onConnect = (req: IncomingMessage, socket: Socket): void => {
    socket.on('error', () => socket.destroy());
    this.#note(400, `405 for CONNECT ${truncate(req.url)} from ${peerOf(socket)}: no tunnels here`);
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  };

  /** CONNECT on an HTTP/2 stream (node's compatibility layer hands over the response, not a socket). */
  readonly onStreamConnect = (req: IncomingMessage, res: ServerResponse): void => {
    this.#note(400, `405 for CONNECT ${truncate(req.headers[':authority'] as string | undefined)} from ${peerOf(req.socket)}: no tunnels here`);
    this.#close(res, 405);
  };

  #close(res: ServerResponse, status: number): void {
    this.#closing.add(res.req.socket);
    answer(res, status);
  }

  /** Malformed requests at debug, limits (408, 413, 414, 431) at info: an operator wants to know those. */
  #note(status: number, text: string): void {
    if (status === 400) this.#log.debug(`http: ${text}`);
    else this.#log.info(`http: ${text}`);
  }
}

function truncate(url: string | undefined): string {
  const text = url ?? '';
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function peerOf(socket: Socket): string {
  return socket.remoteAddress ?? 'unix socket';
}
