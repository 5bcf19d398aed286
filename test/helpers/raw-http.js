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

/**
 * One raw connection held open for a conversation: write, wait for bytes,
 * write again, see whether (and when) the server closes. `localPort` is the
 * client's port (what the server sees as REMOTE_PORT).
 *
 *   const conn = await openRaw(port);
 *   conn.write('POST / HTTP/1.1\r\n...');
 *   await conn.waitFor((buf) => buf.includes('100 Continue'));
 *   await conn.waitForClose(); // rejects if the server keeps it open
 */
export function openRaw(port, { host = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const conn = {
      socket,
      localPort: 0,
      buffer: Buffer.alloc(0),
      isClosed: false,
      write(bytes) {
        socket.write(bytes);
      },
      /** Resolve with the buffer once `until(buffer)` holds; reject after timeoutMs. */
      waitFor(until, timeoutMs = 5000) {
        return waitOn(conn, () => until(conn.buffer), timeoutMs, 'the expected bytes');
      },
      /** Resolve once the server has closed the connection; reject after timeoutMs. */
      waitForClose(timeoutMs = 5000) {
        return waitOn(conn, () => conn.isClosed, timeoutMs, 'the server to close the connection');
      },
      destroy() {
        socket.destroy();
      },
      waiters: new Set(),
    };
    const notify = () => { for (const w of conn.waiters) w(); };
    socket.on('connect', () => {
      conn.localPort = socket.localPort;
      resolve(conn);
    });
    socket.on('data', (chunk) => {
      conn.buffer = Buffer.concat([conn.buffer, chunk]);
      notify();
    });
    socket.on('end', () => { conn.isClosed = true; notify(); });
    socket.on('close', () => { conn.isClosed = true; notify(); });
    socket.on('error', (error) => {
      if (conn.localPort === 0) reject(error);
    });
  });
}

function waitOn(conn, predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate()) return;
      clearTimeout(timer);
      conn.waiters.delete(check);
      resolve(conn.buffer);
    };
    const timer = setTimeout(() => {
      conn.waiters.delete(check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got:\n${conn.buffer.toString('latin1').slice(0, 2000)}`));
    }, timeoutMs);
    conn.waiters.add(check);
    check();
  });
}

/** True once `buffer` holds at least one complete response per expected count. */
export function hasResponses(count, options) {
  return (buffer) => {
    const responses = parseResponses(buffer, options);
    return responses.length >= count && responses.slice(0, count).every((r) => r.isComplete);
  };
}

/**
 * GET `path` on a new connection of its own (Connection: close), never a
 * kept-alive one: { status, body } with the body as a string.
 */
export async function freshGet(port, path) {
  const bytes = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  const [response] = parseResponses(bytes);
  return { status: response?.status ?? 0, body: response?.body.toString('utf8') ?? '' };
}
