/**
 * HTTP/2 requests at the front (RFC 9113): node's Http2ServerRequest, checked
 * as request-checks.ts checks an HTTP/1.1 head, then made to look like one to
 * everything after the front. The gateways and the router know HTTP/1.1's
 * IncomingMessage; the compatibility object has its fields (url, method,
 * headers, rawHeaders, httpVersion '2.0', socket's addresses) but no Host
 * when the client sent only `:authority`, which is what HTTP/2 clients do
 * (§8.3.1). So the front gives it the Host field :authority stands for.
 *
 * Framing is nghttp2's, not ours: DATA frames and END_STREAM replace
 * Content-Length and chunked encoding, and a request with connection-specific
 * fields or a Content-Length its DATA disagrees with is reset before it gets
 * here (§8.1.1, §8.2.2). Pseudo-header fields stay in rawHeaders; cgi-env.ts
 * never turns them into meta-variables.
 */
import type { Http2ServerRequest } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { RequestLimits } from '../config/config.js';
import { HOST } from './forwarded.js';
import { checkContentLength, checkField, checkTarget, type Refusal } from './request-checks.js';

const COLON = 0x3a;

/** True for a request that came on an HTTP/2 stream (an HTTP/1.1-over-TLS one is an IncomingMessage). */
export function isHttp2Request(req: IncomingMessage | Http2ServerRequest): req is Http2ServerRequest {
  return req.httpVersionMajor === 2;
}

/** The first rule the request breaks, or null: the same limits as HTTP/1.1, pseudo-header fields left out. */
export function checkHttp2Request(req: Http2ServerRequest, limits: RequestLimits): Refusal | null {
  return checkTarget(req, limits) ?? checkFields(req, limits) ?? checkAuthority(req) ?? checkContentLength(req.headers['content-length'], limits);
}

function checkFields(req: Http2ServerRequest, limits: RequestLimits): Refusal | null {
  const raw = req.rawHeaders;
  let fields = 0;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.charCodeAt(0) === COLON) continue;
    if (++fields > limits.headerFields) {
      return { status: 431, reason: `more than --limit-request-fields ${limits.headerFields} header fields` };
    }
    const problem = checkField(name, raw[i + 1] as string, limits);
    if (problem !== null) return problem;
    if (name === 'host' && ++hosts > 1) return { status: 400, reason: 'more than one Host header' };
  }
  return null;
}

/**
 * §8.3.1: `:authority` is the target's authority; a Host field that names
 * another one makes the request malformed (a server SHOULD refuse it, and
 * one that routes on Host must).
 */
function checkAuthority(req: Http2ServerRequest): Refusal | null {
  const authority = req.headers[':authority'];
  const host = req.headers.host;
  if (authority !== undefined && !HOST.test(authority)) return { status: 400, reason: `invalid :authority ${JSON.stringify(authority.slice(0, 100))}` };
  if (host === undefined) return null;
  if (!HOST.test(host)) return { status: 400, reason: `invalid Host ${JSON.stringify(host.slice(0, 100))}` };
  if (authority !== undefined && host.toLowerCase() !== authority.toLowerCase()) {
    return { status: 400, reason: `Host ${JSON.stringify(host.slice(0, 100))} differs from :authority ${JSON.stringify(authority.slice(0, 100))}` };
  }
  return null;
}

/**
 * Give a checked request the Host field its `:authority` stands for (in
 * headers and rawHeaders), so that the router, HTTP_HOST, SERVER_NAME and a
 * CGI local redirect see it as they see an HTTP/1.1 request's.
 */
export function addHostField(req: Http2ServerRequest): void {
  const authority = req.headers[':authority'];
  if (authority === undefined || req.headers.host !== undefined) return;
  req.headers.host = authority;
  req.rawHeaders.push('host', authority);
}

/** Whether the body's length is not known in advance: DATA frames with no Content-Length (HTTP/1.1's chunked). */
export function hasUnknownLength(req: Http2ServerRequest): boolean {
  return req.headers['content-length'] === undefined && !req.stream.endAfterHeaders;
}
