/**
 * xgi's private scratch directory (mode 0700, as mkdtemp makes it) for the
 * started marks (started-mark.ts) and the fork socket of `--preload`, under
 * the system's temporary directory. A master killed with SIGKILL cannot
 * remove its own; the next start removes those of masters no longer running.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning } from './process-liveness.js';

/** `xgi-<master pid>-XXXXXX`: what a scratch directory is called. */
const SCRATCH_NAME = /^xgi-(\d+)-[A-Za-z0-9]{6}$/;
const SCRATCH_FILE = /^(?:\d+-\d+\.(?:mark|faults)|fork-\d+\.sock)$/;

/** Create the scratch directory of the master `pid`. */
export function createScratchDir(pid: number): string {
  removeStaleScratchDirs();
  return mkdtempSync(join(tmpdir(), `xgi-${pid}-`));
}

function removeStaleScratchDirs(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = SCRATCH_NAME.exec(name)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    const path = join(tmpdir(), name);
    try {
      if (statSync(path).uid !== process.getuid?.()) continue;
      if (readdirSync(path).every((file) => SCRATCH_FILE.test(file))) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
}

export function removeScratchDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
