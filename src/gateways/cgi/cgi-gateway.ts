/**
 * The CGI/1.1 gateway (RFC 3875), the host side: one gateway for every
 * `--cgi` mount. For each request it refuses hostile paths
 * (script-path.ts), finds the script (resolve-script.ts), waits for a
 * process slot (process-slots.ts), builds the environment
 * (script-environment.ts) and hands the rest to a ScriptExchange. A local
 * redirect goes back through the router the caller passed in, at most
 * MAX_LOCAL_REDIRECTS deep (Apache's LimitInternalRecursion).
 *
 * Not here: HTTP parsing and connections (the front), response parsing
 * (response-head.ts), anything about other gateways beyond the Gateway
 * interface.
 */
import { dirname } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { CgiConfig, CgiMount } from '../../config/config.js';
import type { Logger } from '../../log/logger.js';
import { splitTarget } from '../cgi-env.js';
import { sendPlain, type Gateway, type GatewayRequest } from '../gateway.js';
import { isindexArgv } from './isindex-argv.js';
import { redirectedRequest } from './local-redirect.js';
import { ProcessSlots } from './process-slots.js';
import { resolveInDirectory, resolveProgram, type ResolvedScript } from './resolve-script.js';
import { ScriptExchange } from './script-exchange.js';
import { SpawnerPool } from './script-spawner.js';
import { buildScriptEnvironment } from './script-environment.js';
import { splitScriptPath, type PathRefusal } from './script-path.js';

/** Where a path is served: what the router answers, as far as a local redirect needs it. */
export interface LocalRoute {
  readonly gateway: Gateway;
  readonly scriptName: string;
}

/**
 * The router's match for a GET of `target` on the request's host, passed in
 * by main.ts (a gateway does not import the router).
 */
export type LocalRouter = (target: string, host: string) => LocalRoute | null;

/** Apache's LimitInternalRecursion default. */
const MAX_LOCAL_REDIRECTS = 10;

interface MountState {
  readonly mount: CgiMount;
  /** DOCUMENT_ROOT: `--cgi-env DOCUMENT_ROOT`, else the directory (or the program's directory). */
  readonly documentRoot: string;
}

export function createCgiGateway(config: CgiConfig, log: Logger, route: LocalRouter): Gateway {
  const mounts = new Map<string, MountState>();
  for (const mount of config.mounts) {
    const documentRoot = config.env.DOCUMENT_ROOT ?? (mount.kind === 'directory' ? mount.path : dirname(mount.path));
    mounts.set(mount.prefix, { mount, documentRoot });
  }
  const slots = new ProcessSlots(config.maxProcesses, config.queueLimit);
  /** `--cgi-spawners N`: scripts are started by N helper processes rather than by node's spawn. */
  const spawners = config.spawners === undefined ? null : new SpawnerPool(config.spawners.count, config.spawners.python, config.path, log);
  // An array, not a Set: a Set added to and deleted from on every request
  // makes V8 promote its successive tables, and the exchanges in them, out
  // of the young generation (server/live-set.ts says why). At most the
  // process slots' worth of scripts run, so indexOf is short.
  const running: ScriptExchange[] = [];
  const queued = new Map<GatewayRequest, () => void>();
  /** Local redirects so far per response (one ServerResponse across all of them). */
  const redirectDepth = new WeakMap<ServerResponse, number>();
  let isClosing = false;
  let onIdle: (() => void) | null = null;

  const handle = (request: GatewayRequest): void => {
    const { req, res } = request;
    const state = mounts.get(request.scriptName);
    if (isClosing || state === undefined) {
      sendPlain(res, isClosing ? 503 : 404, hasUnreadBody(request));
      return;
    }
    const { path, query } = splitTarget(req.url ?? '/');
    const split = splitScriptPath(path.slice(request.scriptName.length));
    const resolved = !split.ok ? split
      : state.mount.kind === 'directory' ? resolveInDirectory(state.mount, split.segments, config.areSymlinksAllowed)
      : resolveProgram(state.mount, split.segments);
    if (!resolved.ok) {
      refuse(request, resolved);
      return;
    }
    if (resolved.isNph && req.httpVersionMajor === 2) {
      // RFC 3875 §5: an NPH script writes raw HTTP/1.x to the client's
      // connection; an HTTP/2 stream has no such bytes to take (docs/tls.md).
      log.error(`cgi: request ${request.id} ${req.method} ${req.url}: ${resolved.filename}: an NPH script cannot answer an HTTP/2 request [XGI_CGI_NPH_HTTP2]`);
      sendPlain(res, 502, hasUnreadBody(request));
      return;
    }
    dispatch(request, resolved, state, query);
  };

  const refuse = (request: GatewayRequest, refusal: PathRefusal): void => {
    log.debug(`cgi: request ${request.id} ${request.req.method} ${request.req.url}: ${refusal.status} (${refusal.reason})`);
    sendPlain(request.res, refusal.status, hasUnreadBody(request));
  };

  const dispatch = (request: GatewayRequest, script: ResolvedScript, state: MountState, query: string): void => {
    const signal = request.signal;
    const exchange = new ScriptExchange(request, {
      log,
      timeoutMs: config.timeoutMs,
      isNph: script.isNph,
      spawners,
      onLocalRedirect: (location) => redirect(request, location, signal),
      onReaped: () => {
        const at = running.indexOf(exchange);
        if (at >= 0) {
          running[at] = running[running.length - 1] as ScriptExchange;
          running.pop();
        }
        slots.release();
        if (running.length === 0) onIdle?.();
      },
    });
    const start = (): void => {
      queued.delete(request);
      running.push(exchange);
      signal.addEventListener('abort', () => exchange.cancel(), { once: true });
      const { body } = request;
      exchange.start({
        filename: script.filename,
        argv: config.isIsindexArgvEnabled ? isindexArgv(query) : [],
        env: buildScriptEnvironment({ request, script, documentRoot: state.documentRoot }, config),
        hasStdin: body.kind === 'stream' || body.bytes.length > 0,
      });
    };
    if (signal.aborted) return;
    const ticket = slots.acquire(start);
    if (ticket.kind === 'full') {
      log.warning(`cgi: request ${request.id} ${request.req.method} ${request.req.url}: ${slots.running} scripts running and ${slots.waiting} waiting; refused [XGI_CGI_QUEUE_FULL]`);
      sendPlain(request.res, 503, hasUnreadBody(request));
    } else if (ticket.kind === 'queued') {
      log.debug(`cgi: request ${request.id} ${request.req.method} ${request.req.url}: waiting for a process slot (${slots.running} running, ${slots.waiting} waiting)`);
      queued.set(request, ticket.cancel);
      signal.addEventListener('abort', () => {
        if (queued.delete(request)) ticket.cancel();
      }, { once: true });
    }
  };

  const redirect = (request: GatewayRequest, location: string, signal: AbortSignal): void => {
    const { res, req, id } = request;
    const depth = (redirectDepth.get(res) ?? 0) + 1;
    const target = depth > MAX_LOCAL_REDIRECTS ? null : route(location, request.client?.forwardedHost ?? req.headers.host ?? '');
    if (target === null) {
      const why = depth > MAX_LOCAL_REDIRECTS ? `more than ${MAX_LOCAL_REDIRECTS} local redirects [XGI_CGI_REDIRECT_LOOP]` : 'no route';
      log.error(`cgi: request ${id} ${req.method} ${req.url}: local redirect to ${location}: ${why}`);
      sendPlain(res, depth > MAX_LOCAL_REDIRECTS ? 500 : 404, hasUnreadBody(request));
      return;
    }
    redirectDepth.set(res, depth);
    target.gateway.handle(redirectedRequest(request, location, target.scriptName, signal));
  };

  return {
    name: 'cgi',
    handle,
    async close(graceMs: number): Promise<void> {
      isClosing = true;
      slots.drain();
      for (const request of queued.keys()) sendPlain(request.res, 503, hasUnreadBody(request));
      queued.clear();
      if (running.length > 0) await waitForIdle(graceMs);
      for (const exchange of running.slice()) exchange.kill();
      if (running.length > 0) await waitForIdle(KILL_WAIT_MS);
      spawners?.close();
    },
  };

  function waitForIdle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      onIdle = done;
      function done(): void {
        clearTimeout(timer);
        onIdle = null;
        resolve();
      }
    });
  }
}

/** How long close() waits for killed scripts to be reaped. */
const KILL_WAIT_MS = 2000;

/** A body still streaming from the client: answering without reading it means closing. */
function hasUnreadBody(request: GatewayRequest): boolean {
  return request.body.kind === 'stream';
}
