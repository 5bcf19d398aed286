/**
 * One request through one running script, the shape of Go's
 * net/http/cgi Handler.ServeHTTP: spawn, body to stdin, the response head
 * parsed off stdout (response-head.ts), then the body streamed to the client
 * with backpressure (chunked unless the script or a whole small response
 * gives a length). NPH scripts are copied raw (nph-output.ts).
 *
 * Failures (RFC 3875 §6 broken, no output, a timeout, a script that dies
 * mid-body) become a 502/504 before the head is sent and a cut connection
 * after it, never a response that looks complete; the log line is written
 * once the script is reaped, with its exit status and first stderr lines.
 * A lost client or a timeout kills the script's whole process group.
 * Not here: which script runs, its environment, the process bound.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '../../log/logger.js';
import { cutConnection, sendPlain, type GatewayRequest } from '../gateway.js';
import { copyRawOutput, statusOfRawResponse } from './nph-output.js';
import { feedStdin } from './request-stdin.js';
import { ResponseHeadParser, type HeadErrorCode, type HeadStep, type ResponseHead } from './response-head.js';
import { ScriptProcess, type ScriptCommand, type ScriptExit } from './script-process.js';
import type { SpawnerPool } from './script-spawner.js';

export interface ExchangeOptions {
  readonly log: Logger;
  /** Inactivity bound (`--cgi-timeout`); 0 = none. */
  readonly timeoutMs: number;
  readonly isNph: boolean;
  /** The script answered with a local redirect (§6.2.2): serve this path instead. */
  readonly onLocalRedirect: (location: string) => void;
  /** The script was reaped, or never started: its process slot is free. */
  readonly onReaped: () => void;
  /** The spawner helpers (`--cgi-spawners`), or null: node's own spawn. */
  readonly spawners: SpawnerPool | null;
}

/** head: parsing; hold: head parsed, not yet sent; body: head sent; raw: NPH; discard: local redirect; done. */
type Phase = 'head' | 'hold' | 'body' | 'raw' | 'discard' | 'done';

/** The stable codes of the log line (docs/cgi.md lists them with their answers). */
type FailureCode = HeadErrorCode | 'XGI_CGI_EXIT' | 'XGI_CGI_TRUNCATED' | 'XGI_CGI_TIMEOUT' | 'XGI_CGI_SPAWN_FAILED' | 'XGI_CGI_NPH_PIPELINED';

interface Failure {
  readonly code: FailureCode;
  readonly detail: string;
}

export class ScriptExchange {
  readonly #request: GatewayRequest;
  readonly #res: ServerResponse;
  readonly #options: ExchangeOptions;
  readonly #parser = new ResponseHeadParser();
  #script: ScriptProcess | null = null;
  #filename = '';
  #phase: Phase = 'head';
  #head: ResponseHead | null = null;
  #held: Buffer[] = [];
  #bodyBytes = 0;
  #isOverlong = false;
  #isOutputEnded = false;
  #isWaitingDrain = false;
  #timer: NodeJS.Timeout | null = null;
  #failure: Failure | null = null;

  constructor(request: GatewayRequest, options: ExchangeOptions) {
    this.#request = request;
    this.#res = request.res;
    this.#options = options;
  }

  /** Spawn the script and start both streams; answers 500 itself when it cannot be started. */
  start(command: ScriptCommand): void {
    this.#res.once('close', this.#onClientClose);
    this.#filename = command.filename;
    let script: ScriptProcess;
    try {
      script = new ScriptProcess(command, this.#options.log, {
        onStart: () => this.#onStarted(),
        onExit: (exit) => this.#onExit(exit),
        onSpawnError: (error) => this.#fail('XGI_CGI_SPAWN_FAILED', `cannot be run: ${error.code ?? error.message}`, 500),
        onClose: () => this.#onScriptClose(),
      }, this.#options.spawners);
    } catch (error) {
      // Arguments node refuses before forking (ERR_INVALID_ARG_VALUE): a bug or an impossible env.
      this.#fail('XGI_CGI_SPAWN_FAILED', `cannot be run: ${(error as Error).message}`, 500);
      this.#logFailure();
      this.#options.onReaped();
      return;
    }
    this.#script = script;
    this.#request.servedBy = process.pid;
    if (this.#options.timeoutMs > 0) this.#timer = setTimeout(this.#onTimeout, this.#options.timeoutMs);
    if (script.isStarted) this.#onStarted();
  }

  /** The script runs and its stdio is there (at once, or when a spawner hands it over). */
  #onStarted(): void {
    const script = this.#script as ScriptProcess;
    const stdout = script.stdout as Readable;
    this.#request.servedBy = script.pid || process.pid;
    if (script.stdin !== null) {
      if (this.#phase === 'done') script.stdin.destroy(); // the client left while it was being spawned
      else feedStdin(this.#request, script.stdin, this.#touch);
    }
    stdout.on('data', this.#onStdout);
    stdout.once('end', this.#onStdoutEnd);
    stdout.on('error', () => {}); // a killed script's pipe; its exit tells the story
  }

  /** Shutdown past the grace period: kill the script's process group now. */
  kill(): void {
    this.#script?.killGroup();
  }

  readonly #touch = (): void => {
    this.#timer?.refresh();
  };

  readonly #onStdout = (chunk: Buffer): void => {
    this.#touch();
    switch (this.#phase) {
      case 'head':
        if (this.#options.isNph) this.#startRaw(chunk);
        else this.#onHeadStep(this.#parser.push(chunk));
        return;
      case 'hold':
        this.#hold(chunk);
        return;
      case 'body':
        this.#writeBody(chunk);
        return;
      case 'raw':
        this.#writeRaw(chunk);
        return;
      case 'discard':
      case 'done':
        return;
    }
  };

  readonly #onStdoutEnd = (): void => {
    this.#isOutputEnded = true;
    if (this.#phase === 'head' && !this.#options.isNph) {
      const step = this.#parser.end();
      if (step.kind === 'error') this.#fail(step.code, step.detail);
    }
    this.#settle();
  };

  #onExit(exit: ScriptExit): void {
    this.#options.onReaped();
    if (exit.code !== 0) this.#script?.killGroup(); // whatever it left behind goes with it
    this.#settle();
  }

  #onHeadStep(step: HeadStep): void {
    if (step.kind === 'more') return;
    if (step.kind === 'error') {
      this.#fail(step.code, step.detail);
      return;
    }
    const head = step.head;
    if (head.kind === 'local-redirect') {
      // Apache discards the rest of the script's output; the script runs on to its exit.
      this.#phase = 'discard';
      // The response is the redirect target's now; this script only runs out its output.
      this.#res.off('close', this.#onClientClose);
      this.#options.onLocalRedirect(head.location ?? '/');
      return;
    }
    this.#head = head;
    this.#phase = 'hold';
    if (step.rest.length > 0) this.#hold(step.rest);
    if (this.#phase !== 'hold' || !head.isBodyAllowed) return;
    // With a length from the script, framing is settled: send the head now. Without one,
    // wait one turn of the event loop: a script that is already done gets Content-Length.
    if (head.contentLength !== null) this.#commit();
    else setImmediate(() => this.#commit());
  }

  #hold(chunk: Buffer): void {
    if (!(this.#head as ResponseHead).isBodyAllowed) {
      this.#fail('XGI_CGI_NO_CONTENT_TYPE', 'a body without Content-Type');
      return;
    }
    this.#held.push(chunk);
  }

  /** Send the head and what is held; from now on the body streams. */
  #commit(): void {
    if (this.#phase !== 'hold') return;
    const head = this.#head as ResponseHead;
    if (!this.#writeHead(head.headers)) return;
    this.#phase = 'body';
    const held = this.#held;
    this.#held = [];
    for (const chunk of held) this.#writeBody(chunk);
  }

  #writeHead(headers: readonly string[]): boolean {
    const head = this.#head as ResponseHead;
    this.#request.responseHeaders = headers;
    try {
      if (head.reason === null) this.#res.writeHead(head.status, headers as string[]);
      else this.#res.writeHead(head.status, head.reason, headers as string[]);
      return true;
    } catch (error) {
      // node:http refuses what no client should see (ERR_INVALID_CHAR, bad reason phrase).
      this.#fail('XGI_CGI_MALFORMED_HEADER', (error as Error).message);
      return false;
    }
  }

  #writeBody(chunk: Buffer): void {
    const length = (this.#head as ResponseHead).contentLength;
    let piece = chunk;
    if (length !== null && this.#bodyBytes + piece.length > length) {
      // More than it declared: the rest would corrupt the connection.
      if (!this.#isOverlong) {
        this.#isOverlong = true;
        const { id, req } = this.#request;
        this.#options.log.warning(`cgi: request ${id} ${req.method} ${req.url}: ${this.#filename}: `
          + `output longer than its Content-Length (${length} bytes): the rest is dropped`);
      }
      piece = piece.subarray(0, length - this.#bodyBytes);
      if (piece.length === 0) return;
    }
    this.#bodyBytes += piece.length;
    this.#request.responseBytes += piece.length;
    if (!this.#res.write(piece)) this.#waitForDrain(this.#res);
  }

  #startRaw(chunk: Buffer): void {
    if (this.#res.socket === null) {
      // node:http hands a pipelined request its socket only when the one before is done.
      this.#fail('XGI_CGI_NPH_PIPELINED', 'an NPH response behind an unfinished pipelined one');
      return;
    }
    this.#phase = 'raw';
    const status = statusOfRawResponse(chunk);
    if (status !== null) this.#res.statusCode = status; // for the access log only; nothing is written through res
    this.#writeRaw(chunk);
  }

  #writeRaw(chunk: Buffer): void {
    this.#request.responseBytes += chunk.length;
    const socket = this.#res.socket;
    if (socket !== null && !copyRawOutput(socket, chunk)) this.#waitForDrain(socket);
  }

  /** Backpressure: stop reading the script until the client has taken what we wrote. */
  #waitForDrain(sink: NodeJS.EventEmitter): void {
    if (this.#isWaitingDrain) return;
    this.#isWaitingDrain = true;
    this.#script?.stdout?.pause();
    sink.once('drain', () => {
      this.#isWaitingDrain = false;
      this.#touch();
      this.#script?.stdout?.resume();
    });
  }

  /** Output ended and the exit is known: finish the response, or call it truncated. */
  #settle(): void {
    const exit = this.#script?.exit ?? null;
    if (!this.#isOutputEnded || exit === null) return;
    const isClean = exit.code === 0;
    switch (this.#phase) {
      case 'hold':
        if (isClean) this.#endWhole();
        else this.#fail('XGI_CGI_EXIT', 'failed after its head');
        return;
      case 'body':
        if (this.#isBodyComplete(isClean)) this.#end();
        else this.#fail('XGI_CGI_TRUNCATED', 'the body is incomplete');
        return;
      case 'raw':
        this.#phase = 'done';
        this.#clearTimer();
        this.#res.socket?.end();
        return;
      case 'head': // an NPH script that wrote nothing
        this.#fail('XGI_CGI_NO_OUTPUT', 'no output');
        return;
      case 'discard':
      case 'done':
        this.#clearTimer();
        return;
    }
  }

  #isBodyComplete(isClean: boolean): boolean {
    if (this.#request.req.method === 'HEAD') return true;
    const length = (this.#head as ResponseHead).contentLength;
    return length === null ? isClean : this.#bodyBytes === length;
  }

  /** The whole response is in hand: one write, with Content-Length. */
  #endWhole(): void {
    const head = this.#head as ResponseHead;
    const body = this.#held.length === 1 ? (this.#held[0] as Buffer) : Buffer.concat(this.#held);
    this.#held = [];
    const hasBody = head.status !== 204 && head.status !== 304 && this.#request.req.method !== 'HEAD';
    const headers = hasBody && head.contentLength === null ? [...head.headers, 'Content-Length', String(body.length)] : head.headers;
    if (!this.#writeHead(headers)) return;
    this.#phase = 'body';
    this.#bodyBytes = body.length;
    this.#request.responseBytes += body.length;
    this.#end(body);
  }

  #end(body?: Buffer): void {
    this.#phase = 'done';
    this.#clearTimer();
    if (body !== undefined && body.length > 0) this.#res.end(body);
    else this.#res.end();
  }

  readonly #onTimeout = (): void => {
    if (this.#isWaitingDrain) {
      this.#touch(); // the client is slow, not the script
      return;
    }
    if (this.#phase === 'discard' || this.#phase === 'done') {
      this.#script?.killGroup();
      return;
    }
    this.#fail('XGI_CGI_TIMEOUT', `silent for ${this.#options.timeoutMs} ms`, 504);
  };

  /**
   * The front ended the request early (body too large, stalled or
   * malformed: it answered 413/408/400 itself): stop the script as if the
   * client had left.
   */
  cancel(): void {
    this.#onClientClose(true);
  }

  readonly #onClientClose = (isCancelled = false): void => {
    if (this.#phase === 'done' || (this.#res.writableFinished && !isCancelled)) return;
    const phase = this.#phase;
    this.#phase = 'done';
    this.#clearTimer();
    this.#script?.killGroup();
    if (phase !== 'discard') {
      const { id, req } = this.#request;
      this.#options.log.debug(`cgi: request ${id} ${req.method} ${req.url}: client went away; killed the process group of ${this.#script?.filename ?? 'the script'} (pid ${this.#script?.pid ?? 0})`);
    }
  };

  /** A plain 5xx before the head is out, a cut connection after; the log line waits for the reaping. */
  #fail(code: FailureCode, detail: string, status = 502): void {
    if (this.#phase === 'done' || this.#failure !== null) return;
    const wasSent = this.#phase === 'body' || this.#phase === 'raw';
    this.#phase = 'done';
    this.#failure = { code, detail };
    this.#clearTimer();
    this.#script?.killGroup();
    if (wasSent) cutConnection(this.#res);
    else sendPlain(this.#res, status, true);
  }

  #onScriptClose(): void {
    if (this.#failure !== null) this.#logFailure();
    if (this.#script?.pid === 0) this.#options.onReaped(); // never started: no exit comes
  }

  /** `cgi: request 7 GET /cgi-bin/x.sh: /srv/cgi-bin/x.sh (pid 12 exited with status 3): no output [XGI_CGI_NO_OUTPUT]; stderr: ...` */
  #logFailure(): void {
    const failure = this.#failure as Failure;
    const { id, req } = this.#request;
    const script = this.#script?.describe() ?? this.#filename;
    this.#options.log.error(`cgi: request ${id} ${req.method} ${req.url}: ${script}: ${failure.detail} [${failure.code}]${this.#script?.stderrSummary() ?? ''}`);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
