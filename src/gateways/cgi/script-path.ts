/**
 * The part of a request path below a CGI mount, split into segments and
 * percent-decoded one segment at a time, with every hostile form refused
 * before the file system is asked anything: dot segments (`..`, `.`,
 * `%2e%2E`), encoded slashes (`%2f`), NUL bytes (`%00`). Apache refuses the
 * same (AllowEncodedSlashes Off, ap_getparents); xgi refuses rather than
 * normalises, since no real client sends dot segments (RFC 3986 §5.2.4
 * removes them) and normalising is where traversal bugs live.
 *
 * Pure: no file system, no config. Which segments name the script is
 * resolve-script.ts's job.
 */
import { percentDecode } from '../cgi-env.js';

export interface PathSegment {
  /** The decoded segment as text (UTF-8; invalid bytes become U+FFFD). */
  readonly text: string;
  /** False when the decoded bytes are not valid UTF-8: such a segment can never name a script. */
  readonly isExactText: boolean;
}

export interface PathRefusal {
  readonly status: 403 | 404;
  readonly reason: string;
}

export type SplitPath = { readonly ok: true; readonly segments: readonly PathSegment[] } | ({ readonly ok: false } & PathRefusal);

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LOSSY_UTF8 = new TextDecoder('utf-8');
/** Anything that is not plain ASCII needs decoding as bytes. */
const NEEDS_DECODING = /[%\x00\x80-\xff]/;

/**
 * `/hello.sh/extra` → segments `hello.sh`, `extra`; `''` → none; a trailing
 * slash gives a last empty segment (PATH_INFO `/`).
 */
export function splitScriptPath(rawPath: string): SplitPath {
  if (rawPath === '') return { ok: true, segments: [] };
  if (!rawPath.startsWith('/')) return { ok: false, status: 404, reason: 'path does not start with /' };
  const parts = rawPath.slice(1).split('/');
  const segments: PathSegment[] = [];
  for (const part of parts) {
    const segment = decodeSegment(part);
    if ('status' in segment) return { ok: false, ...segment };
    segments.push(segment);
  }
  return { ok: true, segments };
}

function decodeSegment(part: string): PathSegment | PathRefusal {
  let segment: PathSegment;
  if (!NEEDS_DECODING.test(part)) {
    segment = { text: part, isExactText: true };
  } else {
    const decoded = percentDecode(part);
    const bytes = typeof decoded === 'string' ? Buffer.from(decoded, 'latin1') : decoded;
    if (bytes.includes(0)) return { status: 404, reason: 'NUL byte in the path' };
    if (bytes.includes(0x2f)) return { status: 404, reason: 'encoded slash in the path' };
    segment = strictText(bytes);
  }
  if (segment.text === '.' || segment.text === '..') return { status: 403, reason: 'dot segment in the path' };
  return segment;
}

function strictText(bytes: Buffer): PathSegment {
  try {
    return { text: STRICT_UTF8.decode(bytes), isExactText: true };
  } catch {
    return { text: LOSSY_UTF8.decode(bytes), isExactText: false };
  }
}

/** PATH_INFO from the segments after the script: `''` for none, else `/` + them joined. */
export function joinPathInfo(segments: readonly PathSegment[]): string {
  if (segments.length === 0) return '';
  let out = '';
  for (const segment of segments) out += '/' + segment.text;
  return out;
}
