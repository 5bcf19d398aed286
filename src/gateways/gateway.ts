/**
 * The one interface every gateway implements, and the request the front
 * hands it. The front owns the connection, limits and body buffering; a
 * gateway turns one request into one response and nothing else.
 */
import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

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

/**
 * A plain-text page that says no more than its status (`Not Found\n`;
 * details go to the error log only: wsgiref's error_output rule), with
 * `headers` added; nothing when a head went out already. `shouldClose` when
 * an unread request body may follow on the connection; a 5xx always closes.
 * Returns the body bytes sent (0 for HEAD, whose body node:http drops).
 */
export function sendPlain(res: ServerResponse, status: number, shouldClose: boolean, headers: OutgoingHttpHeaders = {}): number {
  if (res.headersSent || res.destroyed) return 0;
  const text = `${STATUS_CODES[status] ?? 'Error'}\n`;
  const head: OutgoingHttpHeaders = { ...headers, 'Content-Type': 'text/plain', 'Content-Length': text.length };
  if (shouldClose || status >= 500) head.Connection = 'close';
  res.writeHead(status, head);
  res.end(text);
  return res.req?.method === 'HEAD' ? 0 : text.length;
}

/** RST_STREAM error codes (RFC 9113 §7), as numbers: node:http2 is loaded only with a TLS listener. */
const RST_NO_ERROR = 0x0;
const RST_INTERNAL_ERROR = 0x2;

/** An HTTP/2 stream's response (node:http's responses have no `stream`), told apart without loading node:http2. */
export function isHttp2Response(res: ServerResponse | Http2ServerResponse): res is Http2ServerResponse {
  return 'stream' in res;
}

/**
 * The response cannot be completed: end it so that the client sees it
 * truncated, never complete. On HTTP/1.x the connection closes once what
 * was written has left (not at once: the head and first bytes may still sit
 * in node:http's corked buffer this tick). On HTTP/2, whose connection other
 * streams share, only this stream is reset (RFC 9113 §8.1): NO_ERROR when the
 * response is complete and only an unread request body is left.
 */
export function cutConnection(res: ServerResponse): void {
  setImmediate(() => {
    if (isHttp2Response(res)) {
      res.stream.close(res.writableFinished ? RST_NO_ERROR : RST_INTERNAL_ERROR);
      return;
    }
    const socket = res.socket;
    if (socket === null) res.destroy();
    else socket.destroySoon();
  });
}
