/**
 * The HTTP front: node:http (llhttp, strict, never insecureHTTPParser)
 * servers on every bind, behind the connection gate (connection-gate.ts:
 * `--worker-connections`, PROXY protocol). Per request: the checks llhttp
 * leaves to us (request-checks.ts), who the client is (forwarded.ts), the
 * body's limit and idle timeout (body-guard.ts), body buffering, routing to
 * a gateway, the access log, and graceful drain. It knows the Gateway
 * interface, never a particular gateway, and reads no HTTP bytes itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ServerConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { Router } from '../router.js';
import { addressTrust } from './address-trust.js';
import { guardBody, type BodyViolation } from './body-guard.js';
import { createConnectionGate } from './connection-gate.js';
import { resolveClient } from './forwarded.js';
import { FrontAnswers } from './front-answers.js';
import { FrontRequest, peerView } from './front-request.js';
import { describeAddress, listen } from './listeners.js';
import { collectBody } from './request-body.js';
import { checkRequest, maxHeadBytes, type Refusal } from './request-checks.js';

export interface Front {
  /** Bind every address; resolves with their descriptions (`http://127.0.0.1:8000`). */
  listen(): Promise<string[]>;
  /** Stop accepting, let requests in flight finish (up to graceMs), then cut the rest. */
  close(graceMs: number): Promise<void>;
}

/** Connections that may wait unread beyond --worker-connections: the listen backlog's size. */
const MAX_WAITING_CONNECTIONS = 2048;

export function createFront(config: ServerConfig, router: Router, log: Logger): Front {
  const { limits } = config;
  const servers: Server[] = [];
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
  const inFlight = new Set<FrontRequest>();
  let onIdle: (() => void) | null = null;
  let isDraining = false;

  const handle = (req: IncomingMessage, res: ServerResponse, isExpectContinue: boolean): void => {
    // Clocks are read only for the access log: they cost on the hot path.
    const startMs = log.hasAccessLog ? Date.now() : 0;
    const started = log.hasAccessLog ? performance.now() : 0;
    const request = new FrontRequest(nextId++, req, res, peerView(req.socket, gate.proxiedPeer(req.socket)), limits.headerMap === 'dangerous');
    inFlight.add(request);
    answers.track(request);
    // Draining: answer, then close, so that no client or load balancer sends another request here.
    if (isDraining) res.shouldKeepAlive = false;
    res.once('close', () => {
      inFlight.delete(request);
      if (inFlight.size === 0 && onIdle !== null) onIdle();
      if (log.hasAccessLog) logAccess(log, request, startMs, started);
    });
    const refusal = checkRequest(req, limits) ?? applyClient(request);
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
    if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
      guardBody(req, { limitBytes: limits.bodyBytes, idleMs: limits.bodyTimeoutMs }, (violation) => onBodyViolation(request, violation));
    }
    collectBody(req, { limitBytes: config.requestBufferBytes, isExpectContinue }, (body) => {
      if (request.isEnded) return;
      request.body = body;
      match.gateway.handle(request);
    });
  };

  /** Forwarded / X-Forwarded-* from a trusted peer; a refusal when they contradict themselves. */
  const applyClient = (request: FrontRequest): Refusal | null => {
    const resolved = resolveClient(request.req.headers, request.client, forwardedTrust);
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

  for (let i = 0; i < config.binds.length; i++) {
    const server = createServer({
      keepAliveTimeout: config.keepAliveMs,
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: 0, // long uploads are bounded by backpressure and --body-timeout, not a wall clock
      // How often node looks for heads past headersTimeout: a 408 comes within this much of it.
      connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(config.headersTimeoutMs / 10))),
      maxHeaderSize: maxHeadBytes(limits),
      insecureHTTPParser: false, // even under node --insecure-http-parser
      requireHostHeader: true,
    });
    // One over the limit, so that checkRequest sees that there were too many (node drops the rest).
    server.maxHeadersCount = limits.headerFields + 1;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => handle(req, res, false));
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));
    server.on('clientError', answers.onClientError);
    server.on('connect', answers.onConnect);
    server.on('checkExpectation', answers.onCheckExpectation);
    gate.attach(server);
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
      isDraining = true;
      for (const { res } of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      gate.closeAll();
      for (const server of servers) {
        server.close();
        server.closeIdleConnections();
      }
      if (inFlight.size > 0) {
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
