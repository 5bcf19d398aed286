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
import { decodePathSegment, type SegmentRefusal } from '../cgi-env.js';

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

/** How the CGI gateway answers each refused segment. */
const REFUSALS: Readonly<Record<SegmentRefusal, PathRefusal>> = {
  'nul': { status: 404, reason: 'NUL byte in the path' },
  'encoded-slash': { status: 404, reason: 'encoded slash in the path' },
  'dot-segment': { status: 403, reason: 'dot segment in the path' },
};

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
  const decoded = decodePathSegment(part);
  if (!decoded.ok) return REFUSALS[decoded.reason];
  return { text: decoded.text, isExactText: decoded.isExactText };
}

/** PATH_INFO from the segments after the script: `''` for none, else `/` + them joined. */
export function joinPathInfo(segments: readonly PathSegment[]): string {
  if (segments.length === 0) return '';
  let out = '';
  for (const segment of segments) out += '/' + segment.text;
  return out;
}
