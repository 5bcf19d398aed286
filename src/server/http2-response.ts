/**
 * The response the front hands a gateway for an HTTP/2 stream: node's
 * compatibility Http2ServerResponse, made to take what a gateway writes for
 * node:http's ServerResponse without breaking the stream or the connection
 * (gateways know HTTP/1.1 only; the front passes this in ServerResponse's
 * place). It is node's documented extension point (createSecureServer's
 * `Http2ServerResponse` option), not a class hierarchy of ours.
 *
 * - Connection-specific fields (RFC 9113 §8.2.2: Connection, Keep-Alive,
 *   Proxy-Connection, Transfer-Encoding, Upgrade, TE other than `trailers`,
 *   HTTP2-Settings) are dropped: node would throw
 *   ERR_HTTP2_INVALID_CONNECTION_HEADERS, or print a warning for Connection.
 * - A response complete before its request body is ends the stream with
 *   RST_STREAM NO_ERROR once it is out (RFC 9113 §8.1), so that the client
 *   stops sending the rest: what `Connection: close` (which gateways send
 *   then) does on HTTP/1.1, for one stream; the session goes on. node does
 *   this by itself only for a body nobody began to read.
 * - A reason phrase is dropped (HTTP/2 has none, §8.3.1), without node's warning.
 * - Names and values are checked as node:http checks them
 *   (ERR_INVALID_HTTP_TOKEN, ERR_INVALID_CHAR), which the compatibility layer
 *   does not do, and a writeHead that throws leaves no header behind, as
 *   node:http's does: a gateway's 502 after a refused head goes out clean.
 * - `writableFinished`, `destroyed` and 'close' mean what they mean on a
 *   ServerResponse, which is how gateways tell a client that went away from
 *   a response that was sent: node's say "finished" for a stream the client
 *   reset (its writable side is ended for it), and never emit 'close' for a
 *   HEAD stream reset before its end.
 *
 * Not here: requests (http2-request.ts), sessions (secure-server.ts).
 */
import { validateHeaderName, validateHeaderValue, type OutgoingHttpHeaders } from 'node:http';
import { constants, Http2ServerResponse, type ServerHttp2Stream } from 'node:http2';

/** RFC 9113 §8.2.2 (TE is allowed as `trailers` only; node's list adds HTTP2-Settings). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings']);

type HeadFields = OutgoingHttpHeaders | readonly string[] | undefined;

export class Http2Response extends Http2ServerResponse {
  #isCloseEmitted = false;

  constructor(stream: ServerHttp2Stream) {
    super(stream);
    this.once('close', () => {
      this.#isCloseEmitted = true;
    });
    // Registered after the compatibility layer's own listener, so it runs after it.
    stream.once('close', () => {
      if (!this.#isCloseEmitted) this.emit('close');
    });
  }

  override writeHead(statusCode: number, reasonOrFields?: string | HeadFields, fields?: HeadFields): this {
    const given = typeof reasonOrFields === 'string' ? fields : reasonOrFields;
    const kept = keptFields(given);
    try {
      return super.writeHead(statusCode, kept as OutgoingHttpHeaders);
    } catch (error) {
      // node throws before anything is sent (ERR_HTTP2_HEADER_SINGLE_VALUE, ...): forget the fields, as node:http does.
      for (const name of this.getHeaderNames()) if (name !== 'date') this.removeHeader(name);
      throw error;
    }
  }

  override setHeader(name: string, value: number | string | readonly string[]): void {
    checkField(name, value);
    if (!isConnectionSpecific(name, value)) super.setHeader(name, value);
  }

  override appendHeader(name: string, value: string | string[]): void {
    checkField(name, value);
    if (!isConnectionSpecific(name, value)) super.appendHeader(name, value);
  }

  override end(callback?: () => void): this;
  override end(data: string | Uint8Array, callback?: () => void): this;
  override end(data: string | Uint8Array, encoding: BufferEncoding, callback?: () => void): this;
  override end(...args: unknown[]): this {
    (super.end as (...given: unknown[]) => this).apply(this, args);
    this.#closeUnreadAfterEnd();
    return this;
  }

  /**
   * Once the response's END_STREAM is on its way, reset a stream whose request
   * body has not all come (NO_ERROR: stop sending it). Not sooner: nghttp2
   * sends RST_STREAM ahead of queued DATA, and a reset that overtakes the
   * response's end leaves the client without it. The compatibility layer
   * ends a response with an empty trailing HEADERS frame, which node submits
   * a turn after 'wantTrailers'; a response with no body (HEAD, 204, 205,
   * 304) ends with its HEADERS frame. node closes the stream the same way,
   * and just as late, when nobody began to read the body.
   */
  #closeUnreadAfterEnd(): void {
    // The usual case: no request body (END_STREAM came with the headers), or all of it came. Nothing to stop.
    if (this.stream.endAfterHeaders || this.req.complete) return;
    const stream = this.stream;
    const closeUnread = (): void => {
      if (!stream.closed && !stream.destroyed && !this.req.complete) stream.close(constants.NGHTTP2_NO_ERROR);
    };
    const status = this.statusCode;
    if (this.req.method === 'HEAD' || status === 204 || status === 205 || status === 304) {
      stream.once('finish', () => setImmediate(closeUnread));
    } else {
      stream.once('wantTrailers', () => setImmediate(() => setImmediate(closeUnread)));
    }
  }

  /**
   * Give up on this response: RST_STREAM INTERNAL_ERROR, so the client sees
   * it incomplete (the HTTP/2 form of cutting an HTTP/1.1 connection), or
   * NO_ERROR when it is complete and only the request body is left unread.
   */
  cut(): void {
    this.stream.close(this.writableFinished ? constants.NGHTTP2_NO_ERROR : constants.NGHTTP2_INTERNAL_ERROR);
  }
}

// Getters on the prototype: the typings declare these as a Writable's properties.
Object.defineProperties(Http2Response.prototype, {
  destroyed: {
    get(this: Http2Response): boolean {
      return this.stream.destroyed;
    },
  },
  /** The whole response went out: ended by us, flushed, and not reset on the way (RST_STREAM NO_ERROR is fine). */
  writableFinished: {
    get(this: Http2Response): boolean {
      return this.writableEnded && this.stream.writableFinished && this.stream.rstCode === constants.NGHTTP2_NO_ERROR;
    },
  },
});

/** Checked as node:http checks them; without connection-specific fields. Throws as node:http throws. */
function keptFields(fields: HeadFields): HeadFields {
  if (fields === undefined) return undefined;
  if (isFlatList(fields)) {
    const kept: string[] = [];
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i] as string;
      const value = fields[i + 1] as string;
      checkField(name, value);
      if (!isConnectionSpecific(name, value)) kept.push(name, value);
    }
    return kept;
  }
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(fields)) {
    checkField(name, value);
    if (!isConnectionSpecific(name, value)) kept[name] = value;
  }
  return kept;
}

function isConnectionSpecific(name: string, value: unknown): boolean {
  const lower = name.toLowerCase();
  return CONNECTION_SPECIFIC.has(lower) && !(lower === 'te' && value === 'trailers');
}

/** node:http's checks (it takes numbers and lists too, whatever its typings say). */
function checkField(name: string, value: unknown): void {
  validateHeaderName(name);
  validateHeaderValue(name, value as string);
}

function isFlatList(fields: OutgoingHttpHeaders | readonly string[]): fields is readonly string[] {
  return Array.isArray(fields);
}
