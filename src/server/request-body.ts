/**
 * Request body buffering (DESIGN.md: workers never see a client socket).
 * A body up to `limitBytes` is read whole before dispatch, so the worker gets
 * one complete frame; a larger one, or one awaiting `100-continue`, streams
 * with backpressure and the gateway pulls it. Chunked bodies arrive here
 * already de-chunked by node:http (llhttp), HTTP/2 ones out of their DATA
 * frames; the body's size limit and idle timeout are body-guard.ts's.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestBody } from '../gateways/gateway.js';

const EMPTY: RequestBody = Object.freeze({ kind: 'buffered', bytes: Buffer.alloc(0) });

/**
 * Calls `done` once with the body (synchronously when there is none).
 * If the client goes away while we buffer, `done` is never called.
 */
export function collectBody(
  req: IncomingMessage,
  /** `isLengthUnknown`: chunked (HTTP/1.1), or DATA frames without Content-Length (HTTP/2). */
  options: { limitBytes: number; isExpectContinue: boolean; isLengthUnknown: boolean },
  done: (body: RequestBody) => void,
): void {
  const length = req.headers['content-length'];
  const { isLengthUnknown } = options;
  if (!isLengthUnknown && (length === undefined || length === '0')) {
    done(EMPTY);
    return;
  }
  if (options.isExpectContinue || (!isLengthUnknown && Number(length) > options.limitBytes)) {
    done({ kind: 'stream', head: EMPTY_BYTES, isExpectContinue: options.isExpectContinue });
    return;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    total += chunk.length;
    if (total > options.limitBytes) {
      cleanup();
      req.pause();
      done({ kind: 'stream', head: Buffer.concat(chunks, total), isExpectContinue: false });
    }
  };
  const onEnd = (): void => {
    cleanup();
    done({ kind: 'buffered', bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total) });
  };
  const cleanup = (): void => {
    req.off('data', onData);
    req.off('end', onEnd);
  };
  req.on('data', onData);
  req.once('end', onEnd);
  // The body guard may have paused the stream; buffering is what asks for the bytes.
  req.resume();
}

const EMPTY_BYTES = Buffer.alloc(0);
