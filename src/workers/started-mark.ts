/**
 * The started mark: how the front learns, once a worker is gone, which of
 * the streams it had been sent were never given to the app, so that they can
 * go to another worker without any risk of running a request twice
 * (docs/protocol.md, "The started mark"; docs/supervision.md).
 *
 * A worker starts its streams in the order it received them, and the front
 * numbers each worker's streams in sending order, so one number says it all:
 * before calling the app for a stream, the worker stores the stream's id in a
 * 4-byte file it has mapped into memory (a plain store, no system call), and
 * the front reads the file after the process has died. A stream above the mark
 * was never started.
 *
 * The front creates the file holding 0xffffffff ("anything may have
 * started"); the worker writes 0 once it has mapped it, so a worker that
 * could not map it never gets a request replayed.
 */
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The mark of a worker that never mapped its file: treat every stream as started. */
export const EVERYTHING_STARTED = 0xffffffff;

/**
 * Create the mark file. Should that fail (say, a /tmp cleaner removed the
 * directory of a long-running xgi), the worker finds no file to map and
 * runs without a mark: its requests are then never retried elsewhere.
 */
export function createMark(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, Buffer.from([0xff, 0xff, 0xff, 0xff]), { mode: 0o600 });
  } catch {
    // readMark() answers EVERYTHING_STARTED for a missing file: nothing is replayed
  }
}

/** The id of the last stream the worker started, or EVERYTHING_STARTED when unknown. */
export function readMark(path: string): number {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const bytes = Buffer.alloc(4);
    return readSync(fd, bytes, 0, 4, 0) === 4 ? bytes.readUInt32BE(0) : EVERYTHING_STARTED;
  } catch {
    return EVERYTHING_STARTED;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

export function removeMark(path: string): void {
  rmSync(path, { force: true });
}
