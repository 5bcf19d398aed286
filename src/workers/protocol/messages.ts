/**
 * Payload codecs for the frames that carry structure (docs/protocol.md):
 * the REQUEST environ block, the RESPONSE head and LOG lines. Pure functions;
 * strings on this wire are latin-1 (PEP 3333 "native strings") except LOG and
 * ABORT text, which is UTF-8.
 *
 *   REQUEST:  envLength u32 | (klen u16, key, vlen u32, value)* | body
 *   RESPONSE: statusLen u16 | status | n u16 | (nlen u16, name, vlen u32, value)*n | body
 */
import { END, FrameType, HEADER_BYTES, ProtocolError, writeHeader } from './frames.js';

/** Environ keys and values; a Buffer value is sent as its raw bytes. */
export type EnvironPairs = ReadonlyArray<readonly [string, string | Buffer]>;

/**
 * Encode a whole REQUEST frame in one allocation: header, environ block and
 * the first body bytes. `isComplete` sets END (the body is all here).
 */
export function encodeRequestFrame(
  stream: number,
  environ: EnvironPairs,
  body: Buffer | null,
  isComplete: boolean,
): Buffer {
  let envLength = 0;
  for (const [key, value] of environ) {
    envLength += 6 + key.length + (typeof value === 'string' ? value.length : value.length);
  }
  const bodyLength = body === null ? 0 : body.length;
  const payloadLength = 4 + envLength + bodyLength;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payloadLength);
  writeHeader(frame, 0, FrameType.REQUEST, isComplete ? END : 0, stream, payloadLength);
  let at = HEADER_BYTES;
  frame.writeUInt32BE(envLength, at);
  at += 4;
  for (const [key, value] of environ) {
    frame.writeUInt16BE(key.length, at);
    at += 2;
    at += frame.write(key, at, 'latin1');
    frame.writeUInt32BE(value.length, at);
    at += 4;
    at += typeof value === 'string' ? frame.write(value, at, 'latin1') : value.copy(frame, at);
  }
  if (body !== null) body.copy(frame, at);
  return frame;
}

/** Decode an environ block back to pairs (used by tests and tools, not the hot path). */
export function decodeRequestPayload(payload: Buffer): { environ: Array<[string, string]>; body: Buffer } {
  const envLength = readU32(payload, 0);
  const end = 4 + envLength;
  if (end > payload.length) throw new ProtocolError('environ block overruns the frame');
  const environ: Array<[string, string]> = [];
  let at = 4;
  while (at < end) {
    const klen = readU16(payload, at, end);
    const key = payload.toString('latin1', at + 2, at + 2 + klen);
    at += 2 + klen;
    const vlen = readU32(payload, at, end);
    if (at + 4 + vlen > end) throw new ProtocolError('environ value overruns the block');
    environ.push([key, payload.toString('latin1', at + 4, at + 4 + vlen)]);
    at += 4 + vlen;
  }
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
