/**
 * Validators and preconditions for a static file, the server side of
 * RFC 9110 §8.8 and §13: the ETag and Last-Modified a file is sent with,
 * the order in which If-Match, If-Unmodified-Since, If-None-Match and
 * If-Modified-Since are evaluated (§13.2.2), and whether an If-Range still
 * holds (§13.1.5).
 *
 * Pure: the caller passes the file's size and mtime and the request headers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseHttpDate } from './http-date.js';

export interface Validators {
  /** Quoted entity-tag, e.g. `"1f4-18c1d2e3f00"`. */
  readonly etag: string;
  /** Last-Modified as epoch ms, truncated to whole seconds (what an HTTP-date can say). */
  readonly lastModifiedMs: number;
}

/** What the preconditions decide: go on, or answer 304 / 412 now. */
export type PreconditionOutcome = 'proceed' | 304 | 412;

/**
 * nginx's ETag, `"<size hex>-<mtime hex>"`, with mtime in ms rather than
 * seconds so that two writes within a second differ. A precompressed
 * variant is another representation (RFC 9110 §8.8.3), so it gets its own
 * tag: it has its own size and mtime, and the coding is appended so that
 * two variants of equal size and mtime still differ.
 */
export function buildValidators(size: number, mtimeMs: number, coding: string | null): Validators {
  const tag = `${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${coding === null ? '' : `-${coding}`}`;
  return { etag: `"${tag}"`, lastModifiedMs: Math.floor(mtimeMs / 1000) * 1000 };
}

/**
 * RFC 9110 §13.2.2, steps 1-4, for GET and HEAD of an existing file (the
 * only requests this gateway evaluates them for). Range and If-Range are
 * step 5: see isRangeFresh.
 */
export function evaluatePreconditions(headers: IncomingHttpHeaders, validators: Validators): PreconditionOutcome {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    // §13.1.1: strong comparison; `*` matches any current representation.
    if (!matchesTagList(ifMatch, validators.etag, 'strong')) return 412;
  } else {
    // §13.1.4: only without If-Match; an invalid date is ignored.
    const since = parseHttpDate(headers['if-unmodified-since']);
    if (since !== null && validators.lastModifiedMs > since) return 412;
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    // §13.1.2: weak comparison; for GET and HEAD a match is 304.
    return matchesTagList(ifNoneMatch, validators.etag, 'weak') ? 304 : 'proceed';
  }
  // §13.1.3: only without If-None-Match.
  const since = parseHttpDate(headers['if-modified-since']);
  if (since !== null && validators.lastModifiedMs <= since) return 304;
  return 'proceed';
}

/**
 * RFC 9110 §13.1.5: true when the Range header should be honoured. No
 * If-Range: yes. An entity-tag: only a strong match (a weak tag never
 * matches). An HTTP-date: only exactly Last-Modified.
 */
export function isRangeFresh(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === validators.etag;
  const date = parseHttpDate(value);
  return date !== null && date === validators.lastModifiedMs;
}

/** One entity-tag of a list (RFC 9110 §8.8.3: `W/"..."` or `"..."`). */
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g;

function matchesTagList(list: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  if (list.trim() === '*') return true;
  for (const [, weak, opaque] of list.matchAll(ENTITY_TAG)) {
    // §8.8.3.2: strong comparison needs both tags strong; ours always are.
    if (comparison === 'strong' && weak !== undefined) continue;
    if (`"${opaque}"` === etag) return true;
  }
  return false;
}
