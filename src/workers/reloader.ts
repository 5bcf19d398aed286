/**
 * `--reload` (development): poll the modification time of every Python file
 * the app has loaded (the workers report them in MODULES after READY, as
 * gunicorn's reloader walks sys.modules) and of each --reload-extra-file,
 * once a second, and call `onChange` when one changes. Modules the app
 * imports later, while serving, are not watched.
 */
import { stat } from 'node:fs/promises';

/** How often the files are polled (gunicorn's reloader: 1 s). */
export const RELOAD_POLL_MS = 1000;
const UNKNOWN = '?';

export class Reloader {
  readonly #onChange: (file: string) => void;
  /** File → its last seen mtime and size ('' while it does not exist). */
  readonly #seen = new Map<string, string>();
  readonly #timer: NodeJS.Timeout;
  #isPolling = false;

  constructor(onChange: (file: string) => void) {
    this.#onChange = onChange;
    this.#timer = setInterval(() => void this.#poll(), RELOAD_POLL_MS);
    this.#timer.unref();
  }

  /** Watch these files too (already watched ones are kept as they are). */
  watch(files: readonly string[]): void {
    for (const file of files) {
      if (this.#seen.has(file)) continue;
      this.#seen.set(file, UNKNOWN); // learnt now, without counting as a change
      void fingerprint(file).then((now) => {
        if (this.#seen.get(file) === UNKNOWN) this.#seen.set(file, now);
      });
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #poll(): Promise<void> {
    if (this.#isPolling) return;
    this.#isPolling = true;
    try {
      let changed: string | null = null;
      for (const [file, before] of this.#seen) {
        const now = await fingerprint(file);
        this.#seen.set(file, now);
        if (before !== UNKNOWN && now !== before) changed ??= file;
      }
      if (changed !== null) this.#onChange(changed);
    } finally {
      this.#isPolling = false;
    }
  }
}

async function fingerprint(file: string): Promise<string> {
  try {
    const stats = await stat(file);
    return `${stats.mtimeMs}:${stats.size}`;
  } catch {
    return '';
  }
}
