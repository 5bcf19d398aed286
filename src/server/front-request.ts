/**
 * The request the front hands a gateway (gateway.ts's GatewayRequest), with
 * the one thing only the front may do to it: end it early (a body over
 * `--limit-request-body`, a client that stopped sending it), which aborts
 * the request's signal so the gateway stops its app (CANCEL to a worker, a
 * killed CGI process group). The signal is made on first use: most requests
 * never need one, and the hot path should not pay for it.
 *
 * Also here: the plain answers the front gives by itself (400, 413, ...),
 * and the peer of a connection as a ClientView.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientView, GatewayRequest, RequestBody } from '../gateways/gateway.js';
import type { LiveMember } from './live-set.js';

const EMPTY_BODY: RequestBody = Object.freeze({ kind: 'buffered', bytes: Buffer.alloc(0) });

export class FrontRequest implements GatewayRequest, LiveMember {
  readonly id: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  body: RequestBody = EMPTY_BODY;
  urlScheme: 'http' | 'https' = 'http';
  client: ClientView;
  readonly mapsUnderscoreHeaders: boolean;
  scriptName = '';
  servedBy = process.pid;
  responseBytes = 0;
  responseHeaders: readonly string[] | null = null;
  /** Its place among the front's requests in flight (LiveSet). */
  liveSlot = -1;
  #controller: AbortController | null = null;
  #isEnded = false;

  constructor(id: number, req: IncomingMessage, res: ServerResponse, client: ClientView, mapsUnderscoreHeaders: boolean) {
    this.id = id;
    this.req = req;
    this.res = res;
    this.client = client;
    this.mapsUnderscoreHeaders = mapsUnderscoreHeaders;
  }

  /** Aborted when the client goes away before the response is complete, or the front ends the request. */
  get signal(): AbortSignal {
    if (this.#controller !== null) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    const res = this.res;
    if (this.#isEnded || (res.destroyed && !res.writableFinished)) controller.abort();
    else if (!res.writableFinished) {
      res.once('close', () => {
        if (!res.writableFinished) controller.abort();
      });
    }
    return controller.signal;
  }

  /** True once the front ended the request itself: a gateway must not start or go on. */
  get isEnded(): boolean {
    return this.#isEnded;
  }

  /** The front answers this request itself from now on; whoever serves it must stop. */
  end(): void {
    if (this.#isEnded) return;
    this.#isEnded = true;
    this.#controller?.abort();
  }
}

/** A plain answer from the front, closing the connection after it (a refused request may have unread bytes). */
export function answer(res: ServerResponse, status: number): void {
  const text = `${STATUS_CODES[status] ?? 'Error'}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.end(text);
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; '' for a Unix socket peer. */
export function plainPeer(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The connection's own peer as a ClientView (or the one a PROXY header named). */
export function peerView(socket: Socket, proxied: { address: string; port: number } | null): ClientView {
  if (proxied !== null) return { address: plainPeer(proxied.address), port: String(proxied.port), forwardedHost: null };
  return { address: plainPeer(socket.remoteAddress), port: socket.remotePort === undefined ? '' : String(socket.remotePort), forwardedHost: null };
}
