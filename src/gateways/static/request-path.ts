/**
 * The path below a static mount, percent-decoded exactly once and split into
 * segments, with every hostile form refused before the file system is asked
 * anything: dot segments (`..`, `%2e%2e`), NUL bytes, encoded slashes
 * (`%2f`), backslashes raw or encoded (`%5c`), bytes that are not UTF-8, and
 * dotfiles unless they are allowed. Empty segments (`//`) are merged, as
 * nginx's merge_slashes does.
 *
 * Pure: no file system, no config object. Each segment is decoded by
 * cgi-env.ts's decodePathSegment, as the CGI gateway's are; the statuses,
 * backslashes, UTF-8 and dotfiles are judged here. Whether the segments name
 * a file inside the root is resolve-file.ts's job.
 */
import { decodePathSegment, type SegmentRefusal } from '../cgi-env.js';

export type RequestPath =
  | { readonly ok: true; readonly segments: readonly string[]; readonly hasTrailingSlash: boolean }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

type Refusal = Extract<RequestPath, { ok: false }>;

/** RFC 8615: served even when dotfiles are not; only as the mount's first segment. */
const WELL_KNOWN = '.well-known';
/** How static files answer each refused segment (see parseRequestPath for 400 vs 404). */
const REFUSALS: Readonly<Record<SegmentRefusal, Refusal>> = {
  'nul': refuse(400, 'NUL byte in the path'),
  'encoded-slash': refuse(404, 'encoded slash in the path'),
  'dot-segment': refuse(400, 'dot segment in the path'),
};

/**
 * `/css/site.css` → `css`, `site.css`. `''` (the mount itself, `/static`
 * without a slash) is the root directory without its trailing slash.
 *
 * 400 for what no real client sends (RFC 3986 §5.2.4 removes dot segments
 * before sending; RFC 9110 has no place for NUL), as nginx answers; 404 for
 * the rest, as Apache's AllowEncodedSlashes Off does, so that a refusal never
 * says more than "not here".
 */
export function parseRequestPath(below: string, isDotfileAllowed: boolean): RequestPath {
  if (below === '') return { ok: true, segments: [], hasTrailingSlash: false };
  if (!below.startsWith('/')) return refuse(404, 'path does not start with /');
  const parts = below.slice(1).split('/');
  const segments: string[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const segment = decodeSegment(part);
    if (typeof segment !== 'string') return segment;
    if (segment.startsWith('.') && !isDotfileAllowed && !(segment === WELL_KNOWN && segments.length === 0)) {
      return refuse(404, 'dotfile (dotfiles is off)');
    }
    segments.push(segment);
  }
  return { ok: true, segments, hasTrailingSlash: below.endsWith('/') };
}

function decodeSegment(part: string): string | Refusal {
  const decoded = decodePathSegment(part);
  if (!decoded.ok) return REFUSALS[decoded.reason];
  // A backslash, raw or `%5c`, is a separator on Windows and to some proxies in front of us.
  if (decoded.text.includes('\\')) return refuse(404, 'backslash in the path');
  if (!decoded.isExactText) return refuse(404, 'path is not UTF-8');
  return decoded.text;
}

function refuse(status: 400 | 404, reason: string): Refusal {
  return { ok: false, status, reason };
}
