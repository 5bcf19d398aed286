/**
 * Listening sockets for `-b/--bind`: TCP (IPv4/IPv6), Unix paths and
 * inherited file descriptors (`fd://N`, systemd socket activation). Binding
 * failures a user can cause become StartupError with the fix in the message.
 * A stale Unix socket file (nobody listening) is replaced; a live one is not.
 */
import { connect, type Server } from 'node:net';
import { statSync, unlinkSync } from 'node:fs';
import type { BindAddress } from '../config/config.js';
import { StartupError } from '../startup-error.js';

/** `http://127.0.0.1:8000`, `http://[::1]:8000`, `unix:/run/xgi.sock`. */
export function describeAddress(server: Server, scheme: string): string {
  const address = server.address();
  if (address === null) return '(not listening)';
  if (typeof address === 'string') return `unix:${address}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

function describeBind(bind: BindAddress): string {
  if (bind.kind === 'fd') return `fd://${bind.fd}`;
  return bind.kind === 'unix' ? `unix:${bind.path}` : bind.host.includes(':') ? `[${bind.host}]:${bind.port}` : `${bind.host}:${bind.port}`;
}

function listenOnce(server: Server, bind: BindAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if (bind.kind === 'unix') server.listen({ path: bind.path, backlog: 2048 });
    // An inherited socket (fd://N, systemd): already bound and listening; it stays open for xgi's whole life.
    else if (bind.kind === 'fd') server.listen({ fd: bind.fd, backlog: 2048 });
    else server.listen({ host: bind.host, port: bind.port, backlog: 2048, ipv6Only: false });
  });
}

/** True when something accepts connections on the Unix socket path. */
function isUnixSocketLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Bind `server` to `bind`, translating errors into one-line StartupErrors. */
export async function listen(server: Server, bind: BindAddress): Promise<void> {
  try {
    await listenOnce(server, bind);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (bind.kind === 'unix' && code === 'EADDRINUSE' && isSocketFile(bind.path) && !(await isUnixSocketLive(bind.path))) {
      unlinkSync(bind.path);
      await listen(server, bind);
      return;
    }
    throw bindError(bind, error as NodeJS.ErrnoException);
  }
}

function isSocketFile(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function bindError(bind: BindAddress, error: NodeJS.ErrnoException): StartupError {
  const where = describeBind(bind);
  const why: Record<string, string> = {
    EADDRINUSE: 'address already in use (another server is listening there; pick another with -b HOST:PORT)',
    EACCES: 'permission denied (ports below 1024 need root; use a higher port with -b HOST:PORT)',
    EADDRNOTAVAIL: 'address not available on this machine (check the host in -b HOST:PORT)',
    ENOTFOUND: 'host name not found (check the host in -b HOST:PORT)',
    ENOENT: 'directory does not exist (check the path in -b unix:PATH)',
    EBADF: 'no such file descriptor (check fd://N, or LISTEN_FDS from systemd)',
    ENOTSOCK: 'the file descriptor is not a socket (check fd://N, or LISTEN_FDS from systemd)',
  };
  return new StartupError('XGI_BIND', `cannot listen on ${where}: ${why[error.code ?? ''] ?? error.message}`, { cause: error });
}
