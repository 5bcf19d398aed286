/**
 * The one interface every gateway implements, and the request the front
 * hands it. The front owns the connection, limits and body buffering; a
 * gateway turns one request into one response and nothing else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request body as the front delivers it. */
export type RequestBody =
  /** Complete and in memory (empty for a request without a body). */
  | { readonly kind: 'buffered'; readonly bytes: Buffer }
  /** Larger than the buffer limit, or awaiting `100-continue`: read it from `req`. */
  | { readonly kind: 'stream'; readonly head: Buffer; readonly isExpectContinue: boolean };

/**
 * Who the client is, as the front decided it: the socket's peer, or the
 * client a PROXY protocol header or trusted Forwarded / X-Forwarded-*
 * headers name (docs/security.md).
 */
export interface ClientView {
  /** REMOTE_ADDR, without the `::ffff:` of an IPv4-mapped address; '' for a Unix socket peer. */
  readonly address: string;
  /** REMOTE_PORT; '' when unknown (a Unix socket, or a proxy that named no port). */
  readonly port: string;
  /** The host a trusted proxy forwarded, to use instead of the Host header; null: the request's own. */
  readonly forwardedHost: string | null;
}

/** What the front knows about a request beyond node:http's IncomingMessage. */
export interface GatewayRequest {
  /** Per-process request number, for log lines. */
  readonly id: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly body: RequestBody;
  /** `http` or `https`. */
  readonly urlScheme: 'http' | 'https';
  /** Set by the front; absent when a gateway builds a request of its own. */
  readonly client?: ClientView;
  /** `--header-map dangerous`: header names with `_` become HTTP_* variables too (else they are dropped). */
  readonly mapsUnderscoreHeaders?: boolean;
  /** The mount point of the route that matched, '' for the root (SCRIPT_NAME). */
  readonly scriptName: string;
  /** Aborted when the client goes away before the response is complete. */
  readonly signal: AbortSignal;
  /** Set by the gateway: pid of the process that served it (access log `p`). */
  servedBy: number;
  /** Set by the gateway: response body bytes sent (access log `b`). */
  responseBytes: number;
  /** Set by the gateway when it writes a head from a raw list: names and values alternating (access log `{name}o`). */
  responseHeaders: readonly string[] | null;
}

export interface Gateway {
  /** For log lines: `wsgi`, `cgi`, ... */
  readonly name: string;
  handle(request: GatewayRequest): void;
  /** Stop taking requests; resolves when those in flight are done (bounded by graceMs). */
  close(graceMs: number): Promise<void>;
}
