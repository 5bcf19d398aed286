/**
 * The HTTP front: node:http (llhttp, strict, never insecureHTTPParser)
 * servers on every bind, and on a bind with TLS node:http2's secure server
 * (secure-server.ts: HTTP/2 by ALPN, HTTP/1.1 over TLS as the fallback),
 * behind the connection gate (connection-gate.ts: `--worker-connections`,
 * PROXY protocol). Per request, whatever the protocol: the checks the parser
 * leaves to us (request-checks.ts, http2-request.ts), who the client is
 * (forwarded.ts), the body's limit and idle timeout (body-guard.ts), body
 * buffering, routing to a gateway, the access log, and graceful drain. It
 * knows the Gateway interface, never a particular gateway, and reads no HTTP
 * bytes itself.
 *
 * An HTTP/2 stream takes the same path as an HTTP/1.1 request: node's
 * compatibility objects stand in for IncomingMessage and ServerResponse, with
 * a Host field (http2-request.ts) and a response that takes HTTP/1.1 heads
 * (http2-response.ts), so gateways need not know HTTP/2. Plain-HTTP listeners
 * pay nothing for it.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Server, Socket } from 'node:net';
import type { BindAddress, ServerConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { ClientView } from '../gateways/gateway.js';
import type { Router } from '../router.js';
import { LiveSet } from './live-set.js';
import { addressTrust } from './address-trust.js';
import { guardBody, type BodyViolation } from './body-guard.js';
import { createConnectionGate } from './connection-gate.js';
import { resolveClient } from './forwarded.js';
import { FrontAnswers } from './front-answers.js';
import { FrontRequest, peerView } from './front-request.js';
import { addHostField, checkHttp2Request, hasUnknownLength, isHttp2Request } from './http2-request.js';
import { describeAddress, listen } from './listeners.js';
import { collectBody } from './request-body.js';
import { checkRequest, maxHeadBytes, type Refusal } from './request-checks.js';
import type { Http1Options } from './secure-server.js';

export interface Front {
  /** Bind every address; resolves with their descriptions (`http://127.0.0.1:8000`). */
  listen(): Promise<string[]>;
  /** Stop accepting, let requests in flight finish (up to graceMs), then cut the rest. */
  close(graceMs: number): Promise<void>;
  /** How many requests have come in so far (idle-memory.ts watches it). */
  readonly requestsSeen: number;
}

/** Connections that may wait unread beyond --worker-connections: the listen backlog's size. */
const MAX_WAITING_CONNECTIONS = 2048;

type SecureServers = typeof import('./secure-server.js');

/** How a request came: plain HTTP/1.x, HTTP/1.1 over TLS, or an HTTP/2 stream (always over TLS). */
type Arrival = 'http' | 'https' | 'h2';

/** One bound server and what starting and stopping it takes. */
interface Listener {
  readonly server: Server;
  readonly bind: BindAddress;
  readonly scheme: 'http' | 'https';
  /** Just before listening (a TLS listener reads its certificate files). */
  prepare(): void;
  /** Stop accepting; close idle connections, let busy ones finish. */
  drain(): void;
  /** Close every connection now. */
  closeAll(): void;
}

export async function createFront(config: ServerConfig, router: Router, log: Logger): Promise<Front> {
  const { limits } = config;
  const listeners: Listener[] = [];
  const forwardedTrust = addressTrust(config.proxies.forwardedAllowIps);
  const gate = createConnectionGate({
    maxConnections: limits.connections,
    maxWaiting: MAX_WAITING_CONNECTIONS,
    proxyFrom: config.proxies.proxyProtocol ? addressTrust(config.proxies.proxyAllowFrom) : null,
    preambleTimeoutMs: config.headersTimeoutMs,
  }, log);
  const answers = new FrontAnswers(log);
  let nextId = 1;
  /** Requests not yet answered in full: graceful close waits for them. */
  const inFlight = new LiveSet<FrontRequest>();
  let onIdle: (() => void) | null = null;
  let isDraining = false;
  /** `--keep-alive 0`: every HTTP/1.x response closes its connection. */
  const isKeepAliveOff = config.keepAliveMs === 0;

  /** One request, from any listener; `arrival` costs a plain listener a string compare or two. */
  const handle = (req: IncomingMessage, res: ServerResponse, isExpectContinue: boolean, arrival: Arrival): void => {
    // Clocks are read only for the access log: they cost on the hot path.
    const startMs = log.hasAccessLog ? Date.now() : 0;
    const started = log.hasAccessLog ? performance.now() : 0;
    const request = new FrontRequest(nextId++, req, res, peerOf(req.socket, arrival), limits.headerMap === 'dangerous');
    if (arrival !== 'http') request.urlScheme = 'https';
    inFlight.add(request);
    answers.track(request);
    // Draining: answer, then close, so that no client or load balancer sends another request here
    // (an HTTP/2 session was sent GOAWAY instead; the flag is then unused).
    if (isDraining || (isKeepAliveOff && arrival !== 'h2')) res.shouldKeepAlive = false;
    res.once('close', () => {
      inFlight.delete(request);
      if (inFlight.size === 0 && onIdle !== null) onIdle();
      if (log.hasAccessLog) logAccess(log, request, startMs, started);
    });
    // Pipelined behind a response not yet done: node:http gives this one the
    // socket only after that one finishes, and never says a word to it when the
    // connection closes first (an NPH script's raw response ends it, a client
    // leaves). Without this its 'close' never comes: the gateway would go on
    // for a gone client, and a graceful shutdown would wait for it.
    if (res.socket === null && arrival !== 'h2') closeWhenConnectionDoes(req.socket, res);
    const refusal = (arrival === 'h2' ? checkStream(req) : checkRequest(req, limits)) ?? applyClient(request);
    if (refusal !== null) {
      answers.refuse(request, refusal);
      return;
    }
    const match = router.match({ host: request.client.forwardedHost ?? req.headers.host ?? '', path: req.url ?? '/', method: req.method ?? 'GET' });
    if (match === null) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 10 });
      res.end('Not Found\n');
      return;
    }
    request.scriptName = match.scriptName;
    const length = req.headers['content-length'];
    // A body of unknown length: chunked on HTTP/1.1, DATA frames without Content-Length on HTTP/2.
    const isLengthUnknown = arrival === 'h2' ? hasUnknownLength(req as unknown as Http2ServerRequest) : req.headers['transfer-encoding'] !== undefined;
    if (isLengthUnknown || (length !== undefined && length !== '0')) {
      guardBody(req, { limitBytes: limits.bodyBytes, idleMs: limits.bodyTimeoutMs }, (violation) => onBodyViolation(request, violation));
    }
    collectBody(req, { limitBytes: config.requestBufferBytes, isExpectContinue, isLengthUnknown }, (body) => {
      if (request.isEnded) return;
      request.body = body;
      match.gateway.handle(request);
    });
  };

  /** The connection's peer, or the client its PROXY header named (kept by the gate on the socket under TLS). */
  const peerOf = (socket: Socket, arrival: Arrival): ClientView =>
    peerView(socket, gate.proxiedPeer(arrival === 'http' ? socket : rawSocketOf(socket)));

  /** An HTTP/2 request's checks; once they pass, it has the Host field :authority stands for. */
  const checkStream = (req: IncomingMessage): Refusal | null => {
    const stream = req as unknown as Http2ServerRequest;
    const refusal = checkHttp2Request(stream, limits);
    if (refusal === null) addHostField(stream);
    return refusal;
  };

  /** Forwarded / X-Forwarded-* from a trusted peer; a refusal when they contradict themselves. */
  const applyClient = (request: FrontRequest): Refusal | null => {
    const resolved = resolveClient(request.req.headers, request.client, forwardedTrust, request.urlScheme);
    if (resolved === null) return null;
    if (!resolved.ok) return { status: 400, reason: resolved.reason };
    request.client = resolved.client;
    request.urlScheme = resolved.urlScheme;
    return null;
  };

  const onBodyViolation = (request: FrontRequest, violation: BodyViolation): void => {
    if (violation === 'too-large') answers.endEarly(request, 413, `body over --limit-request-body ${limits.bodyBytes} bytes`);
    else answers.endEarly(request, 408, `no body bytes for --body-timeout ${limits.bodyTimeoutMs / 1000} s`);
  };

  // node:http's options, for plain listeners and for HTTP/1.1 over TLS alike.
  const http1: Http1Options = {
    keepAliveTimeout: config.keepAliveMs,
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: 0, // long uploads are bounded by backpressure and --body-timeout, not a wall clock
    // How often node looks for heads past headersTimeout: a 408 comes within this much of it.
    connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(config.headersTimeoutMs / 10))),
    maxHeaderSize: maxHeadBytes(limits),
    insecureHTTPParser: false, // even under node --insecure-http-parser
    requireHostHeader: true,
  };
  // One over the limit, so that checkRequest sees that there were too many (node drops the rest).
  const maxHeadersCount = limits.headerFields + 1;

  const plainListener = (bind: BindAddress): Listener => {
    const server: HttpServer = createServer(http1);
    server.maxHeadersCount = maxHeadersCount;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => handle(req, res, false, 'http'));
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true, 'http'));
    server.on('clientError', answers.onClientError);
    server.on('connect', answers.onConnect);
    server.on('checkExpectation', answers.onCheckExpectation);
    return {
      server,
      bind,
      scheme: 'http',
      prepare: () => {},
      drain: () => {
        server.close();
        server.closeIdleConnections();
      },
      closeAll: () => server.closeAllConnections(),
    };
  };

  const secureListener = (servers: SecureServers, bind: BindAddress & { readonly tls: NonNullable<BindAddress['tls']> }): Listener => {
    const secure = servers.createSecureServer({
      tls: bind.tls,
      http1,
      maxHeadersCount,
      maxHeadBytes: maxHeadBytes(limits),
      idleMs: isKeepAliveOff ? config.headersTimeoutMs : config.keepAliveMs,
      firstRequestMs: config.headersTimeoutMs,
    }, log);
    const { server } = secure;
    // Both protocols come as 'request': an HTTP/2 stream as node's compatibility objects.
    const onRequest = (isExpectContinue: boolean) => (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
      if (isHttp2Request(req)) handle(req as unknown as IncomingMessage, res as unknown as ServerResponse, isExpectContinue, 'h2');
      else handle(req, res as ServerResponse, isExpectContinue, 'https');
    };
    server.on('request', onRequest(false));
    server.on('checkContinue', onRequest(true));
    server.on('clientError', answers.onClientError);
    server.on('checkExpectation', (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) =>
      answers.onCheckExpectation(req as IncomingMessage, res as ServerResponse));
    // HTTP/1.1 hands over the socket, HTTP/2 the stream's response.
    server.on('connect', (req: IncomingMessage | Http2ServerRequest, socketOrRes: Socket | Http2ServerResponse) => {
      if (isHttp2Request(req)) answers.onStreamConnect(req as unknown as IncomingMessage, socketOrRes as unknown as ServerResponse);
      else answers.onConnect(req, socketOrRes as Socket);
    });
    return {
      server,
      bind,
      scheme: 'https',
      prepare: () => secure.loadCredentials(),
      drain: () => secure.drain(),
      closeAll: () => secure.closeAll(),
    };
  };

  for (const bind of config.binds) {
    // node:tls and node:http2 (about 1.5 MB of RSS) are loaded only for a TLS listener.
    const listener = bind.tls === undefined ? plainListener(bind) : secureListener(await import('./secure-server.js'), { ...bind, tls: bind.tls });
    gate.attach(listener.server, listener.scheme === 'https');
    listeners.push(listener);
  }

  return {
    get requestsSeen(): number {
      return nextId - 1;
    },
    async listen(): Promise<string[]> {
      const described: string[] = [];
      for (const listener of listeners) {
        listener.prepare();
        await listen(listener.server, listener.bind);
        described.push(describeAddress(listener.server, listener.scheme));
      }
      return described;
    },
    async close(graceMs: number): Promise<void> {
      isDraining = true;
      for (const { res } of inFlight.snapshot()) if (!res.headersSent) res.shouldKeepAlive = false;
      gate.closeAll();
      for (const listener of listeners) listener.drain();
      if (inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      for (const listener of listeners) listener.closeAll();
    },
  };
}

/** Per connection, the responses queued behind another one: one 'close' listener however deep the pipeline. */
const queuedResponses = new WeakMap<Socket, Set<ServerResponse>>();

/** A queued response's 'close' when its connection closes before it ever got the socket. */
function closeWhenConnectionDoes(socket: Socket, res: ServerResponse): void {
  let queued = queuedResponses.get(socket);
  if (queued === undefined) {
    const responses = new Set<ServerResponse>();
    queued = responses;
    queuedResponses.set(socket, responses);
    socket.once('close', () => {
      for (const waiting of responses) waiting.emit('close');
      responses.clear();
    });
  }
  queued.add(res);
  // Its turn came: from now on node:http reports its 'close' itself.
  res.once('socket', () => queued.delete(res));
}

function logAccess(log: Logger, request: FrontRequest, startMs: number, started: number): void {
  const { req, res } = request;
  log.access({
    remoteAddr: request.client.address,
    method: req.method ?? '',
    target: req.url ?? '',
    httpVersion: req.httpVersion,
    status: res.statusCode,
    responseBytes: request.responseBytes,
    startMs,
    durationUs: Math.round((performance.now() - started) * 1000),
    requestHeaders: req.headers,
    responseHeaders: responseHeadersOf(request),
    pid: request.servedBy,
  });
}

function responseHeadersOf(request: FrontRequest): Record<string, string | number | string[] | undefined> {
  const raw = request.responseHeaders;
  if (raw === null) return request.res.getHeaders() as Record<string, string | number | string[] | undefined>;
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) headers[(raw[i] as string).toLowerCase()] = raw[i + 1] as string;
  return headers;
}

/**
 * The connection a TLS socket reads from (where the connection gate keeps a
 * PROXY header's client): node's TLSSocket keeps it as _parent, and an h2
 * request's socket is a proxy to the TLSSocket.
 */
function rawSocketOf(socket: Socket): Socket {
  return (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
}
