/**
 * Signals on the master, gunicorn's way: a handler only queues the signal
 * ("NO LOGGING, just queue the signal"), and the queue is worked off on the
 * next turn of the event loop, one signal at a time, through one typed table
 * from signal to action. The actions themselves are the arbiter's and
 * main.ts's (docs/supervision.md has the table for users).
 */
import type { Logger } from '../log/logger.js';

/** What the master can be asked to do. */
export interface MasterActions {
  /** Stop accepting, finish the requests in flight (up to --graceful-timeout), exit 0. */
  stopGracefully(): void;
  /** Close everything now, exit 0. */
  stopFast(): void;
  /** Re-read the config and the app: new workers, READY, before the old ones stop. */
  reload(): void;
  addWorker(): void;
  removeWorker(): void;
  reopenLogs(): void;
}

export const SIGNAL_ACTIONS = {
  SIGTERM: 'stopGracefully',
  SIGINT: 'stopGracefully',
  SIGQUIT: 'stopFast',
  SIGHUP: 'reload',
  SIGTTIN: 'addWorker',
  SIGTTOU: 'removeWorker',
  SIGUSR1: 'reopenLogs',
} as const satisfies Readonly<Partial<Record<NodeJS.Signals, keyof MasterActions>>>;

type HandledSignal = keyof typeof SIGNAL_ACTIONS;

/** Install the handlers; returns a function that removes them. */
export function handleSignals(actions: MasterActions, log: Logger): () => void {
  const queue: HandledSignal[] = [];
  let isScheduled = false;
  const work = (): void => {
    isScheduled = false;
    for (const signal of queue.splice(0)) {
      log.info(`Handling signal: ${signal.slice(3).toLowerCase()}`);
      actions[SIGNAL_ACTIONS[signal]]();
    }
  };
  const handlers = (Object.keys(SIGNAL_ACTIONS) as HandledSignal[]).map((signal) => {
    const handler = (): void => {
      queue.push(signal);
      if (!isScheduled) {
        isScheduled = true;
        setImmediate(work);
      }
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
