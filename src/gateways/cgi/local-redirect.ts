/**
 * The request a local redirect is served as (RFC 3875 §6.2.2): the script
 * answered `Location: /path?query` with no body, so the server answers as it
 * would a GET for that path, on the same connection, without the client
 * knowing. Like Apache's ap_internal_redirect: the method becomes GET, the
 * body and its headers (Content-Length, Content-Type, Transfer-Encoding,
 * Expect) are dropped, every other request header stays.
 *
 * The new request reads through to the original one (socket, headers, the
 * access-log fields it sets), so the access log still shows the request the
 * client made. Not here: routing, or bounding the depth (cgi-gateway.ts).
 */
import type { IncomingMessage, IncomingHttpHeaders } from 'node:http';
import type { GatewayRequest } from '../gateway.js';

const BODY_HEADERS = new Set(['content-length', 'content-type', 'transfer-encoding', 'expect']);
const NO_BODY: GatewayRequest['body'] = Object.freeze({ kind: 'buffered', bytes: Buffer.alloc(0) });

/** `original` as a GET for `target`, mounted at `scriptName`; `signal` is the original request's. */
export function redirectedRequest(original: GatewayRequest, target: string, scriptName: string, signal: AbortSignal): GatewayRequest {
  const req = redirectedMessage(original.req, target);
  return {
    id: original.id,
    req,
    res: original.res,
    body: NO_BODY,
    urlScheme: original.urlScheme,
    ...(original.client === undefined ? {} : { client: original.client }),
    ...(original.mapsUnderscoreHeaders === undefined ? {} : { mapsUnderscoreHeaders: original.mapsUnderscoreHeaders }),
    scriptName,
    signal,
    get servedBy(): number {
      return original.servedBy;
    },
    set servedBy(pid: number) {
      original.servedBy = pid;
    },
    get responseBytes(): number {
      return original.responseBytes;
    },
    set responseBytes(bytes: number) {
      original.responseBytes = bytes;
    },
    get responseHeaders(): readonly string[] | null {
      return original.responseHeaders;
    },
    set responseHeaders(headers: readonly string[] | null) {
      original.responseHeaders = headers;
    },
  };
}

/**
 * The original message seen through a GET for `target`: only url, method
 * and headers differ; the socket and everything else are the original's.
 */
function redirectedMessage(req: IncomingMessage, target: string): IncomingMessage {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!BODY_HEADERS.has(name)) headers[name] = value;
  const rawHeaders: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    if (!BODY_HEADERS.has(name.toLowerCase())) rawHeaders.push(name, req.rawHeaders[i + 1] as string);
  }
  return Object.create(req, {
    url: { value: target, enumerable: true },
    method: { value: 'GET', enumerable: true },
    headers: { value: headers, enumerable: true },
    rawHeaders: { value: rawHeaders, enumerable: true },
  }) as IncomingMessage;
}
