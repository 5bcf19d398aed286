/**
 * The body of a file response: byte ranges read from an open file and fixed
 * byte strings between them (multipart heads), written to the response as
 * fast as the client takes them. Reads are synchronous, on the event loop,
 * in chunks of up to CHUNK_BYTES (nginx reads and sends the same way, where
 * it has no sendfile): a page-cached chunk is a memcpy, where each read
 * through libuv's thread pool would cost a wake-up. A whole small file is
 * one read and one write, with its head.
 *
 * Backpressure: after each chunk, when `res.write` says the socket's buffer
 * is full, reading waits for 'drain'; so at most about one chunk per
 * connection is in memory whatever the file's size. A client that goes away
 * ('close' before the end) stops the reading at once.
 *
 * Not here: the head (serve-file.ts), and closing the file, which belongs
 * to whoever opened it (serve-file.ts closes it once this settles; nothing
 * reads from it after that).
 */
import { readSync } from 'node:fs';
import type { GatewayRequest } from '../gateway.js';
import type { ByteRange } from './byte-ranges.js';

/** A piece of the body: a range of the file, or bytes of our own. */
export type BodyPart = ByteRange | Buffer;

/** Largest read: big enough that a 1 MiB file is a few writes, small enough to bound memory per connection. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Write `parts` to `request.res` and end it, adding the bytes handed to the
 * socket to `request.responseBytes`. Resolves once the last bytes are handed
 * to the response; rejects when the client goes away first (code
 * ERR_STREAM_PREMATURE_CLOSE) or the file cannot be read or shrank (then the
 * caller destroys the response, so the client sees a truncated body, never a
 * complete-looking one).
 */
export function sendFileBody(request: GatewayRequest, fd: number, parts: readonly BodyPart[]): Promise<void> {
  const { res } = request;
  return new Promise<void>((resolve, reject) => {
    let index = 0;
    let position = startOf(parts[0]);
    // Read buffers come back once the socket has taken their bytes: reusing
    // them spares the page faults of fresh memory for every chunk.
    const spare: Buffer[] = [];
    const stop = (error: Error | null): void => {
      res.off('drain', pump);
      res.off('close', onClose);
      if (error === null) resolve();
      else reject(error);
    };
    const onClose = (): void => stop(Object.assign(new Error('the client went away'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    /** The next chunk: a part of our own whole, or the next read of a range (with the buffer to give back). */
    const next = (): { readonly chunk: Buffer; readonly buffer: Buffer | null } => {
      const part = parts[index] as BodyPart;
      if (Buffer.isBuffer(part)) {
        index++;
        position = startOf(parts[index]);
        return { chunk: part, buffer: null };
      }
      const want = Math.min(CHUNK_BYTES, part.end + 1 - position);
      const buffer = spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
      const got = readSync(fd, buffer, 0, want, position);
      // A file truncated since fstat: Content-Length promised more, and a short
      // body on a kept-alive connection would leave the client waiting forever.
      if (got === 0) throw fileShrank(part, position);
      position += got;
      if (position > part.end) {
        index++;
        position = startOf(parts[index]);
      }
      return { chunk: buffer.subarray(0, got), buffer };
    };
    function pump(): void {
      try {
        while (index < parts.length) {
          const { chunk, buffer } = next();
          request.responseBytes += chunk.length;
          if (index === parts.length) {
            res.end(chunk);
            stop(null);
            return;
          }
          const isWritten = buffer === null ? res.write(chunk) : res.write(chunk, () => spare.push(buffer));
          if (!isWritten) return; // 'drain' calls pump again
        }
        res.end();
        stop(null);
      } catch (error) {
        stop(error as Error);
      }
    }
    if (res.destroyed) {
      onClose(); // gone before the first byte: no 'close' is coming
      return;
    }
    res.on('drain', pump);
    res.on('close', onClose);
    pump();
  });
}

/**
 * The same body from a small file kept in memory: one write, with the head
 * (node:http sends both in one writev). A range is a view, not a copy.
 */
export function sendKeptBody(request: GatewayRequest, file: Buffer, parts: readonly BodyPart[]): void {
  const pieces = parts.map((part) => (Buffer.isBuffer(part) ? part : file.subarray(part.start, part.end + 1)));
  const body = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
  request.responseBytes += body.length;
  request.res.end(body);
}

function startOf(part: BodyPart | undefined): number {
  return part === undefined || Buffer.isBuffer(part) ? 0 : part.start;
}

function fileShrank(part: ByteRange, position: number): Error {
  const error = new Error(`file shrank while being sent: bytes ${part.start}-${part.end} ended at ${position}`);
  return Object.assign(error, { code: 'XGI_STATIC_FILE_SHRANK' });
}
