/**
 * The request body onto the script's stdin (RFC 3875 §4.2), with
 * backpressure both ways: it writes as fast as the script reads and reads
 * from the client only as fast as it writes (pause until 'drain'), so a 1 GB
 * upload crosses in bounded memory. A body the front buffered whole is written at once;
 * a chunked one arrives here already de-chunked by node:http, with
 * CONTENT_LENGTH set only when the front buffered it.
 *
 * A script may exit without reading its body (§4.2 allows it): the rest is
 * then read and dropped, so that the response can still be sent and the
 * connection go on, also when stdin was closed before it got here.
 */
import type { Writable } from 'node:stream';
import type { GatewayRequest } from '../gateway.js';

/** `onProgress` is called for every chunk handed to the script (its timeout counts that as activity). */
export function feedStdin(request: Pick<GatewayRequest, 'req' | 'res' | 'body'>, stdin: Writable, onProgress: () => void): void {
  const { req, res, body } = request;
  if (body.kind === 'buffered') {
    stdin.end(body.bytes);
    return;
  }
  if (stdin.destroyed || stdin.writableEnded) {
    // Through a spawner, stdin arrives a moment after the script started: one
    // that exited at once (without reading, §4.2) may have closed it already.
    // Its 'close' came before anyone listened, and a write to it neither
    // fails loudly nor drains: drop the body now, or the connection stalls.
    req.resume();
    return;
  }
  // Expect: 100-continue is answered only now that a script is there to read the body.
  if (body.isExpectContinue && !res.headersSent) res.writeContinue();
  if (body.head.length > 0) stdin.write(body.head);
  // Flowing mode with pause/resume, not an async iterator: the front's
  // --body-timeout clock (server/body-guard.ts) runs only while the body
  // flows, and a body paused for a slow script is the server's choice.
  const onData = (chunk: Buffer): void => {
    onProgress();
    if (!stdin.write(chunk)) {
      req.pause();
      stdin.once('drain', () => req.resume());
    }
  };
  const onEnd = (): void => {
    cleanup();
    stdin.end();
  };
  const onStdinGone = (): void => {
    // EPIPE (the script is gone or closed stdin): drop the rest of the body;
    // a script may exit without reading it (§4.2), and the response goes on.
    cleanup();
    if (!req.destroyed) req.resume();
  };
  const cleanup = (): void => {
    req.off('data', onData);
    req.off('end', onEnd);
  };
  stdin.on('error', onStdinGone);
  stdin.once('close', onStdinGone);
  req.on('data', onData);
  req.once('end', onEnd);
  req.resume();
}
