/**
 * RFC 3875 meta-variables from an HTTP request: the one mapping shared by the
 * CGI gateway, FastCGI params and the WSGI environ (as Go's fcgi reuses
 * cgi.RequestFromMap). Values are latin-1 strings, as node:http delivers
 * header bytes, or raw bytes (PATH_INFO after percent-decoding).
 *
 * Deliberately left out: headers whose names contain `_` (they would pose as
 * real ones: `X_Forwarded_For` vs `X-Forwarded-For`; only `--header-map
 * dangerous` keeps them), `Proxy` (httpoxy: HTTP_PROXY must never be set)
 * and HTTP/2's pseudo-header fields (`:authority`, `:path`, ...: the front
 * gives an HTTP/2 request the Host field :authority stands for, and the rest
 * are REQUEST_METHOD, REQUEST_URI and the scheme already). Gateway-specific
 * variables (GATEWAY_INTERFACE, SCRIPT_FILENAME, wsgi.*) are added by each
 * gateway. HTTPS=on over TLS is shared: Apache sets it for CGI, PHP reads it
 * from FastCGI params, and WSGI apps that predate wsgi.url_scheme look for it.
 */
import type { IncomingMessage } from 'node:http';
import type { ClientView } from './gateway.js';

export type MetaVariables = Array<[string, string | Buffer]>;

export interface MetaVariableInput {
  readonly req: IncomingMessage;
  /** The route's mount point ('' for the root); must prefix the decoded path. */
  readonly scriptName: string;
  readonly urlScheme: 'http' | 'https';
  /** Length of the body when the front buffered it whole; null when it streams. */
  readonly bufferedBodyBytes: number | null;
  /**
   * Whether Authorization and Proxy-Authorization become HTTP_AUTHORIZATION
   * and HTTP_PROXY_AUTHORIZATION (default true, as WSGI servers do). CGI
   * passes them only when configured (Apache's CGIPassAuth hides both).
   */
  readonly isAuthorizationPassed?: boolean;
  /**
   * The client as the front decided it (PROXY protocol, trusted Forwarded /
   * X-Forwarded-*): REMOTE_ADDR, REMOTE_PORT, and a forwarded host for
   * HTTP_HOST and SERVER_NAME. Absent: the socket's peer and the Host header.
   */
  readonly client?: ClientView | undefined;
  /** `--header-map dangerous`: names with `_` become HTTP_* too (gunicorn's old way; they pose as real ones). */
  readonly mapsUnderscoreHeaders?: boolean | undefined;
}

/** Header names that never become HTTP_* variables. */
const DROPPED_HEADERS = new Set(['proxy', 'content-type', 'content-length']);
/** CGI without --cgi-pass-auth: credentials stay with the server, as Apache keeps both. */
const DROPPED_WITH_AUTHORIZATION = new Set([...DROPPED_HEADERS, 'authorization', 'proxy-authorization']);
const HTTP_NAMES = new Map<string, string>();

/** `Accept-Encoding` → `HTTP_ACCEPT_ENCODING`, cached: header names repeat. */
function httpName(name: string): string {
  let cached = HTTP_NAMES.get(name);
  if (cached === undefined) {
    cached = 'HTTP_' + name.toUpperCase().replaceAll('-', '_');
    if (HTTP_NAMES.size < 4096) HTTP_NAMES.set(name, cached);
  }
  return cached;
}

/** Split a request target into path and query; absolute-form keeps only the path. */
export function splitTarget(target: string): { path: string; query: string } {
  let path = target;
  if (!path.startsWith('/') && /^https?:\/\//i.test(path)) {
    // absolute-form (RFC 9112 §3.2.2): the authority ends at '/', '?' or '#'.
    const authority = path.indexOf('//') + 2;
    const end = path.slice(authority).search(/[/?#]/);
    path = end < 0 ? '/' : path.slice(authority + end);
    if (!path.startsWith('/')) path = '/' + path;
  }
  const q = path.indexOf('?');
  return q < 0 ? { path, query: '' } : { path: path.slice(0, q), query: path.slice(q + 1) };
}

/** Percent-decode a path to raw bytes; invalid escapes stay as they are. */
export function percentDecode(path: string): Buffer | string {
  if (!path.includes('%')) return path;
  const out = Buffer.allocUnsafe(path.length);
  let n = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x25 && i + 2 < path.length && isHex(path.charCodeAt(i + 1)) && isHex(path.charCodeAt(i + 2))) {
      out[n++] = parseInt(path.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      out[n++] = c & 0xff;
    }
  }
  return out.subarray(0, n);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** One request-path segment, decoded by decodePathSegment; each caller maps a refusal to its own status. */
export type DecodedSegment =
  | {
    readonly ok: true;
    /** The decoded segment as text (UTF-8; invalid bytes become U+FFFD). */
    readonly text: string;
    /** False when the decoded bytes are not valid UTF-8, so `text` is not exactly what was asked for. */
    readonly isExactText: boolean;
  }
  | { readonly ok: false; readonly reason: SegmentRefusal };

/** Why decodePathSegment refused a segment. */
export type SegmentRefusal = 'nul' | 'encoded-slash' | 'dot-segment';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LOSSY_UTF8 = new TextDecoder('utf-8');
/** Anything that is not plain ASCII text needs decoding as bytes. */
const NEEDS_DECODING = /[%\x00\x80-\xff]/;

/**
 * One segment of a request path (the text between two `/`), percent-decoded
 * exactly once and then judged as bytes: `%252e` is the name `%2e`, never
 * `.`. Refused: a NUL byte (`%00`), an encoded slash (`%2f`), and the dot
 * segments `.` and `..` however spelled (`%2e%2E`). Bytes that are not UTF-8
 * are not refused here: the caller decides (CGI keeps them as PATH_INFO,
 * static files answer 404). A plain ASCII segment without `%`, the common
 * case, is its own text: no Buffer, no TextDecoder.
 */
export function decodePathSegment(part: string): DecodedSegment {
  let text = part;
  let isExactText = true;
  if (NEEDS_DECODING.test(part)) {
    const decoded = percentDecode(part);
    const bytes = typeof decoded === 'string' ? Buffer.from(decoded, 'latin1') : decoded;
    if (bytes.includes(0)) return { ok: false, reason: 'nul' };
    if (bytes.includes(0x2f)) return { ok: false, reason: 'encoded-slash' };
    try {
      text = STRICT_UTF8.decode(bytes);
    } catch {
      text = LOSSY_UTF8.decode(bytes);
      isExactText = false;
    }
  }
  if (text === '.' || text === '..') return { ok: false, reason: 'dot-segment' };
  return { ok: true, text, isExactText };
}

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The meta-variables every gateway shares: REQUEST_METHOD, SCRIPT_NAME,
 * PATH_INFO, QUERY_STRING, CONTENT_TYPE, CONTENT_LENGTH, SERVER_NAME,
 * SERVER_PORT, SERVER_PROTOCOL (`HTTP/2.0` on HTTP/2, as Apache's
 * mod_http2 says), REMOTE_ADDR, REMOTE_PORT, REQUEST_URI, HTTPS (`on` over
 * TLS) and HTTP_* (repeated headers joined with ", ", cookies with "; ").
 */
export function buildMetaVariables(input: MetaVariableInput): MetaVariables {
  const { req, scriptName } = input;
  const target = req.url ?? '/';
  const { path, query } = splitTarget(target);
  const decoded = percentDecode(path);
  const vars: MetaVariables = [
    ['REQUEST_METHOD', req.method ?? 'GET'],
    ['SCRIPT_NAME', scriptName],
    ['PATH_INFO', stripScriptName(decoded, scriptName)],
    ['QUERY_STRING', query],
    ['REQUEST_URI', target],
    ['SERVER_PROTOCOL', `HTTP/${req.httpVersion}`],
    ['REMOTE_ADDR', input.client?.address ?? plainAddress(req.socket.remoteAddress)],
    ['REMOTE_PORT', input.client?.port ?? String(req.socket.remotePort ?? '')],
  ];
  const dropped = input.isAuthorizationPassed === false ? DROPPED_WITH_AUTHORIZATION : DROPPED_HEADERS;
  addHeaders(vars, req.rawHeaders, dropped, input.mapsUnderscoreHeaders === true);
  const forwardedHost = input.client?.forwardedHost ?? null;
  if (forwardedHost !== null) setHttpHost(vars, forwardedHost);
  addServerName(vars, req, input.urlScheme, forwardedHost ?? req.headers.host);
  if (input.urlScheme === 'https') vars.push(['HTTPS', 'on']);
  const contentType = req.headers['content-type'];
  if (contentType !== undefined) vars.push(['CONTENT_TYPE', contentType]);
  if (input.bufferedBodyBytes !== null) {
    if (input.bufferedBodyBytes > 0 || req.headers['content-length'] !== undefined) {
      vars.push(['CONTENT_LENGTH', String(input.bufferedBodyBytes)]);
    }
  } else if (req.headers['content-length'] !== undefined) {
    vars.push(['CONTENT_LENGTH', req.headers['content-length']]);
  }
  return vars;
}

function stripScriptName(decoded: Buffer | string, scriptName: string): Buffer | string {
  if (scriptName === '') return decoded;
  return typeof decoded === 'string' ? decoded.slice(scriptName.length) : decoded.subarray(scriptName.length);
}

function addHeaders(vars: MetaVariables, raw: string[], dropped: ReadonlySet<string>, keepsUnderscores: boolean): void {
  let seen: Map<string, number> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    // A pseudo-header field (HTTP/2) begins with ':', which no HTTP/1.x field name can.
    if ((!keepsUnderscores && name.includes('_')) || name.charCodeAt(0) === 0x3a) continue;
    const lower = name.toLowerCase();
    if (dropped.has(lower)) continue;
    const key = httpName(name);
    seen ??= new Map();
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, vars.length);
      vars.push([key, value]);
    } else {
      const entry = vars[at] as [string, string];
      entry[1] += (lower === 'cookie' ? '; ' : ', ') + value;
    }
  }
}

/** A trusted proxy's forwarded host stands in for the Host header the proxy sent. */
function setHttpHost(vars: MetaVariables, host: string): void {
  const entry = vars.find(([key]) => key === 'HTTP_HOST');
  if (entry === undefined) vars.push(['HTTP_HOST', host]);
  else entry[1] = host;
}

/** SERVER_NAME and SERVER_PORT from Host (RFC 3875 §4.1.14), else the local socket. */
function addServerName(vars: MetaVariables, req: IncomingMessage, urlScheme: 'http' | 'https', host: string | undefined): void {
  const localPort = String(req.socket.localPort ?? '');
  const defaultPort = urlScheme === 'https' ? '443' : '80';
  if (host === undefined || host === '') {
    vars.push(['SERVER_NAME', plainAddress(req.socket.localAddress) || 'localhost'], ['SERVER_PORT', localPort]);
    return;
  }
  const close = host.startsWith('[') ? host.indexOf(']') : -1;
  const colon = host.indexOf(':', close + 1);
  if (colon < 0) {
    vars.push(['SERVER_NAME', host], ['SERVER_PORT', defaultPort]);
  } else {
    // An empty port means the scheme's default (RFC 3986 §3.2.3).
    vars.push(['SERVER_NAME', host.slice(0, colon)], ['SERVER_PORT', host.slice(colon + 1) || defaultPort]);
  }
}
