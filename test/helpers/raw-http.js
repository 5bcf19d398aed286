// Speak exact bytes to a server over node:net, where a real HTTP client
// would normalise what we need to test (pipelining, HTTP/1.0, bad input).
import { connect } from 'node:net';

/**
 * Send `bytes` and collect everything until the server closes, or until
 * `until(buffer)` is true, or `timeoutMs` passes. Resolves with the bytes.
 */
export function rawRequest(port, bytes, { until, timeoutMs = 5000, host = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const chunks = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (until && until(Buffer.concat(chunks))) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error) => {
      if (chunks.length > 0) finish();
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}

/**
 * Parse one or more HTTP/1.x responses from raw bytes (Content-Length,
 * chunked, or read-to-end). Returns [{ status, reason, headers, body, raw }].
 */
export function parseResponses(buffer, { isHead = false } = {}) {
  const responses = [];
  let at = 0;
  while (at < buffer.length) {
    const end = buffer.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = buffer.subarray(at, end).toString('latin1').split('\r\n');
    const [, status, reason = ''] = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(head[0]) ?? [];
    const headers = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let bodyStart = end + 4;
    let body;
    const code = Number(status);
    const isChunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
    let isComplete = true;
    if (isHead || code === 204 || code === 304 || (code >= 100 && code < 200)) {
      body = Buffer.alloc(0);
    } else if (isChunked) {
      const parts = [];
      let p = bodyStart;
      isComplete = false;
      for (;;) {
        const lineEnd = buffer.indexOf('\r\n', p);
        if (lineEnd < 0) break;
        const size = parseInt(buffer.subarray(p, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const trailerEnd = buffer.indexOf('\r\n\r\n', lineEnd);
          p = trailerEnd < 0 ? buffer.length : trailerEnd + 4;
          if (trailerEnd === lineEnd) p = lineEnd + 4;
          isComplete = true;
          break;
        }
        parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
      bodyStart = p;
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      body = buffer.subarray(bodyStart, bodyStart + n);
      isComplete = body.length === n;
      bodyStart += n;
    } else {
      body = buffer.subarray(bodyStart);
      bodyStart = buffer.length;
    }
    responses.push({ status: code, reason, headers, body, isComplete, raw: buffer.subarray(at, bodyStart) });
    at = bodyStart;
  }
  return responses;
}
