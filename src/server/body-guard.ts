/**
 * Watches a request body as it arrives, whoever reads it (the front while it
 * buffers, a gateway while it streams): a chunked body that grows past
 * `--limit-request-body` (a Content-Length one was refused before reading),
 * and a client that sends nothing for `--body-timeout` while the body is
 * wanted. The idle clock runs only while the stream flows: a body paused
 * because the app has not asked for more is the server's choice, not the
 * client's stall.
 *
 * It answers nothing itself; the front turns a violation into 413 or 408.
 */
import type { IncomingMessage } from 'node:http';

export type BodyViolation = 'too-large' | 'stalled';

export interface BodyGuardOptions {
  /** 0: no limit. Counted only for bodies without Content-Length. */
  readonly limitBytes: number;
  /** 0: no idle timeout. */
  readonly idleMs: number;
}

/** Start watching; `onViolation` is called at most once. */
export function guardBody(req: IncomingMessage, options: BodyGuardOptions, onViolation: (violation: BodyViolation) => void): void {
  const isCounted = options.limitBytes > 0 && req.headers['content-length'] === undefined;
  if (!isCounted && options.idleMs === 0) return;
  let received = 0;
  let isOver = false;
  let timer: NodeJS.Timeout | null = null;

  const stop = (): void => {
    isOver = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    req.off('data', onData);
    req.off('pause', onPause);
    req.off('resume', onResume);
  };
  const violate = (violation: BodyViolation): void => {
    if (isOver) return;
    stop();
    onViolation(violation);
  };
  const onStall = (): void => {
    timer = null;
    // Everything arrived (it waits in node's buffer): the client owes nothing.
    if (req.complete) stop();
    else if (req.readableFlowing === true) violate('stalled');
  };
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (isCounted && received > options.limitBytes) violate('too-large');
    else timer?.refresh();
  };
  const onResume = (): void => {
    // Readable emits 'resume' a tick after resume(), even when pause() came in between.
    if (options.idleMs === 0 || isOver || req.complete || req.readableFlowing !== true) return;
    if (timer === null) timer = setTimeout(onStall, options.idleMs);
    else timer.refresh();
  };
  const onPause = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  req.on('data', onData);
  // A 'data' listener would set the stream flowing: the body's consumer decides that, not the guard.
  req.pause();
  req.on('pause', onPause);
  req.on('resume', onResume);
  req.once('end', stop);
  req.once('close', stop);
}
