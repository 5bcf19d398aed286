/**
 * The worker's response head into node:http, checked once more on this side
 * of the socket: the worker already enforced PEP 3333, but nothing malformed
 * may reach a client whatever the worker sent (DESIGN.md: bad app output is
 * never forwarded).
 */
import type { ServerResponse } from 'node:http';

const STATUS_LINE = /^([1-9][0-9]{2})(?: ([^\r\n\0]*))?$/;
/** RFC 9110 §7.6.1: framing and connection fields are the server's; the worker checks this too (PEP 3333). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade']);

/** Write the head; returns null, or why it was refused (nothing was written then). */
export function writeHead(res: ServerResponse, status: string, headers: string[]): string | null {
  const match = STATUS_LINE.exec(status);
  if (match === null) return `invalid status line ${JSON.stringify(status)} from the app`;
  const code = Number(match[1]);
  if (code < 200) return `informational status ${code} cannot be a final response`;
  const problem = headerProblem(headers);
  if (problem !== null) return problem;
  try {
    res.writeHead(code, match[2] ?? '', headers);
  } catch (error) {
    // node:http refuses CR/LF/NUL and bad tokens (ERR_INVALID_CHAR, ERR_INVALID_HTTP_TOKEN).
    return `invalid response header from the app: ${(error as Error).message}`;
  }
  return null;
}

/** A header node:http would pass but a client must not see from an app. */
function headerProblem(headers: readonly string[]): string | null {
  for (let i = 0; i < headers.length; i += 2) {
    const lower = (headers[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(lower)) return `hop-by-hop header ${headers[i]} from the app`;
    if (lower === 'content-length' && !/^[0-9]{1,15}$/.test(headers[i + 1] as string)) {
      return `invalid Content-Length ${JSON.stringify(headers[i + 1])} from the app`;
    }
  }
  return null;
}
