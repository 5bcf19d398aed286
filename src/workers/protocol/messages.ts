/**
 * Payload codecs for the frames that carry structure (docs/protocol.md):
 * the REQUEST environ block, the RESPONSE head and LOG lines. Pure functions;
 * strings on this wire are latin-1 (PEP 3333 "native strings") except LOG and
 * ABORT text, which is UTF-8.
 *
 *   REQUEST:  envLength u32 | key NUL value NUL ... | body
 *   RESPONSE: statusLen u16 | status | n u16 | (nlen u16, name, vlen u32, value)*n | body
 */
import { END, FrameType, HEADER_BYTES, ProtocolError, writeHeader } from './frames.js';

/** Environ keys and values; a Buffer value is sent as its raw bytes. */
export type EnvironPairs = ReadonlyArray<readonly [string, string | Buffer]>;

/**
 * A whole REQUEST frame in one buffer (tests and tools; the gateway sends
 * encodeRequestParts' buffers, which are the same bytes).
 */
export function encodeRequestFrame(
  stream: number,
  environ: EnvironPairs,
  body: Buffer | null,
  isComplete: boolean,
): Buffer {
  const parts = encodeRequestParts(stream, environ, body, isComplete);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** A body this large is not copied into the frame's first buffer: it follows as a buffer of its own. */
const BODY_COPY_MAX_BYTES = 4096;

/**
 * The REQUEST frame as the buffers to write one after the other: the head
 * (header, environ block, and a small body copied in), then a larger body
 * as it is, uncopied. The stream id is the first buffer's, at offset 6.
 * `isComplete` sets END (the body is all here). Throws ProtocolError when a
 * key or value contains NUL (the separator).
 */
export function encodeRequestParts(
  stream: number,
  environ: EnvironPairs,
  body: Buffer | null,
  isComplete: boolean,
): Buffer[] {
  let block = '';
  for (const [key, value] of environ) {
    const text = typeof value === 'string' ? value : value.toString('latin1');
    if (text.includes('\0') || key.includes('\0')) throw new ProtocolError(`NUL in environ ${key}`);
    block += key + '\0' + text + '\0';
  }
  const envLength = block.length;
  const bodyLength = body === null ? 0 : body.length;
  const isBodyApart = bodyLength > BODY_COPY_MAX_BYTES;
  const payloadLength = 4 + envLength + bodyLength;
  const head = Buffer.allocUnsafe(HEADER_BYTES + 4 + envLength + (isBodyApart ? 0 : bodyLength));
  writeHeader(head, 0, FrameType.REQUEST, isComplete ? END : 0, stream, payloadLength);
  head.writeUInt32BE(envLength, HEADER_BYTES);
  head.write(block, HEADER_BYTES + 4, 'latin1');
  if (body === null || bodyLength === 0) return [head];
  if (isBodyApart) return [head, body];
  body.copy(head, HEADER_BYTES + 4 + envLength);
  return [head];
}

/** Decode an environ block back to pairs (used by tests and tools, not the hot path). */
export function decodeRequestPayload(payload: Buffer): { environ: Array<[string, string]>; body: Buffer } {
  const envLength = readU32(payload, 0);
  const end = 4 + envLength;
  if (end > payload.length) throw new ProtocolError('environ block overruns the frame');
  const parts = payload.toString('latin1', 4, end).split('\0');
  if (parts.pop() !== '' || parts.length % 2 !== 0) throw new ProtocolError('environ block is not key NUL value NUL pairs');
  const environ: Array<[string, string]> = [];
  for (let i = 0; i < parts.length; i += 2) environ.push([parts[i] as string, parts[i + 1] as string]);
  return { environ, body: payload.subarray(end) };
}

export interface ResponseHead {
  /** The status line as the app gave it, e.g. `200 OK`. */
  readonly status: string;
  /** Names and values alternating, as `res.writeHead` takes them. */
  readonly headers: string[];
  readonly body: Buffer;
}

/** Decode a RESPONSE payload; throws ProtocolError if it is truncated. */
export function decodeResponsePayload(payload: Buffer): ResponseHead {
  const statusLength = readU16(payload, 0, payload.length);
  const status = payload.toString('latin1', 2, 2 + statusLength);
  let at = 2 + statusLength;
  const count = readU16(payload, at, payload.length);
  at += 2;
  const headers: string[] = new Array<string>(count * 2);
  for (let i = 0; i < count; i++) {
    const nlen = readU16(payload, at, payload.length);
    headers[2 * i] = payload.toString('latin1', at + 2, at + 2 + nlen);
    at += 2 + nlen;
    const vlen = readU32(payload, at, payload.length);
    if (at + 4 + vlen > payload.length) throw new ProtocolError('header value overruns the frame');
    headers[2 * i + 1] = payload.toString('latin1', at + 4, at + 4 + vlen);
    at += 4 + vlen;
  }
  return { status, headers, body: payload.subarray(at) };
}

/** Encode a RESPONSE payload (the worker's job; here for tests and symmetry). */
export function encodeResponsePayload(status: string, headers: ReadonlyArray<readonly [string, string]>, body: Buffer): Buffer {
  const parts: Buffer[] = [u16(status.length), Buffer.from(status, 'latin1'), u16(headers.length)];
  for (const [name, value] of headers) {
    parts.push(u16(name.length), Buffer.from(name, 'latin1'), u32(value.length), Buffer.from(value, 'latin1'));
  }
  parts.push(body);
  return Buffer.concat(parts);
}

/** Decode a LOG payload: Python's numeric level, then UTF-8 text. */
export function decodeLogPayload(payload: Buffer): { level: number; text: string } {
  if (payload.length < 1) throw new ProtocolError('empty LOG frame');
  return { level: payload[0] as number, text: payload.toString('utf8', 1) };
}

function readU16(b: Buffer, at: number, end: number): number {
  if (at + 2 > end) throw new ProtocolError('truncated u16');
  return b.readUInt16BE(at);
}

function readU32(b: Buffer, at: number, end = b.length): number {
  if (at + 4 > end) throw new ProtocolError('truncated u32');
  return b.readUInt32BE(at);
}

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n, 0);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}
