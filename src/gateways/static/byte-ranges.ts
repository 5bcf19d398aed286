/**
 * Range requests, RFC 9110 §14: a Range header and a file size → what the
 * response holds (the whole file, some ranges, or 416), and for several
 * ranges the multipart/byteranges body laid out in advance (§14.6), so its
 * Content-Length is exact before a byte is read:
 *
 *   --BOUNDARY CRLF
 *   Content-Type: text/plain; charset=utf-8 CRLF
 *   Content-Range: bytes 0-1/10 CRLF
 *   CRLF
 *   <bytes 0-1>
 *   CRLF --BOUNDARY CRLF
 *   ... one head and one range per part ...
 *   CRLF --BOUNDARY-- CRLF
 *
 * Pure: parsing is the npm package range-parser; the caller streams the
 * ranges from the file and picks the boundary.
 */
import parseRange from 'range-parser';

/** Inclusive byte positions, as in Content-Range. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type RangePlan =
  /** No Range, a Range we must ignore, or too many ranges: 200 with the whole file. */
  | { readonly kind: 'full' }
  /** 206: one range, or several for multipart/byteranges. */
  | { readonly kind: 'partial'; readonly ranges: readonly ByteRange[] }
  /** 416, with a Content-Range of `bytes *` and the size (§15.5.17). */
  | { readonly kind: 'unsatisfiable' };

/** One part of a multipart/byteranges body: its head, then the range's bytes. */
export interface MultipartPart {
  readonly head: Buffer;
  readonly range: ByteRange;
}

export interface MultipartLayout {
  readonly contentType: string;
  readonly parts: readonly MultipartPart[];
  /** The closing delimiter. */
  readonly trailer: Buffer;
  /** Heads + ranges + trailer, exactly. */
  readonly contentLength: number;
}

/**
 * Apache's MaxRanges default. Past it the Range header is ignored and the
 * whole file sent (Apache's behaviour too), after overlapping and adjacent
 * ranges were merged: §14.2 warns of many small or overlapping ranges as a
 * denial of service (the 2011 "Apache Killer", CVE-2011-3192).
 */
export const MAX_RANGES = 200;

/**
 * §14.2: a Range that is not valid `bytes=` syntax is ignored (200), one
 * whose ranges all start past the end is 416. Overlapping and adjacent
 * ranges are merged, in the order the client asked for them.
 */
export function planRanges(size: number, header: string | undefined): RangePlan {
  if (header === undefined) return { kind: 'full' };
  // §14.1: `bytes` is the only unit (compared case-insensitively); others are ignored.
  if (header.slice(0, header.indexOf('=')).toLowerCase() !== 'bytes') return { kind: 'full' };
  const ranges = parseRange(size, clampSuffixes(size, header), { combine: true });
  if (ranges === -2) return { kind: 'full' };
  if (ranges === -1) return { kind: 'unsatisfiable' };
  if (ranges.length > MAX_RANGES) return { kind: 'full' };
  return { kind: 'partial', ranges: ranges.map(({ start, end }) => ({ start, end })) };
}

/**
 * §14.1.3: a suffix range longer than the file means the whole file, where
 * range-parser would call it unsatisfiable: `-N` with N > size becomes `0-`.
 * An empty file keeps its suffixes, which are then unsatisfiable.
 */
function clampSuffixes(size: number, header: string): string {
  if (size === 0) return header;
  return header.replace(/([=,]\s*)-\s*(\d+)(?=\s*(?:,|$))/g, (whole, before: string, digits: string) => (Number(digits) > size ? `${before}0-` : whole));
}

/** `bytes 0-499/1234` (§14.4). */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** The number of bytes in a range. */
export function rangeLength(range: ByteRange): number {
  return range.end - range.start + 1;
}

/** Lay out a multipart/byteranges body for `ranges` of a file of `size` bytes of `contentType`. */
export function layoutMultipart(ranges: readonly ByteRange[], size: number, contentType: string, boundary: string): MultipartLayout {
  let contentLength = 0;
  const parts = ranges.map((range, i) => {
    // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1); the first needs none.
    const head = Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`,
      'latin1',
    );
    contentLength += head.length + rangeLength(range);
    return { head, range };
  });
  const trailer = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  contentLength += trailer.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, trailer, contentLength };
}
