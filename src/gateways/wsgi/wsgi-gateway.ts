/**
 * The WSGI gateway: a request becomes a REQUEST frame (the RFC 3875
 * meta-variables plus the per-request WSGI keys) for the app's worker pool.
 * The constant part of the environ is built once in each worker; everything
 * after dispatch lives in exchange.ts.
 */
import type { Gateway, GatewayRequest } from '../gateway.js';
import type { Logger } from '../../log/logger.js';
import type { Arbiter } from '../../workers/arbiter.js';
import { buildMetaVariables } from '../cgi-env.js';
import { encodeRequestParts } from '../../workers/protocol/messages.js';
import { ProtocolError } from '../../workers/protocol/frames.js';
import { Exchange } from './exchange.js';
import type { SpoolLimits } from './response-spool.js';

export function createWsgiGateway(arbiter: Arbiter, log: Logger, spool: SpoolLimits): Gateway {
  const pool = arbiter.pool;
  return {
    name: 'wsgi',
    handle(request: GatewayRequest): void {
      const { req, body } = request;
      const environ = buildMetaVariables({
        req,
        scriptName: request.scriptName,
        urlScheme: request.urlScheme,
        bufferedBodyBytes: body.kind === 'buffered' ? body.bytes.length : null,
        client: request.client,
        mapsUnderscoreHeaders: request.mapsUnderscoreHeaders,
      });
      environ.push(['RAW_URI', req.url ?? '/'], ['wsgi.url_scheme', request.urlScheme]);
      let frame: Buffer[];
      try {
        frame = body.kind === 'buffered'
          ? encodeRequestParts(0, environ, body.bytes, true)
          : encodeRequestParts(0, environ, null, false);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        // %00 in the path: a NUL byte has no business in PATH_INFO.
        request.res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': 12, Connection: 'close' });
        request.res.end('Bad Request\n');
        return;
      }
      pool.submit(new Exchange(request, frame, { pool, log, spool }));
    },
    close(graceMs: number): Promise<void> {
      return arbiter.stop(graceMs);
    },
  };
}
