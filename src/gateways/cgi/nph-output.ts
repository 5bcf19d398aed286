/**
 * Non-parsed header scripts (RFC 3875 §5: names starting `nph-`): the
 * script writes the whole HTTP response, status line included, and xgi
 * copies it to the client's socket untouched. node:http never writes on
 * that connection again; it is closed after the script's output ends,
 * since only the script knows how its body is framed.
 *
 * Not here: spawning, timeouts (script-exchange.ts). The status is read
 * only for the access log; the bytes are the script's responsibility.
 */
import type { Socket } from 'node:net';

const STATUS_LINE = /^HTTP\/[0-9]\.[0-9] ([1-9][0-9]{2})[ \r\n]/;

/** The status code of a raw response's first line, if the first chunk holds it. */
export function statusOfRawResponse(chunk: Buffer): number | null {
  const match = STATUS_LINE.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 64)));
  return match ? Number(match[1]) : null;
}

/** Write to the client's socket; false when the caller must wait for 'drain'. */
export function copyRawOutput(socket: Socket, chunk: Buffer): boolean {
  if (socket.destroyed) return true;
  return socket.write(chunk);
}
