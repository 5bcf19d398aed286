// A small HTTP/2 client over node:http2 for the TLS tests: one session per
// test, requests that resolve with status, headers, body and how the stream
// ended (RST_STREAM code), bodies written with backpressure.
import { connect } from 'node:http2';
import { once } from 'node:events';

/** An HTTP/2 session to `url` (https://localhost:PORT) trusting `ca`; closed in t.after. */
export async function openSession(t, url, options = {}) {
  const session = connect(url, { ca: options.ca, ...options });
  session.on('error', () => {}); // a test that expects the session to die says so itself
  t.after(() => session.destroy());
  await once(session, 'connect');
  return session;
}

/**
 * One request on `session`. `body`: a Buffer, or an array of Buffers written
 * one by one as the stream takes them (a streamed upload without
 * Content-Length, unless headers give one).
 * Resolves with { status, headers, body, rstCode }.
 */
export function h2Request(session, { path = '/', method = 'GET', headers = {}, body = null } = {}) {
  return new Promise((resolve, reject) => {
    const hasBody = body !== null;
    const stream = session.request({ ':method': method, ':path': path, ...headers }, { endStream: !hasBody });
    const chunks = [];
    let response = null;
    stream.on('response', (h) => { response = h; });
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', () => {}); // reported as rstCode below
    stream.on('close', () => {
      if (response === null) {
        reject(Object.assign(new Error(`stream closed without a response (RST_STREAM ${stream.rstCode})`), { rstCode: stream.rstCode }));
        return;
      }
      resolve({ status: response[':status'], headers: response, body: Buffer.concat(chunks), rstCode: stream.rstCode });
    });
    if (hasBody) writeBody(stream, Array.isArray(body) ? body : [body]);
  });
}

async function writeBody(stream, parts) {
  try {
    for (const part of parts) {
      if (stream.destroyed) return;
      if (!stream.write(part)) await drainOrClose(stream);
    }
    stream.end();
  } catch {
    // the server reset the stream: the response (or its absence) tells the test
  }
}

function drainOrClose(stream) {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** `bytes` of body in 64 KiB Buffers. */
export function chunksOf(bytes) {
  const chunks = [];
  for (let left = bytes; left > 0; left -= 65536) chunks.push(Buffer.alloc(Math.min(65536, left), left % 251));
  return chunks;
}
