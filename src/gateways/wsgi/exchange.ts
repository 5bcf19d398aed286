/**
 * One WSGI request on its way through a worker: the REQUEST frame out, the
 * response frames back into node:http's ServerResponse, the request body
 * pulled on demand (READ), the response body credited as soon as the client
 * or the spool (response-spool.ts) has taken it (CREDIT), and CANCEL when the
 * client goes away. It is the pool's Job
 * and the worker's StreamSink for that request.
 */
import { cutConnection, sendPlain, type GatewayRequest } from '../gateway.js';
import type { Logger } from '../../log/logger.js';
import type { Job, Pool } from '../../workers/pool.js';
import type { StreamSink, Worker, WorkerLoss } from '../../workers/worker.js';
import { END, encodeFrame, encodeU32, FrameType, type Frame } from '../../workers/protocol/frames.js';
import { decodeResponsePayload } from '../../workers/protocol/messages.js';
import { BodyPump } from './body-pump.js';
import { writeHead } from './response-head.js';
import { ResponseSpool, type SpoolLimits } from './response-spool.js';

export class Exchange implements Job, StreamSink {
  readonly #request: GatewayRequest;
  readonly #pool: Pool;
  readonly #log: Logger;
  /** The REQUEST frame (its buffers: messages.ts encodeRequestParts), kept to resend with a new stream id after HANDBACK. */
  readonly #frame: readonly Buffer[];
  /** Set by the pool (Job). */
  submittedAt = 0;
  #worker: Worker | null = null;
  #stream = 0;
  #body: BodyPump | null = null;
  #isDone = false;
  #isClientGone = false;
  #isFailed = false;
  /** Response bytes the spool could not take yet: credited when it has room. */
  #pendingCredit = 0;
  #spool: ResponseSpool | null = null;
  readonly #spoolLimits: SpoolLimits;

  constructor(request: GatewayRequest, frame: readonly Buffer[], deps: { pool: Pool; log: Logger; spool: SpoolLimits }) {
    this.#request = request;
    this.#frame = frame;
    this.#pool = deps.pool;
    this.#log = deps.log;
    this.#spoolLimits = deps.spool;
    request.res.once('close', this.#onClose);
    // A streamed body can be cut short by the front (over --limit-request-body,
    // --body-timeout): it then answers the client itself, and the app must stop.
    if (request.body.kind === 'stream') request.signal.addEventListener('abort', this.#onEndedByFront, { once: true });
  }

  /** Waiting on the client (its reading or its uploading), which --timeout must not blame on the worker. */
  get isBlockedOnClient(): boolean {
    return this.#pendingCredit > 0 || this.#body?.isWaitingOnClient === true;
  }

  start(worker: Worker): void {
    if (this.#isClientGone) return;
    this.#worker = worker;
    this.#stream = worker.openStream(this);
    this.#request.servedBy = worker.pid;
    (this.#frame[0] as Buffer).writeUInt32BE(this.#stream, 6);
    for (const part of this.#frame) worker.send(part);
  }

  abandon(why: string): void {
    this.#fail(503, why);
  }

  onFrame(frame: Frame): void {
    switch (frame.type) {
      case FrameType.RESPONSE:
        this.#onResponse(frame);
        return;
      case FrameType.DATA:
        this.#write(frame.payload, (frame.flags & END) !== 0);
        return;
      case FrameType.READ:
        this.#onRead(frame.payload.readUInt32BE(0));
        return;
      case FrameType.ABORT:
        this.#onAbort(frame.payload.toString('utf8'));
        return;
      case FrameType.HANDBACK:
        this.#worker = null;
        this.#pool.requeue(this);
        return;
      default:
        this.#log.error(`wsgi: request ${this.#request.id}: unexpected frame 0x${frame.type.toString(16)} from worker`);
        this.#worker?.kill();
    }
  }

  onWorkerLost(reason: WorkerLoss, how: string): void {
    this.#worker = null;
    this.#fail(reason === 'timeout' ? 504 : 502, `${how} while serving it`);
  }

  #onResponse(frame: Frame): void {
    if (this.#isClientGone || this.#isFailed) return;
    const head = decodeResponsePayload(frame.payload);
    const isComplete = (frame.flags & END) !== 0;
    this.#request.responseHeaders = head.headers;
    const problem = writeHead(this.#request.res, head.status, head.headers);
    if (problem !== null) {
      this.#cancel();
      this.#fail(502, problem);
      return;
    }
    this.#write(head.body, isComplete);
  }

  #write(body: Buffer, isLast: boolean): void {
    const res = this.#request.res;
    if (this.#isClientGone || this.#isFailed) return;
    this.#request.responseBytes += body.length;
    if (isLast && this.#spool === null) {
      // The common case: the whole rest of the body in one frame.
      this.#isDone = true;
      if (body.length === 0) res.end();
      // A small body as a latin-1 string: node:http then sends head and body
      // in one write instead of a two-buffer writev.
      else if (body.length <= SMALL_BODY_BYTES) res.end(body.toString('latin1'), 'latin1');
      else res.end(body);
      return;
    }
    if (body.length === 0 && !isLast) return; // a head alone: its body follows in DATA frames
    const spool = this.#spool ?? this.#openSpool();
    if (body.length > 0) {
      if (spool.write(body)) this.#credit(body.length);
      else this.#pendingCredit += body.length; // full: the worker waits for the client
    }
    if (isLast) {
      this.#isDone = true;
      spool.end();
    }
  }

  #openSpool(): ResponseSpool {
    const spool = new ResponseSpool(this.#request.res, this.#spoolLimits);
    spool.onRoom(() => {
      const bytes = this.#pendingCredit;
      this.#pendingCredit = 0;
      if (bytes > 0) this.#credit(bytes);
    });
    spool.onError((error) => {
      this.#log.error(`wsgi: request ${this.#request.id}: response spool failed: ${error.message}`);
      this.#cancel();
      this.#isFailed = true;
      cutConnection(this.#request.res);
    });
    this.#spool = spool;
    return spool;
  }

  /** The client (or the spool) took these bytes: the worker may send as many more. */
  #credit(bytes: number): void {
    if (this.#worker === null || this.#isDone) return;
    this.#worker.send(encodeFrame(FrameType.CREDIT, 0, this.#stream, encodeU32(bytes)));
  }

  #onRead(bytes: number): void {
    const { req, res, body } = this.#request;
    if (this.#body === null) {
      if (body.kind !== 'stream') {
        // The whole body went with REQUEST; nothing more will come.
        this.#worker?.send(encodeFrame(FrameType.BODY, END, this.#stream));
        return;
      }
      if (body.isExpectContinue && !res.headersSent) res.writeContinue();
      const worker = this.#worker;
      const stream = this.#stream;
      this.#body = new BodyPump(req, body.head, (chunk, isLast) => {
        worker?.send(encodeFrame(FrameType.BODY, isLast ? END : 0, stream, chunk));
      });
    }
    this.#body.grant(bytes);
  }

  #onAbort(reason: string): void {
    this.#isDone = true;
    this.#body?.stop();
    this.#spool?.close();
    if (this.#isClientGone || this.#isFailed) return;
    const res = this.#request.res;
    if (!res.headersSent) {
      this.#fail(500, reason, false);
    } else {
      cutConnection(res);
    }
  }

  /** Answer with a plain error before headers, or cut the connection after. */
  #fail(status: number, why: string, shouldLog = true): void {
    this.#isDone = true;
    this.#isFailed = true;
    this.#body?.stop();
    this.#spool?.close();
    const { res, req, id } = this.#request;
    if (shouldLog) this.#log.error(`wsgi: request ${id} ${req.method} ${req.url}: ${why}`);
    if (this.#isClientGone) return;
    if (res.headersSent) {
      cutConnection(res);
      return;
    }
    sendPlain(res, status, true);
  }

  readonly #onEndedByFront = (): void => {
    if (this.#isClientGone) return;
    this.#isClientGone = true;
    this.#cancel();
  };

  readonly #onClose = (): void => {
    if (this.#request.res.writableFinished) return;
    this.#isClientGone = true;
    this.#cancel();
  };

  #cancel(): void {
    this.#body?.stop();
    this.#spool?.close();
    if (this.#worker !== null && !this.#isDone && this.#worker.hasStream(this.#stream)) {
      this.#worker.send(encodeFrame(FrameType.CANCEL, 0, this.#stream));
    }
  }
}

const SMALL_BODY_BYTES = 8192;

