/**
 * The short text answers the static gateway gives when it sends no file:
 * errors (400, 403, 404, 405, 412, 416, 500, 503) and the redirect to a
 * directory's slash (301), through the gateways' one plain page
 * (gateway.ts sendPlain), counted for the access log.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { sendPlain as sendPlainPage, type GatewayRequest } from '../gateway.js';

/** The connection closes when an unread request body may follow on it (and after a 5xx). */
export function sendPlain(request: GatewayRequest, status: number, headers: OutgoingHttpHeaders = {}): void {
  const { res } = request;
  if (res.headersSent || res.destroyed) return;
  request.responseBytes = sendPlainPage(res, status, request.body.kind === 'stream', headers);
}
