/**
 * The static-files gateway: GET and HEAD of the files under one root
 * directory, as nginx's `root` + `index` + `try_files $uri $uri/ =404` +
 * `gzip_static` + `autoindex` serve them (docs/static.md). For each request
 * it refuses hostile paths (request-path.ts), finds the entry under the root
 * (resolve-file.ts), and answers a directory itself (redirect to the slash,
 * index file, listing) or hands a file to serve-file.ts.
 *
 * Not here: HTTP parsing and connections (the front), compressing on the
 * fly (only files compressed in advance are sent), other gateways.
 */
import { realpathSync } from 'node:fs';
import type { StaticConfig } from '../../config/config.js';
import type { Logger } from '../../log/logger.js';
import { splitTarget } from '../cgi-env.js';
import type { Gateway, GatewayRequest } from '../gateway.js';
import { listDirectory, renderListing } from './directory-listing.js';
import { sendPlain } from './plain-response.js';
import { parseRequestPath } from './request-path.js';
import { createFileCache, FreshCache } from './file-cache.js';
import { resolveEntry, resolvePath, type Resolved, type ResolvedEntry, type ResolveOptions } from './resolve-file.js';
import { serveFile, type ServeFileOptions } from './serve-file.js';

/** Errors that mean the client went away, not that the file system failed. */
const CLIENT_GONE_CODES = new Set(['ABORT_ERR', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE']);

export function createStaticGateway(config: StaticConfig, log: Logger): Gateway {
  const resolve: ResolveOptions = { root: realRoot(config.root, log), followSymlinks: config.followSymlinks };
  const fileOptions: ServeFileOptions = {
    resolve, isPrecompressedOn: config.precompressed, maxAgeSeconds: config.maxAgeSeconds,
    variants: new FreshCache(config.cacheMs), files: createFileCache(config.cacheMs),
  };
  /** Request paths as resolve-file.ts resolved them (file-cache.ts). */
  const resolutions = new FreshCache<Resolved>(config.cacheMs);
  const inFlight = new Map<GatewayRequest, Promise<void>>();
  let isClosing = false;

  /** Answers at once, or returns the promise of an answer still being sent (a large file, a listing). */
  const serve = (request: GatewayRequest): Promise<void> | void => {
    const { req } = request;
    // RFC 9110 §15.5.6: a 405 lists the methods the resource supports.
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendPlain(request, 405, { Allow: 'GET, HEAD' });
    const { path, query } = splitTarget(req.url ?? '/');
    if (!path.startsWith(request.scriptName)) return refuse(request, 404, 'path is not below the mount');
    const parsed = parseRequestPath(path.slice(request.scriptName.length), config.dotfiles);
    if (!parsed.ok) return refuse(request, parsed.status, parsed.reason);
    const key = parsed.segments.join('/');
    const now = performance.now();
    let entry = resolutions.get(key, now);
    if (entry === undefined) {
      entry = resolvePath(resolve, parsed.segments);
      resolutions.set(key, entry, now);
    }
    if (entry.kind === 'refused') return refuse(request, 404, entry.reason);
    if (entry.kind === 'file') {
      // `/file.txt/`: a file is not a directory (nginx and Apache answer 404 too).
      if (parsed.hasTrailingSlash) return refuse(request, 404, `${entry.path} is not a directory`);
      return serveEntry(request, entry);
    }
    if (!parsed.hasTrailingSlash) return redirectToSlash(request, path, query);
    return serveDirectory(request, entry, parsed.segments);
  };

  const serveEntry = (request: GatewayRequest, entry: ResolvedEntry): Promise<void> | void => {
    const outcome = serveFile(request, entry, fileOptions);
    if (outcome === null) return undefined;
    if (typeof outcome === 'string') return refuse(request, 404, outcome);
    return outcome.then((vanished) => {
      if (vanished !== null) refuse(request, 404, vanished);
    });
  };

  /** The first index file, else a listing when list_directories is on, else 404 (never a listing by default). */
  const serveDirectory = (request: GatewayRequest, directory: ResolvedEntry, segments: readonly string[]): Promise<void> | void => {
    for (const name of config.index) {
      const index = resolveEntry(resolve, directory.path, name);
      if (index.kind === 'file') return serveEntry(request, index);
    }
    return list(request, directory, segments);
  };

  const list = async (request: GatewayRequest, directory: ResolvedEntry, segments: readonly string[]): Promise<void> => {
    if (!config.listDirectories) return refuse(request, 404, `${directory.path} has no index file and list_directories is off`);
    const entries = await listDirectory(resolve, directory.path, config.dotfiles);
    const displayPath = `${request.scriptName}/${segments.map((segment) => `${segment}/`).join('')}`;
    sendListing(request, renderListing(displayPath, entries, segments.length > 0));
  };

  const refuse = (request: GatewayRequest, status: number, reason: string): void => {
    log.debug(`static: request ${request.id} ${request.req.method} ${request.req.url}: ${status} (${reason})`);
    sendPlain(request, status);
  };

  /** One line per failure: client gone (debug), I/O error before the head (403/500), or after it (connection cut). */
  const fail = (request: GatewayRequest, error: unknown): void => {
    const { req, res } = request;
    const code = (error as NodeJS.ErrnoException | null)?.code ?? '';
    const where = `static: request ${request.id} ${req.method} ${req.url}`;
    const what = error instanceof Error ? error.message : String(error);
    // By the error, not by the signal: a failed read destroys the response, which aborts the signal too.
    if (CLIENT_GONE_CODES.has(code)) {
      log.debug(`${where}: client went away after ${request.responseBytes} body bytes`);
      res.destroy();
    } else if (res.headersSent) {
      log.error(`${where}: ${what}; connection cut after ${request.responseBytes} body bytes`);
      res.destroy();
    } else {
      const status = code === 'EACCES' || code === 'EPERM' ? 403 : 500;
      log.error(`${where}: ${status} (${what})`);
      sendPlain(request, status);
    }
  };

  return {
    name: 'static',
    handle(request: GatewayRequest): void {
      request.servedBy = process.pid;
      if (isClosing) return sendPlain(request, 503);
      let sending: Promise<void> | void;
      try {
        sending = serve(request);
      } catch (error) {
        fail(request, error);
        return;
      }
      // Most answers are whole already (a small file); only those still sending are tracked.
      if (!(sending instanceof Promise)) return;
      inFlight.set(request, sending.catch((error: unknown) => fail(request, error)).finally(() => inFlight.delete(request)));
    },
    async close(graceMs: number): Promise<void> {
      isClosing = true;
      if (inFlight.size > 0) await settledWithin([...inFlight.values()], graceMs);
      // Past the grace period: cut what is still sending; each pipeline then stops and closes its file.
      for (const request of inFlight.keys()) request.res.destroy();
    },
  };
}

/**
 * RFC 9110 §15.4.2. Location is the path as the client sent it (so still
 * percent-encoded, mount prefix included) plus `/` and the query; leading
 * slashes collapse to one, or `//evil.example/` would send the client to
 * another host (the open redirect serve-static fixed in 1.x).
 */
function redirectToSlash(request: GatewayRequest, path: string, query: string): void {
  const location = `${path.replace(/^\/+/, '/')}/${query === '' ? '' : `?${query}`}`;
  sendPlain(request, 301, { Location: location });
}

function sendListing(request: GatewayRequest, html: string): void {
  const { req, res } = request;
  const body = Buffer.from(html, 'utf8');
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
  request.responseBytes = req.method === 'HEAD' ? 0 : body.length;
}

/**
 * "Inside the root" compares real paths, so the root's own symlinks are
 * resolved once, here. A root that cannot be resolved is logged and kept
 * as it is: every request under it is then a 404 or an error line.
 */
function realRoot(root: string, log: Logger): string {
  try {
    return realpathSync(root);
  } catch (error) {
    log.error(`static: root ${root}: ${error instanceof Error ? error.message : String(error)}`);
    return root;
  }
}

function settledWithin(pending: readonly Promise<void>[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void Promise.allSettled(pending).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
