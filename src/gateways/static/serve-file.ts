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
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import { extname } from 'node:path';
import { contentType } from 'mime-types';
import type { GatewayRequest } from '../gateway.js';
import { contentRange, layoutMultipart, planRanges, rangeLength, type ByteRange, type RangePlan } from './byte-ranges.js';
import { buildValidators, evaluatePreconditions, isRangeFresh, type Validators } from './conditional.js';
import { formatHttpDate } from './http-date.js';
import { sendPlain } from './plain-response.js';
import { chooseCoding, VARIANTS, type Coding } from './precompressed.js';
import { resolveEntry, type ResolvedEntry, type ResolveOptions } from './resolve-file.js';
import { sendFileBody, type BodyPart } from './send-file.js';

export interface ServeFileOptions {
  readonly resolve: ResolveOptions;
  /** StaticConfig.precompressed. */
  readonly isPrecompressedOn: boolean;
  /** StaticConfig.maxAgeSeconds. */
  readonly maxAgeSeconds: number | null;
}

interface Variant {
  readonly coding: Coding;
  readonly path: string;
}

/**
 * O_NOFOLLOW: the path has no symlinks left (resolve-file.ts followed them),
 * so a symlink here was swapped in since; O_NONBLOCK: so is a FIFO, and
 * opening one would block a thread of the pool for good.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);
const FULL: RangePlan = { kind: 'full' };

/**
 * Answer `request` with the file `entry`. Resolves with null once answered,
 * or with the reason the file is not there after all (it vanished or was
 * replaced since it was resolved), for the caller to answer 404. Throws on
 * other I/O errors, before or during the body.
 */
export async function serveFile(request: GatewayRequest, entry: ResolvedEntry, options: ServeFileOptions): Promise<string | null> {
  const variants = options.isPrecompressedOn ? await findVariants(options.resolve, entry) : [];
  const coding = chooseCoding(request.req.headers['accept-encoding'], variants.map((v) => v.coding));
  const path = variants.find((v) => v.coding === coding)?.path ?? entry.path;
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    if (NOT_FOUND_CODES.has((error as NodeJS.ErrnoException).code ?? '')) return `${path} vanished before it was opened`;
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return `${path} is no longer a regular file`;
    const validators = buildValidators(stats.size, stats.mtimeMs, coding);
    const head = representationHeaders(entry.name, validators, coding, variants.length > 0, options.maxAgeSeconds);
    await respond(request, handle, stats.size, { head, validators });
    return null;
  } finally {
    // The pipeline has settled, so no read is pending; if a destroyed stream closed the handle already, this is a no-op.
    await handle.close();
  }
}

/** `name.br`, `name.gz` beside the file, by the same rules as any other entry. */
async function findVariants(options: ResolveOptions, entry: ResolvedEntry): Promise<Variant[]> {
  const variants: Variant[] = [];
  for (const { coding, suffix } of VARIANTS) {
    const variant = await resolveEntry(options, entry.directory, entry.name + suffix);
    if (variant.kind === 'file') variants.push({ coding, path: variant.path });
  }
  return variants;
}

/** The head of a 200 without Content-Length, and the validators it carries. */
interface Representation {
  readonly head: OutgoingHttpHeaders;
  readonly validators: Validators;
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

async function respond(request: GatewayRequest, handle: FileHandle, size: number, representation: Representation): Promise<void> {
  const { req, res } = request;
  const { validators } = representation;
  const outcome = evaluatePreconditions(req.headers, validators);
  if (outcome === 412) return sendPlain(request, 412);
  if (outcome === 304) return sendNotModified(request, representation.head);
  // RFC 9110 §14.2: range handling is defined for GET only; HEAD gets the 200 head.
  const isRangeable = req.method === 'GET' && isRangeFresh(singleValue(req.headers['if-range']), validators);
  const plan = isRangeable ? planRanges(size, req.headers.range) : FULL;
  if (plan.kind === 'unsatisfiable') {
    return sendPlain(request, 416, { 'Content-Range': `bytes */${size}`, ...pick(representation.head, 'Vary') });
  }
  const head: OutgoingHttpHeaders = { ...representation.head };
  const body = plan.kind === 'full' ? wholeFile(size, head) : someRanges(plan.ranges, size, head);
  res.writeHead(body.status, head);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await sendFileBody(request, handle, body.parts);
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
