/**
 * gunicorn's access-log atoms (`glogging.py` `Logger.atoms` + `SafeAtoms`),
 * each as a getter over an AccessEntry. Text values have `"` escaped as `\"`
 * as SafeAtoms does; the integer atoms (B T D M) are not escaped, and can
 * also be read as numbers for `%(D)d`. A name gunicorn does not know reads
 * as `-`. `{name}i`, `{name}o` and `{name}e` are matched case-insensitively.
 */
import { formatAccessLogTime } from './log-time.js';
import type { AccessEntry } from './logger.js';

type Getter<T> = (entry: AccessEntry) => T;

/** How one atom reads an entry. */
export interface Atom {
  readonly text: Getter<string>;
  /** For the integer atoms only; `%d` falls back to `text` elsewhere. */
  readonly number?: Getter<number>;
}

type HeaderValue = string | number | readonly string[] | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function escapeQuotes(value: string): string {
  return value.includes('"') ? value.replaceAll('"', '\\"') : value;
}

/** One header as SafeAtoms sees `{name}i`/`{name}o`: the last one wins. */
function lastValue(value: HeaderValue): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return value[value.length - 1];
}

/** One header as the WSGI environ holds it: repeats joined with `,`. */
function environValue(value: HeaderValue): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return value.join(',');
}

/** `u`: the user of a Basic Authorization header, as gunicorn's `_get_user`. */
function basicAuthUser(entry: AccessEntry): string {
  const header = environValue(entry.requestHeaders['authorization']);
  if (header === undefined || !header.toLowerCase().startsWith('basic')) return '-';
  const space = header.indexOf(' ');
  if (space < 0) return '-';
  const encoded = header.slice(space + 1).trim().replace(/[^A-Za-z0-9+/=]/g, '');
  if (encoded.length % 4 !== 0) return '-'; // Python: binascii.Error, incorrect padding
  const decoded = Buffer.from(encoded, 'base64');
  const colon = decoded.indexOf(0x3a);
  try {
    const user = utf8.decode(colon < 0 ? decoded : decoded.subarray(0, colon));
    return user === '' ? '-' : escapeQuotes(user);
  } catch {
    return '-'; // not UTF-8: gunicorn logs it at debug and shows `-`
  }
}

/** Start of the path in an absolute-form target (`http://host/p`), else 0. */
function pathStart(target: string, pathEnd: number): number {
  if (target.charCodeAt(0) === 0x2f) return 0;
  const scheme = target.indexOf('://');
  if (scheme <= 0 || scheme >= pathEnd) return 0;
  const slash = target.indexOf('/', scheme + 3);
  return slash < 0 || slash > pathEnd ? pathEnd : slash;
}

function fragmentStart(target: string): number {
  const hash = target.indexOf('#');
  return hash < 0 ? target.length : hash;
}

/** `q`: QUERY_STRING, empty when there is none. */
function queryString(target: string): string {
  const end = fragmentStart(target);
  const question = target.indexOf('?');
  return question < 0 || question > end ? '' : target.slice(question + 1, end);
}

/** `U`: PATH_INFO, percent-decoded byte-wise (latin-1) as gunicorn's unquote_to_wsgi_str. */
function pathInfo(target: string): string {
  const end = fragmentStart(target);
  const question = target.indexOf('?');
  const pathEnd = question < 0 || question > end ? end : question;
  const path = target.slice(pathStart(target, pathEnd), pathEnd);
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

function endMs(entry: AccessEntry): number {
  return entry.startMs + entry.durationUs / 1000;
}

function formatSeconds(durationUs: number): string {
  const us = Math.floor(durationUs);
  const fraction = String(us % 1_000_000).padStart(6, '0');
  return `${Math.floor(us / 1_000_000)}.${fraction}`;
}

function textAtom(text: Getter<string>): Atom {
  return { text };
}

function integerAtom(number: Getter<number>): Atom {
  return { text: (e) => String(number(e)), number };
}

const dashAtom = textAtom(() => '-');

/** Environ keys (lower-case, as SafeAtoms matches them) derived from the entry. */
const DERIVED_ENVIRON: Readonly<Record<string, Getter<string | undefined>>> = {
  request_method: (e) => e.method,
  raw_uri: (e) => e.target,
  path_info: (e) => pathInfo(e.target),
  query_string: (e) => queryString(e.target),
  server_protocol: (e) => `HTTP/${e.httpVersion}`,
  remote_addr: (e) => e.remoteAddr,
  content_type: (e) => environValue(e.requestHeaders['content-type']),
  content_length: (e) => environValue(e.requestHeaders['content-length']),
};

function deriveEnviron(key: string): Getter<string | undefined> {
  const derived = Object.hasOwn(DERIVED_ENVIRON, key) ? DERIVED_ENVIRON[key] : undefined;
  if (derived !== undefined) return derived;
  if (!key.startsWith('http_')) return () => undefined;
  const header = key.slice(5).replaceAll('_', '-');
  return (e) => environValue(e.requestHeaders[header]);
}

/** `{key}e`: a WSGI environ key, case-insensitive; entry.environ wins over derived keys. */
function environAtom(key: string): Atom {
  const upper = key.toUpperCase();
  const derive = deriveEnviron(key);
  return textAtom((e) => {
    const value = e.environ?.[upper] ?? e.environ?.[key] ?? derive(e);
    return value === undefined ? '-' : escapeQuotes(value);
  });
}

/** `{name}i` / `{name}o`: one request or response header, the last of repeats. */
function headerAtom(headers: (e: AccessEntry) => Readonly<Record<string, HeaderValue>>, name: string): Atom {
  return textAtom((e) => {
    const value = lastValue(headers(e)[name]);
    return value === undefined ? '-' : escapeQuotes(value);
  });
}

const requestHeaders = (e: AccessEntry): AccessEntry['requestHeaders'] => e.requestHeaders;
const responseHeaders = (e: AccessEntry): AccessEntry['responseHeaders'] => e.responseHeaders;

/** The atoms that are not `{...}` names; case-sensitive, as in gunicorn. */
const SIMPLE_ATOMS: Readonly<Record<string, Atom>> = {
  h: textAtom((e) => escapeQuotes(e.remoteAddr)),
  l: dashAtom,
  u: textAtom(basicAuthUser),
  t: textAtom((e) => formatAccessLogTime(endMs(e))),
  r: textAtom((e) => escapeQuotes(`${e.method} ${e.target} HTTP/${e.httpVersion}`)),
  s: textAtom((e) => String(e.status)),
  m: textAtom((e) => escapeQuotes(e.method)),
  U: textAtom((e) => escapeQuotes(pathInfo(e.target))),
  q: textAtom((e) => escapeQuotes(queryString(e.target))),
  H: textAtom((e) => escapeQuotes(`HTTP/${e.httpVersion}`)),
  // gunicorn: '-' only when nothing was counted (resp.sent is None); 0 prints 0.
  b: textAtom((e) => String(e.responseBytes)),
  B: integerAtom((e) => e.responseBytes),
  f: environAtom('http_referer'),
  a: environAtom('http_user_agent'),
  T: integerAtom((e) => Math.floor(e.durationUs / 1_000_000)),
  D: integerAtom((e) => Math.floor(e.durationUs)),
  M: integerAtom((e) => Math.floor(e.durationUs / 1000)),
  L: textAtom((e) => formatSeconds(e.durationUs)),
  p: textAtom((e) => `<${e.pid}>`),
};

/** The getter for `%(name)s`; unknown names read as `-` (SafeAtoms). */
export function resolveAtom(name: string): Atom {
  if (!name.startsWith('{')) {
    return Object.hasOwn(SIMPLE_ATOMS, name) ? (SIMPLE_ATOMS[name] ?? dashAtom) : dashAtom;
  }
  const match = /^\{(.*)\}([ioe])$/s.exec(name.toLowerCase());
  const key = match?.[1];
  if (key === undefined || match === null) return dashAtom;
  if (match[2] === 'i') return headerAtom(requestHeaders, key);
  if (match[2] === 'o') return headerAtom(responseHeaders, key);
  return environAtom(key);
}
