/**
 * StartupError: a problem a user can cause before xgi serves anything (bad
 * flag, unbindable address, app that does not import, interpreter missing).
 * main.ts prints its one line and exits non-zero; nothing else catches it.
 */
export class StartupError extends Error {
  /** A stable code, e.g. `XGI_APP_LOAD_ERROR`. */
  readonly code: string;
  /** Extra text printed before the one line (a Python traceback), or ''. */
  readonly details: string;

  constructor(code: string, message: string, options?: { details?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details ?? '';
  }
}
