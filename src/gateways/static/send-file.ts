/**
 * The body of a file response: byte ranges read from an open FileHandle and
 * fixed byte strings between them (multipart heads), written to the
 * response through one `pipeline`, so the file is read only as fast as the
 * client takes it (backpressure) and a client that goes away stops the
 * reading at once (the request's AbortSignal).
 *
 * Not here: the head (serve-file.ts), and closing the FileHandle, which
 * belongs to whoever opened it. Streams are made with autoClose off so that
 * a range read to its end leaves the handle open for the next one; a stream
 * destroyed early (the client went away) closes the handle itself, as
 * node's FileHandle streams always do, and nothing more is read from it.
 */
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { GatewayRequest } from '../gateway.js';
import type { ByteRange } from './byte-ranges.js';

/** A piece of the body: a range of the file, or bytes of our own. */
export type BodyPart = ByteRange | Buffer;

/** Read size: node's fs stream default; larger buys nothing on a socket. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Write `parts` to `request.res` and end it, adding the bytes handed to the
 * socket to `request.responseBytes`. Rejects when the client goes away
 * (AbortError or premature close: the response is destroyed) or the file
 * cannot be read (the response is destroyed, so the client sees a
 * truncated body, never a complete-looking one).
 */
export async function sendFileBody(request: GatewayRequest, handle: FileHandle, parts: readonly BodyPart[]): Promise<void> {
  await pipeline(readParts(request, handle, parts), request.res, { signal: request.signal });
}

async function* readParts(request: GatewayRequest, handle: FileHandle, parts: readonly BodyPart[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    if (Buffer.isBuffer(part)) {
      request.responseBytes += part.length;
      yield part;
      continue;
    }
    // for-await destroys the stream when the pipeline stops early, so no read outlives the request.
    const stream = handle.createReadStream({ start: part.start, end: part.end, autoClose: false, highWaterMark: CHUNK_BYTES });
    let readBytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      readBytes += chunk.length;
      request.responseBytes += chunk.length;
      yield chunk;
    }
    // A file truncated since fstat: Content-Length promised more, and a short
    // body on a kept-alive connection would leave the client waiting forever.
    if (readBytes < part.end - part.start + 1) throw fileShrank(part, readBytes);
  }
}

function fileShrank(part: ByteRange, readBytes: number): Error {
  const error = new Error(`file shrank while being sent: bytes ${part.start}-${part.end} gave ${readBytes}`);
  return Object.assign(error, { code: 'XGI_STATIC_FILE_SHRANK' });
}
