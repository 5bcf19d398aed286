/**
 * systemd socket activation (sd_listen_fds(3)): when LISTEN_PID is this
 * process and LISTEN_FDS is N, the listening sockets are file descriptors 3
 * to 3+N-1, and they replace --bind (as gunicorn does). xgi never closes them
 * while it runs: a reload (SIGHUP) replaces workers, not listeners.
 * The caller passes the environment; this module reads no globals.
 */
import type { BindAddress } from '../config/config.js';

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
const LISTEN_FDS_START = 3;

/** The sockets systemd passed to process `pid`, or null when it passed none. */
export function systemdBinds(env: Readonly<Record<string, string | undefined>>, pid: number): BindAddress[] | null {
  if (env['LISTEN_PID'] !== String(pid)) return null;
  const count = Number(env['LISTEN_FDS']);
  if (!Number.isSafeInteger(count) || count < 1) return null;
  return Array.from({ length: count }, (_, i) => ({ kind: 'fd', fd: LISTEN_FDS_START + i }));
}
