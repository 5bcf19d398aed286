/**
 * One regular file, from its resolved entry to the response (RFC 9110):
 * pick the precompressed variant, open it once, and from the open file's own
 * fstat build the validators and headers, so that what is described is what
 * is sent; then evaluate the preconditions (§13.2.2), plan the ranges (§14)
 * and send the head and the body.
 *
 * Not here: path rules (request-path.ts, resolve-file.ts), directories
 * (static-gateway.ts), the log (the gateway logs what this returns or throws).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { extname } from 'node:path';
import { contentType } from 'mime-types';
import type { GatewayRequest } from '../gateway.js';
import { contentRange, layoutMultipart, planRanges, rangeLength, type ByteRange, type RangePlan } from './byte-ranges.js';
import { buildValidators, evaluatePreconditions, isRangeFresh, type Validators } from './conditional.js';
import { formatHttpDate } from './http-date.js';
import { sendPlain } from './plain-response.js';
import { chooseCoding, VARIANTS, type Coding } from './precompressed.js';
import { NOT_FOUND_CODES, resolveEntry, type ResolvedEntry, type ResolveOptions } from './resolve-file.js';
import { SMALL_FILE_BYTES, type CachedFile, type FreshCache, type Representation } from './file-cache.js';
import { sendFileBody, sendKeptBody, type BodyPart } from './send-file.js';

export interface ServeFileOptions {
  readonly resolve: ResolveOptions;
  /** StaticConfig.precompressed. */
  readonly isPrecompressedOn: boolean;
  /** StaticConfig.maxAgeSeconds. */
  readonly maxAgeSeconds: number | null;
  /** The variants found beside each file (file-cache.ts). */
  readonly variants: FreshCache<readonly Variant[]>;
  /** Small files, whole (file-cache.ts). */
  readonly files: FreshCache<CachedFile>;
}

export interface Variant {
  readonly coding: Coding;
  readonly path: string;
}

/**
 * O_NOFOLLOW: the path has no symlinks left (resolve-file.ts followed them),
 * so a symlink here was swapped in since; O_NONBLOCK: so is a FIFO, and
 * opening one would block a thread of the pool for good.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const FULL: RangePlan = { kind: 'full' };

/**
 * Answer `request` with the file `entry`: at once (null) when the file is
 * small, else a promise that settles when the body is sent. Either way the
 * outcome is null once answered, or the reason the file is not there after
 * all (it vanished or was replaced since it was resolved), for the caller to
 * answer 404. Throws (or rejects) on other I/O errors, before or during the
 * body. Small files are the hot path: synchronous, no promise.
 */
export function serveFile(request: GatewayRequest, entry: ResolvedEntry, options: ServeFileOptions): string | null | Promise<string | null> {
  const now = performance.now();
  const variants = options.isPrecompressedOn ? variantsOf(options, entry, now) : [];
  const coding = variants.length === 0 ? null : chooseCoding(request.req.headers['accept-encoding'], variants.map((v) => v.coding));
  const path = variants.find((v) => v.coding === coding)?.path ?? entry.path;
  // One name (its Content-Type) with one coding: a symlink may give a file a second name.
  const key = coding === null ? `${entry.directory}/${entry.name}` : `${entry.directory}/${entry.name}\0${coding}`;
  const kept = options.files.get(key, now);
  if (kept !== undefined) {
    respond(request, { kept }, kept.size, kept.representation);
    return null;
  }
  // Synchronous open, fstat and reads, as nginx does them: see send-file.ts.
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    if (NOT_FOUND_CODES.has((error as NodeJS.ErrnoException).code ?? '')) return `${path} vanished before it was opened`;
    throw error;
  }
  let isStreaming = false;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return `${path} is no longer a regular file`;
    const validators = buildValidators(stats.size, stats.mtimeMs, coding);
    const representation = {
      head: representationHeaders(entry.name, validators, coding, variants.length > 0, options.maxAgeSeconds),
      validators,
    };
    const whole = stats.size <= SMALL_FILE_BYTES ? readWhole(fd, stats.size) : null;
    if (whole !== null) {
      const file: CachedFile = { size: stats.size, body: whole, representation };
      options.files.set(key, file, now);
      respond(request, { kept: file }, stats.size, representation);
      return null;
    }
    const sending = respond(request, { fd }, stats.size, representation);
    if (sending === undefined) return null;
    isStreaming = true;
    return sending.then(() => null).finally(() => closeSync(fd)); // settled: nothing reads from it any more
  } finally {
    if (!isStreaming) closeSync(fd);
  }
}

function variantsOf(options: ServeFileOptions, entry: ResolvedEntry, now: number): readonly Variant[] {
  let variants = options.variants.get(entry.path, now);
  if (variants === undefined) {
    variants = findVariants(options.resolve, entry);
    options.variants.set(entry.path, variants, now);
  }
  return variants;
}

/** A small file in one read; null when it is not all there (it shrank since fstat: stream it, and fail as send-file.ts does). */
function readWhole(fd: number, size: number): Buffer | null {
  const body = Buffer.allocUnsafe(size);
  return readSync(fd, body, 0, size, 0) === size ? body : null;
}

/** `name.br`, `name.gz` beside the file, by the same rules as any other entry. */
function findVariants(options: ResolveOptions, entry: ResolvedEntry): Variant[] {
  const variants: Variant[] = [];
  for (const { coding, suffix } of VARIANTS) {
    const variant = resolveEntry(options, entry.directory, entry.name + suffix);
    if (variant.kind === 'file') variants.push({ coding, path: variant.path });
  }
  return variants;
}

function representationHeaders(name: string, validators: Validators, coding: Coding | null, hasVariants: boolean, maxAgeSeconds: number | null): OutgoingHttpHeaders {
  // The type of the name asked for, also when a variant or a symlink's target is sent (nginx).
  const extension = extname(name);
  const head: OutgoingHttpHeaders = {
    'Content-Type': (extension !== '' && contentType(extension)) || 'application/octet-stream',
    'Last-Modified': formatHttpDate(validators.lastModifiedMs),
    ETag: validators.etag,
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
  };
  if (coding !== null) head['Content-Encoding'] = coding;
  // RFC 9110 §12.5.5: whichever variant is sent, caches must know the choice depended on Accept-Encoding.
  if (hasVariants) head.Vary = 'Accept-Encoding';
  if (maxAgeSeconds !== null) head['Cache-Control'] = `max-age=${maxAgeSeconds}`;
  return head;
}

/** Where the bytes come from: an open file, or a small file kept whole. */
type Source = { readonly fd: number } | { readonly kept: CachedFile };

/** Answers at once, or returns the promise of a body streamed from a file. */
function respond(request: GatewayRequest, source: Source, size: number, representation: Representation): Promise<void> | undefined {
  const { req, res } = request;
  const { validators } = representation;
  const outcome = evaluatePreconditions(req.headers, validators);
  if (outcome === 412) return void sendPlain(request, 412);
  if (outcome === 304) return void sendNotModified(request, representation.head);
  // RFC 9110 §14.2: range handling is defined for GET only; HEAD gets the 200 head.
  const isRangeable = req.method === 'GET' && isRangeFresh(singleValue(req.headers['if-range']), validators);
  const plan = isRangeable ? planRanges(size, req.headers.range) : FULL;
  if (plan.kind === 'unsatisfiable') {
    return void sendPlain(request, 416, { 'Content-Range': `bytes */${size}`, ...pick(representation.head, 'Vary') });
  }
  const head: OutgoingHttpHeaders = { ...representation.head };
  const body = plan.kind === 'full' ? wholeFile(size, head) : someRanges(plan.ranges, size, head);
  res.writeHead(body.status, head);
  if (req.method === 'HEAD') {
    res.end();
    return undefined;
  }
  if ('fd' in source) return sendFileBody(request, source.fd, body.parts);
  sendKeptBody(request, source.kept.body, body.parts);
  return undefined;
}

interface PlannedBody {
  readonly status: 200 | 206;
  readonly parts: BodyPart[];
}

function wholeFile(size: number, head: OutgoingHttpHeaders): PlannedBody {
  head['Content-Length'] = size;
  return { status: 200, parts: size === 0 ? [] : [{ start: 0, end: size - 1 }] };
}

/** RFC 9110 §14.6: one range is sent as it is; several as multipart/byteranges, each part with its own type and range. */
function someRanges(ranges: readonly ByteRange[], size: number, head: OutgoingHttpHeaders): PlannedBody {
  const [first] = ranges;
  if (ranges.length === 1 && first !== undefined) {
    head['Content-Range'] = contentRange(first, size);
    head['Content-Length'] = rangeLength(first);
    return { status: 206, parts: [first] };
  }
  const layout = layoutMultipart(ranges, size, String(head['Content-Type']), randomBytes(12).toString('hex'));
  head['Content-Type'] = layout.contentType;
  head['Content-Length'] = layout.contentLength;
  const parts: BodyPart[] = layout.parts.flatMap((part) => [part.head, part.range]);
  parts.push(layout.trailer);
  return { status: 206, parts };
}

/**
 * RFC 9110 §15.4.5: a 304 carries the fields a 200 would have sent for
 * caches to update (ETag, Cache-Control, Vary; Last-Modified too), and no
 * body and so no Content-Length.
 */
function sendNotModified(request: GatewayRequest, head: OutgoingHttpHeaders): void {
  request.res.writeHead(304, pick(head, 'ETag', 'Last-Modified', 'Cache-Control', 'Vary'));
  request.res.end();
}

/** node:http joins repeated headers except a few; an unknown one may come as an array. */
function singleValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function pick(headers: OutgoingHttpHeaders, ...names: string[]): OutgoingHttpHeaders {
  const picked: OutgoingHttpHeaders = {};
  for (const name of names) if (headers[name] !== undefined) picked[name] = headers[name];
  return picked;
}
