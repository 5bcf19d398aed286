// Serve a StaticConfig through a real node:http server on port 0, handing
// each request to the gateway the way the front does (a GatewayRequest
// built by hand, its signal aborted when the client goes away), and ask it
// with node's http client or raw bytes. Used by every HTTP-level static test.
import { request as httpRequest, createServer } from 'node:http';
import { parseResponses, rawRequest } from '../../helpers/raw-http.js';
import { createStaticGateway } from '../../../dist/gateways/static/static-gateway.js';

/** StaticConfig with every option off: a test names what it turns on. */
export const DEFAULT_CONFIG = {
  index: ['index.html'],
  listDirectories: false,
  precompressed: false,
  followSymlinks: false,
  dotfiles: false,
  maxAgeSeconds: null,
  cacheMs: 0, // every request looks at the disk, so that tests may change files between requests
};

/** A Logger that keeps its lines as `[LEVEL] message`. */
export function recordingLog() {
  const lines = [];
  const at = (level) => (message) => lines.push(`[${level}] ${message}`);
  return {
    lines,
    debug: at('DEBUG'),
    info: at('INFO'),
    warning: at('WARNING'),
    error: at('ERROR'),
    critical: at('CRITICAL'),
    log: (level, message) => lines.push(`[${level}] ${message}`),
    isEnabled: () => true,
    hasAccessLog: false,
    access() {},
    reopen() {},
    close: async () => {},
  };
}

/** Listen on 127.0.0.1:0; resolves with { server, port, log, requests, gateway }. */
export async function listenStatic(config, { scriptName = '' } = {}) {
  const log = recordingLog();
  const gateway = createStaticGateway({ ...DEFAULT_CONFIG, ...config }, log);
  const requests = [];
  const server = createServer((req, res) => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const request = {
      id: requests.length + 1,
      req,
      res,
      body: { kind: 'buffered', bytes: Buffer.alloc(0) },
      urlScheme: 'http',
      scriptName,
      signal: controller.signal,
      servedBy: 0,
      responseBytes: 0,
      responseHeaders: null,
    };
    requests.push(request);
    gateway.handle(request);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: server.address().port, log: log.lines, requests, gateway };
}

/** listenStatic, closed in t.after. */
export async function serveStatic(t, config, options) {
  const served = await listenStatic(config, options);
  t.after(() => new Promise((resolve) => {
    served.server.closeAllConnections();
    served.server.close(resolve);
  }));
  return served;
}

/** One request with node's client, no keep-alive; resolves with { status, headers, body }. */
export function get(port, path, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** `GET <target>` as exact bytes (targets a real client would normalise); resolves with the parsed response. */
export async function getRaw(port, target, { method = 'GET', headers = '' } = {}) {
  const bytes = await rawRequest(port, `${method} ${target} HTTP/1.1\r\nHost: t\r\n${headers}Connection: close\r\n\r\n`);
  const [response] = parseResponses(bytes, { isHead: method === 'HEAD' });
  if (response === undefined) throw new Error(`no response to ${target}: ${JSON.stringify(bytes.toString('latin1'))}`);
  return { ...response, text: response.body.toString('latin1') };
}
