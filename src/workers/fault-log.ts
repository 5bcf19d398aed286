/**
 * The fault log: a file beside a worker's started mark where Python's
 * faulthandler writes the stack of every thread when the worker dies of a
 * signal (the SIGABRT of a `--timeout` kill, a segfault in a C extension).
 * The worker's stderr may be a terminal nobody reads; the front reads this
 * file once the worker is gone and puts it in the error log, then removes it.
 */
import { closeSync, openSync, readSync, rmSync } from 'node:fs';

/** A dump is a few KiB; more than this is cut. */
const MAX_FAULT_LOG_BYTES = 64 * 1024;

/** `…/123-4.mark` → `…/123-4.faults`. */
export function faultLogPath(markPath: string): string {
  return markPath.replace(/\.mark$/, '') + '.faults';
}

/** The file's text ('' when there is none), and the file removed. */
export function takeFaultLog(path: string): string {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const bytes = Buffer.allocUnsafe(MAX_FAULT_LOG_BYTES);
    const length = readSync(fd, bytes, 0, bytes.length, 0);
    return bytes.toString('utf8', 0, length).trimEnd();
  } catch {
    return '';
  } finally {
    if (fd >= 0) closeSync(fd);
    rmSync(path, { force: true });
  }
}
