/**
 * The answers xgi gives on a script's behalf: a plain-text status page
 * (403, 404, 500, 502, 503, 504) when nothing has been sent yet, and a cut
 * connection when a response already begun cannot be completed. The page
 * says no more than its status: the details are for the error log only
 * (wsgiref's error_output rule against leaking diagnostics).
 */
import type { ServerResponse } from 'node:http';
import { constants, Http2ServerResponse } from 'node:http2';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * A plain page, unless a head went out already. `shouldClose` when an unread
 * request body may follow on the connection; 5xx always close, as the WSGI
 * gateway's do.
 */
export function sendPlain(res: ServerResponse, status: number, shouldClose: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const text = `${STATUS_TEXT[status] ?? 'Error'}\n`;
  const headers: Record<string, string | number> = { 'Content-Type': 'text/plain', 'Content-Length': text.length };
  if (shouldClose || status >= 500) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * The response cannot be completed: close once what was written has left,
 * so the client sees a truncated response, never a complete one. Not at
 * once: the head and first bytes may still sit in node:http's buffer.
 */
export function cutConnection(res: ServerResponse): void {
  setImmediate(() => {
    // HTTP/2 (the front passes its response in ServerResponse's place): the
    // connection is shared by other streams; reset this one (RFC 9113 §8.1).
    if (res instanceof Http2ServerResponse) {
      res.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const socket = res.socket;
    if (socket === null) res.destroy();
    else socket.destroySoon();
  });
}
