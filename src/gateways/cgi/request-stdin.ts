/**
 * The request body onto the script's stdin (RFC 3875 §4.2), with
 * backpressure both ways: `pipeline` writes as fast as the script reads and
 * reads from the client only as fast as it writes, so a 1 GB upload crosses
 * in bounded memory. A body the front buffered whole is written at once;
 * a chunked one arrives here already de-chunked by node:http, with
 * CONTENT_LENGTH set only when the front buffered it.
 *
 * A script may exit without reading its body (§4.2 allows it): the rest is
 * then read and dropped, so that the response can still be sent.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GatewayRequest } from '../gateway.js';

/** `onProgress` is called for every chunk handed to the script (its timeout counts that as activity). */
export function feedStdin(request: Pick<GatewayRequest, 'req' | 'res' | 'body'>, stdin: Writable, onProgress: () => void): void {
  const { req, res, body } = request;
  if (body.kind === 'buffered') {
    stdin.end(body.bytes);
    return;
  }
  // Expect: 100-continue is answered only now that a script is there to read the body.
  if (body.isExpectContinue && !res.headersSent) res.writeContinue();
  const head = body.head;
  async function* chunks(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    // destroyOnReturn: false: a script that stops reading must not cost the client its connection.
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      onProgress();
      yield chunk as Buffer;
    }
  }
  pipeline(chunks, stdin).catch(() => {
    // EPIPE (the script is gone or closed stdin) or a client that went away:
    // drop the rest of the body; the exchange answers or has already cleaned up.
    if (!req.destroyed) req.resume();
  });
}
