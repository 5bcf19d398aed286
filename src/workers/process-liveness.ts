/**
 * Whether a pid names a live process, asked without touching it (signal 0).
 * Shared by the pid file and the scratch-directory sweep, which both judge
 * whether a past xgi master still runs.
 */

/** True while a process with this pid exists (EPERM: it exists, but is not ours). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
