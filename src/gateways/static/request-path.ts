/**
 * The path below a static mount, percent-decoded exactly once and split into
 * segments, with every hostile form refused before the file system is asked
 * anything: dot segments (`..`, `%2e%2e`), NUL bytes, encoded slashes
 * (`%2f`), backslashes raw or encoded (`%5c`), bytes that are not UTF-8, and
 * dotfiles unless they are allowed. Empty segments (`//`) are merged, as
 * nginx's merge_slashes does.
 *
 * Pure: no file system, no config object. Whether the segments name a file
 * inside the root is resolve-file.ts's job.
 */
import { percentDecode } from '../cgi-env.js';

export type RequestPath =
  | { readonly ok: true; readonly segments: readonly string[]; readonly hasTrailingSlash: boolean }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

type Refusal = Extract<RequestPath, { ok: false }>;

/** RFC 8615: served even when dotfiles are not; only as the mount's first segment. */
const WELL_KNOWN = '.well-known';
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Anything that is not plain ASCII text needs decoding as bytes. */
const NEEDS_DECODING = /[%\x00\x80-\xff]/;

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
  // Decode once, then judge the bytes: `%252e` is the name `%2e`, never `.`.
  const decoded = NEEDS_DECODING.test(part) ? percentDecode(part) : part;
  const bytes = typeof decoded === 'string' ? Buffer.from(decoded, 'latin1') : decoded;
  if (bytes.includes(0)) return refuse(400, 'NUL byte in the path');
  if (bytes.includes(0x2f)) return refuse(404, 'encoded slash in the path');
  // A backslash is a separator on Windows and to some proxies in front of us.
  if (bytes.includes(0x5c)) return refuse(404, 'backslash in the path');
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return refuse(404, 'path is not UTF-8');
  }
  if (text === '.' || text === '..') return refuse(400, 'dot segment in the path');
  return text;
}

function refuse(status: 400 | 404, reason: string): Refusal {
  return { ok: false, status, reason };
}
