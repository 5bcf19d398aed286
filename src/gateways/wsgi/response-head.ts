/**
 * The worker's response head into node:http, checked once more on this side
 * of the socket: the worker already enforced PEP 3333, but nothing malformed
 * may reach a client whatever the worker sent (DESIGN.md: bad app output is
 * never forwarded).
 */
import type { ServerResponse } from 'node:http';

const STATUS_LINE = /^([1-9][0-9]{2})(?: ([^\r\n\0]*))?$/;

/** Write the head; returns null, or why it was refused (nothing was written then). */
export function writeHead(res: ServerResponse, status: string, headers: string[]): string | null {
  const match = STATUS_LINE.exec(status);
  if (match === null) return `invalid status line ${JSON.stringify(status)} from the app`;
  const code = Number(match[1]);
  if (code < 200) return `informational status ${code} cannot be a final response`;
  try {
    res.writeHead(code, match[2] ?? '', headers);
  } catch (error) {
    // node:http refuses CR/LF/NUL and bad tokens (ERR_INVALID_CHAR, ERR_INVALID_HTTP_TOKEN).
    return `invalid response header from the app: ${(error as Error).message}`;
  }
  return null;
}
