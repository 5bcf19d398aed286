/**
 * The short text answers the static gateway gives when it sends no file:
 * errors (400, 403, 404, 405, 412, 416, 500, 503) and the redirect to a
 * directory's slash (301). The page says no more than its status: the
 * reason goes to the log only (wsgiref's error_output rule).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { GatewayRequest } from '../gateway.js';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  416: 'Range Not Satisfiable',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * `Not Found\n` as text/plain, with `headers` added; nothing if a head went
 * out already. The connection closes when an unread request body may
 * follow on it, and after a 5xx.
 */
export function sendPlain(request: GatewayRequest, status: number, headers: OutgoingHttpHeaders = {}): void {
  const { req, res } = request;
  if (res.headersSent || res.destroyed) return;
  const text = `${STATUS_TEXT[status] ?? 'Error'}\n`;
  const head: OutgoingHttpHeaders = { ...headers, 'Content-Type': 'text/plain', 'Content-Length': text.length };
  if (request.body.kind === 'stream' || status >= 500) head.Connection = 'close';
  res.writeHead(status, head);
  res.end(text);
  // RFC 9110 §9.3.2: a HEAD response carries no body; node:http drops it.
  request.responseBytes = req.method === 'HEAD' ? 0 : text.length;
}
