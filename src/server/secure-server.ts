/**
 * A TLS listener (`--certfile`, `--keyfile`, `--ca-certs`): HTTPS on node's
 * Http2SecureServer, with HTTP/2 chosen by ALPN (RFC 7301, RFC 9113 §3.2)
 * and HTTP/1.1 as the fallback (`allowHTTP1`). HTTP/1.1 connections get the
 * very node:http options a plain listener has (llhttp, limits, timeouts);
 * HTTP/2 sessions get a bound on streams and header lists, an idle timeout
 * (no open stream for --keep-alive closes the session with GOAWAY) and GOAWAY
 * when xgi drains (§6.8), so requests in flight finish and no new ones start.
 *
 * The certificate files are read once, when the listener starts; what a user
 * can get wrong in them becomes a StartupError naming the file and the fix.
 * Not here: requests (the front serves both protocols through one path, with
 * http2-request.ts and http2-response.ts), the connection gate, binding.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer as createHttp2SecureServer, type Http2SecureServer, type Http2ServerRequest, type ServerHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { TlsConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { StartupError } from '../startup-error.js';
import { Http2Response } from './http2-response.js';

/**
 * node:http's server options, which are also the names of its server's
 * properties: a plain listener passes them to createServer, a TLS one sets
 * them on itself for its HTTP/1.1 connections (node reads them from the
 * server object, and an Http2SecureServer has its own defaults otherwise).
 */
export interface Http1Options {
  readonly keepAliveTimeout: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly connectionsCheckingInterval: number;
  readonly maxHeaderSize: number;
  readonly insecureHTTPParser: false;
  readonly requireHostHeader: true;
}

export interface SecureServerOptions {
  readonly tls: TlsConfig;
  readonly http1: Http1Options;
  /** node:http's maxHeadersCount: one over --limit-request-fields. */
  readonly maxHeadersCount: number;
  /** The largest request head the limits allow (request-checks.ts maxHeadBytes). */
  readonly maxHeadBytes: number;
  /** A session with no open stream for this long is closed (--keep-alive; 0: never). */
  readonly idleMs: number;
  /** The TLS handshake and a new session's first request must come within this (--header-timeout; 0: no bound). */
  readonly firstRequestMs: number;
}

/** The server, with the response class of http2-response.ts. */
export type TlsServer = Http2SecureServer<typeof IncomingMessage, typeof ServerResponse, typeof Http2ServerRequest, typeof Http2Response>;

export interface SecureServer {
  readonly server: TlsServer;
  /** Read the certificate files and put them in place (at listen time); a StartupError when they will not do. */
  loadCredentials(): void;
  /** Stop accepting: GOAWAY to every HTTP/2 session (its streams finish), idle HTTP/1.1 connections closed. */
  drain(): void;
  /** Close every connection now. */
  closeAll(): void;
}

/** Streams one client may have open at once (nginx's http2_max_concurrent_streams is 128). */
const MAX_CONCURRENT_STREAMS = 128;
/** HTTP/2's pseudo-header fields in a request (:method, :scheme, :authority, :path). */
const PSEUDO_FIELDS = 4;
/** RFC 9113 §6.5.2: a header list's size counts 32 bytes of overhead per field. */
const FIELD_OVERHEAD_BYTES = 32;
/** node's own bound on a TLS handshake, kept when --header-timeout is 0. */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;

export function createSecureServer(options: SecureServerOptions, log: Logger): SecureServer {
  const { tls } = options;
  // Pairs and size as the per-part checks allow, plus room to see one too many (then 431, not a reset stream).
  const pairs = options.maxHeadersCount + PSEUDO_FIELDS;
  const server = createHttp2SecureServer({
    allowHTTP1: true,
    requestCert: tls.caFile !== null,
    rejectUnauthorized: true,
    handshakeTimeout: options.firstRequestMs > 0 ? options.firstRequestMs : DEFAULT_HANDSHAKE_TIMEOUT_MS,
    maxHeaderListPairs: pairs,
    settings: {
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: options.maxHeadBytes + pairs * FIELD_OVERHEAD_BYTES,
    },
    Http2ServerResponse: Http2Response,
  });
  Object.assign(server, options.http1, { maxHeadersCount: options.maxHeadersCount });
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<TLSSocket>();
  let isDraining = false;

  // node's own listener passes handshake failures on as 'clientError', whose
  // handler answers in HTTP/1.1 plain text: nothing to say to a failed handshake.
  server.removeAllListeners('tlsClientError');
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    log.debug(`http: TLS handshake with ${socket.remoteAddress ?? 'unix socket'} failed: ${error.code ?? error.message}`);
    socket.destroy();
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    if (isDraining) session.close();
    else closeWhenIdle(session, options);
  });

  return {
    server,
    loadCredentials(): void {
      server.setSecureContext(readCredentials(tls));
    },
    drain(): void {
      isDraining = true;
      server.close();
      for (const session of sessions) session.close();
    },
    closeAll(): void {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/**
 * Close a session (GOAWAY) that has no open stream for `idleMs`, or none
 * yet `firstRequestMs` after it began: HTTP/2's keep-alive timeout.
 */
function closeWhenIdle(session: ServerHttp2Session, options: SecureServerOptions): void {
  let open = 0;
  let timer: NodeJS.Timeout | null = null;
  const wait = (ms: number): void => {
    if (ms > 0) timer = setTimeout(() => session.close(), ms).unref();
  };
  const stopWaiting = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  session.on('stream', (stream) => {
    open++;
    stopWaiting();
    stream.once('close', () => {
      if (--open === 0 && !session.closed) wait(options.idleMs);
    });
  });
  session.once('close', stopWaiting);
  wait(options.firstRequestMs);
}

interface Credentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

/** The files of `tls`, each checked on its own so that a problem names its file. */
function readCredentials(tls: TlsConfig): Credentials {
  const cert = readPem('--certfile', tls.certFile);
  const key = readPem('--keyfile', tls.keyFile);
  const certificate = parseCertificate('--certfile', tls.certFile, cert);
  const privateKey = parseKey(tls.keyFile, key);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw tlsError(`--keyfile ${tls.keyFile} is not the private key of --certfile ${tls.certFile} (give the key the certificate was made for)`);
  }
  if (tls.caFile === null) return { cert, key };
  const ca = readPem('--ca-certs', tls.caFile);
  parseCertificate('--ca-certs', tls.caFile, ca);
  return { cert, key, ca };
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied (xgi must be able to read it)' : code ?? String(error);
    throw tlsError(`cannot read ${flag} ${path}: ${why}`, error);
  }
}

function parseCertificate(flag: string, path: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw tlsError(`${flag} ${path} is not a PEM certificate (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}; it should begin with -----BEGIN CERTIFICATE-----)`, error);
  }
}

function parseKey(path: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE') {
      throw tlsError(`--keyfile ${path} is encrypted; xgi needs it unencrypted (openssl pkey -in ${path} -out key.pem)`, error);
    }
    throw tlsError(`--keyfile ${path} is not a PEM private key (${code ?? 'unreadable'}; it should begin with -----BEGIN PRIVATE KEY-----)`, error);
  }
}

function tlsError(message: string, cause?: unknown): StartupError {
  return new StartupError('XGI_TLS', message, cause === undefined ? undefined : { cause });
}
