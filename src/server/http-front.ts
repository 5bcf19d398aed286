/**
 * The HTTP front: node:http (llhttp) servers on every bind, the timeouts that
 * protect against slow clients, body buffering, routing to a gateway, the
 * access log, and graceful drain. It knows the Gateway interface, never a
 * particular gateway.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/config.js';
import type { GatewayRequest } from '../gateways/gateway.js';
import type { Logger } from '../log/logger.js';
import type { Router } from '../router.js';
import { describeAddress, listen } from './listeners.js';
import { collectBody } from './request-body.js';

export interface Front {
  /** Bind every address; resolves with their descriptions (`http://127.0.0.1:8000`). */
  listen(): Promise<string[]>;
  /** Stop accepting, let requests in flight finish (up to graceMs), then cut the rest. */
  close(graceMs: number): Promise<void>;
}

export function createFront(config: ServerConfig, router: Router, log: Logger): Front {
  const servers: Server[] = [];
  let nextId = 1;
  let inFlight = 0;
  let onIdle: (() => void) | null = null;

  const handle = (req: IncomingMessage, res: ServerResponse, isExpectContinue: boolean): void => {
    const id = nextId++;
    // Clocks are read only for the access log: they cost on the hot path.
    const startMs = log.hasAccessLog ? Date.now() : 0;
    const started = log.hasAccessLog ? performance.now() : 0;
    const match = router.match(req.url ?? '/');
    if (match === null) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 10 });
      res.end('Not Found\n');
      return;
    }
    inFlight++;
    const request: GatewayRequest = {
      id,
      req,
      res,
      body: EMPTY_BODY,
      urlScheme: 'http',
      scriptName: match.scriptName,
      get signal(): AbortSignal {
        return abortSignalFor(res);
      },
      servedBy: process.pid,
      responseBytes: 0,
      responseHeaders: null,
    };
    res.once('close', () => {
      if (--inFlight === 0 && onIdle !== null) onIdle();
      if (log.hasAccessLog) logAccess(log, request, startMs, started);
    });
    collectBody(req, { limitBytes: config.requestBufferBytes, isExpectContinue }, (body) => {
      (request as { body: GatewayRequest['body'] }).body = body;
      match.gateway.handle(request);
    });
  };

  const onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    log.debug(`http: bad request from ${socket.remoteAddress ?? 'unix socket'}: ${error.code ?? error.message}`);
    if (error.code === 'HPE_CLOSED_CONNECTION') {
      // Bytes after a request that said "close" (e.g. HTTP/1.0 pipelining):
      // ignore them; the response in flight ends the connection.
      return;
    }
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  for (let i = 0; i < config.binds.length; i++) {
    const server = createServer({
      keepAliveTimeout: config.keepAliveMs,
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: 0, // long uploads are bounded by backpressure, not a wall clock
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => handle(req, res, false));
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));
    server.on('clientError', onClientError);
    servers.push(server);
  }

  return {
    async listen(): Promise<string[]> {
      const described: string[] = [];
      for (let i = 0; i < servers.length; i++) {
        const server = servers[i] as Server;
        await listen(server, config.binds[i]!);
        described.push(describeAddress(server, 'http'));
      }
      return described;
    },
    async close(graceMs: number): Promise<void> {
      for (const server of servers) {
        server.close();
        server.closeIdleConnections();
      }
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      for (const server of servers) server.closeAllConnections();
    },
  };
}

const EMPTY_BODY: GatewayRequest['body'] = Object.freeze({ kind: 'buffered', bytes: Buffer.alloc(0) });

function abortSignalFor(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (res.writableFinished) return controller.signal;
  if (res.destroyed) controller.abort();
  else res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

function logAccess(log: Logger, request: GatewayRequest, startMs: number, started: number): void {
  const { req, res } = request;
  log.access({
    remoteAddr: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
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

function responseHeadersOf(request: GatewayRequest): Record<string, string | number | string[] | undefined> {
  const raw = request.responseHeaders;
  if (raw === null) return request.res.getHeaders() as Record<string, string | number | string[] | undefined>;
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) headers[(raw[i] as string).toLowerCase()] = raw[i + 1] as string;
  return headers;
}
