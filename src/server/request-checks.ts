/**
 * What the front refuses in a request head that llhttp parsed: the limits
 * (request line 414, header count and size 431, Content-Length over the body
 * limit 413) and the few things llhttp lets through that a server must not
 * (RFC 9112): HTTP/0.9 and versions other than 1.x, targets that are not
 * origin-form (absolute-form, a fragment), a missing-or-repeated or
 * malformed Host, Transfer-Encoding other than exactly `chunked` or on
 * HTTP/1.0, and `_` in header names under `--header-map refuse`. Everything
 * else malformed (CL+TE, bad or duplicate Content-Length, bad chunk sizes,
 * bare CR or LF, control bytes, bad methods) never gets here: llhttp's
 * strict mode refuses it first, and the front answers its error.
 *
 * This file parses no bytes of its own: it looks at what node:http made of
 * them. HTTP/2 requests take the parts that apply to them (http2-request.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { RequestLimits } from '../config/config.js';
import { HOST } from './forwarded.js';

export interface Refusal {
  readonly status: 400 | 413 | 414 | 431;
  /** For the log line: which rule, in words. */
  readonly reason: string;
}

/** The largest gunicorn allows for a limit that 0 turns off; only for sizing node's total bound. */
const UNLIMITED_PART_BYTES = 65536;

/**
 * node:http's maxHeaderSize: llhttp counts the target and every header
 * name and value against it, so this is the most a head within every
 * per-part limit can hold. Past it llhttp stops reading (431) before the
 * per-part checks here could run.
 */
export function maxHeadBytes(limits: RequestLimits): number {
  const line = limits.requestLineBytes || UNLIMITED_PART_BYTES;
  const field = limits.headerFieldBytes || UNLIMITED_PART_BYTES;
  return line + limits.headerFields * field;
}

/** The first rule the request breaks, or null. */
export function checkRequest(req: IncomingMessage, limits: RequestLimits): Refusal | null {
  // HTTP/2 comes only by ALPN on a TLS listener (http2-request.ts), never in an HTTP/1.x request line.
  if (req.httpVersionMajor !== 1) return { status: 400, reason: `HTTP version ${req.httpVersion} is not served` };
  return checkTarget(req, limits) ?? checkFields(req, limits) ?? checkFraming(req, limits);
}

/** The request line's length and the target's form; HTTP/2's :method and :path are checked the same way. */
export function checkTarget(req: { readonly url?: string | undefined; readonly method?: string | undefined }, limits: RequestLimits): Refusal | null {
  const url = req.url ?? '';
  const method = req.method ?? '';
  // "METHOD SP target SP HTTP/1.1", as gunicorn measures it (no CRLF).
  const lineBytes = method.length + url.length + 10;
  if (limits.requestLineBytes > 0 && lineBytes > limits.requestLineBytes) {
    return { status: 414, reason: `request line of ${lineBytes} bytes is over --limit-request-line ${limits.requestLineBytes}` };
  }
  if (!url.startsWith('/') && !(url === '*' && method === 'OPTIONS')) {
    return { status: 400, reason: `request target ${JSON.stringify(url.slice(0, 100))} is not origin-form (a path)` };
  }
  if (url.includes('#')) return { status: 400, reason: 'a fragment (#) in the request target' };
  return null;
}

function checkFields(req: IncomingMessage, limits: RequestLimits): Refusal | null {
  const raw = req.rawHeaders;
  if (raw.length / 2 > limits.headerFields) {
    return { status: 431, reason: `more than --limit-request-fields ${limits.headerFields} header fields` };
  }
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const problem = checkField(name, value, limits);
    if (problem !== null) return problem;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      // RFC 9112 §3.2: more than one Host, or an invalid one, is a 400.
      if (++hosts > 1) return { status: 400, reason: 'more than one Host header' };
      if (!HOST.test(value)) return { status: 400, reason: `invalid Host ${JSON.stringify(value.slice(0, 100))}` };
    }
  }
  return null;
}

/** One header field's size and name (both protocols). */
export function checkField(name: string, value: string, limits: RequestLimits): Refusal | null {
  // "Name: value", as gunicorn measures a field.
  const fieldBytes = name.length + 2 + value.length;
  if (limits.headerFieldBytes > 0 && fieldBytes > limits.headerFieldBytes) {
    return { status: 431, reason: `header ${name.slice(0, 100)} of ${fieldBytes} bytes is over --limit-request-field_size ${limits.headerFieldBytes}` };
  }
  if (limits.headerMap === 'refuse' && name.includes('_')) {
    return { status: 400, reason: `header name ${name.slice(0, 100)} contains "_" (--header-map refuse)` };
  }
  return null;
}

function checkFraming(req: IncomingMessage, limits: RequestLimits): Refusal | null {
  const codings = transferCodings(req.rawHeaders);
  if (codings.length > 0) {
    // RFC 9112 §6.1: Transfer-Encoding on HTTP/1.0 means the framing is faulty.
    if (req.httpVersionMinor === 0) return { status: 400, reason: 'Transfer-Encoding in an HTTP/1.0 request' };
    // Only plain `chunked`: any other coding, a list, a repeat or an empty value is how smuggling starts.
    if (codings.length !== 1 || (codings[0] as string).trim().toLowerCase() !== 'chunked') {
      return { status: 400, reason: `Transfer-Encoding ${JSON.stringify(codings.join(', ').slice(0, 100))} is not exactly "chunked"` };
    }
  }
  return checkContentLength(req.headers['content-length'], limits);
}

/** A declared body over --limit-request-body is refused before a byte of it is read (both protocols). */
export function checkContentLength(length: string | undefined, limits: RequestLimits): Refusal | null {
  if (limits.bodyBytes > 0 && length !== undefined && Number(length) > limits.bodyBytes) {
    return { status: 413, reason: `Content-Length ${length} is over --limit-request-body ${limits.bodyBytes}` };
  }
  return null;
}

/** Every Transfer-Encoding field value, as sent. */
function transferCodings(raw: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') values.push(raw[i + 1] as string);
  }
  return values;
}
