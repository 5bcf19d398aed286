/**
 * Value checks for the settings table: each turns the raw text of one
 * occurrence (as typed on the command line, or taken from the environment)
 * into a normalised value (milliseconds, bytes, absolute paths), or says why
 * the text is wrong in words that finish the sentence `--flag: "raw" ...`.
 *
 * Checks are pure apart from `directory`, which asks the file system whether
 * the directory exists (gunicorn's `validate_chdir`). They know nothing of
 * flags, layers or the Config shape; `settings.ts` wires them to settings and
 * `load.ts` turns their reasons into problems.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BindAddress } from './config.js';

/** The outcome of checking one raw value. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/** What a check may need besides the raw text. */
export interface CheckContext {
  /** Absolute directory relative paths are resolved against. */
  readonly cwd: string;
}

export type Check<T> = (raw: string, context: CheckContext) => Checked<T>;

function accept<T>(value: T): Checked<T> {
  return { ok: true, value };
}

function reject(reason: string): Checked<never> {
  return { ok: false, reason };
}

/** A whole number >= `min` (`-w 4`, `--threads 8`). */
export function wholeNumber(min: number): Check<number> {
  return (raw) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    return Number.isSafeInteger(value) && value >= min
      ? accept(value)
      : reject(`is not a whole number >= ${min}`);
  };
}

/**
 * Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer delay
 * fires at once, which would turn a generous timeout into an instant kill.
 */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** gunicorn's whole seconds (`-t 30`), converted once, here, to milliseconds. */
export const seconds: Check<number> = (raw) => {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return value <= MAX_SECONDS
    ? accept(value * 1000)
    : reject(`is not a whole number of seconds from 0 to ${MAX_SECONDS}`);
};

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size in bytes: `1048576`, `64k`, `1m`, `1g` (k = 1024), at least `min`. */
export function byteSize(min: number): Check<number> {
  return (raw) => {
    const match = /^(\d+)([kmg]?)$/i.exec(raw);
    const unit = BYTE_UNITS[(match?.[2] ?? '').toLowerCase()] ?? NaN;
    const value = match ? Number(match[1]) * unit : NaN;
    return Number.isSafeInteger(value) && value >= min
      ? accept(value)
      : reject(`is not a size in bytes >= ${min} (a whole number, optionally with k, m or g)`);
  };
}

/** One of a fixed set of words, compared case-insensitively (gunicorn lower-cases log levels). */
export function oneOf<const W extends string>(words: readonly W[]): Check<W> {
  return (raw) => {
    const word = words.find((w) => w === raw.toLowerCase());
    return word === undefined ? reject(`is not one of ${words.join(', ')}`) : accept(word);
  };
}

/** Any non-empty text (`--access-logformat`). */
export const text: Check<string> = (raw) => (raw === '' ? reject('is empty') : accept(raw));

/** A file path made absolute, or `-` for the standard stream. */
export const logFile: Check<string> = (raw, { cwd }) => {
  if (raw === '') return reject('is empty: give a file path, or - for the standard stream');
  return accept(raw === '-' ? '-' : resolve(cwd, raw));
};

/** A directory that exists, made absolute (`--chdir`). */
export const directory: Check<string> = (raw, { cwd }) => {
  if (raw === '') return reject('is empty');
  const path = resolve(cwd, raw);
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return reject(`does not exist (resolved to ${path})`);
  return stats.isDirectory() ? accept(path) : reject(`is not a directory (resolved to ${path})`);
};

/** gunicorn's comma-separated `--pythonpath`, each entry made absolute against cwd (as gunicorn's master does). */
export const pathList: Check<readonly string[]> = (raw, { cwd }) =>
  accept(raw.split(',').filter((entry) => entry !== '').map((entry) => resolve(cwd, entry)));

/**
 * The Python interpreter: a bare command (`python3`) is looked up on PATH by
 * the spawner; anything with a slash is a path, made absolute now because the
 * workers run in `--chdir`.
 */
export const interpreter: Check<string> = (raw, { cwd }) => {
  if (raw === '') return reject('is empty');
  return accept(raw.includes('/') ? resolve(cwd, raw) : raw);
};

/** One `-e KEY=VALUE`; the value may itself contain `=`. */
export const envPair: Check<readonly [string, string]> = (raw) => {
  const at = raw.indexOf('=');
  return at > 0 ? accept([raw.slice(0, at), raw.slice(at + 1)]) : reject('is not KEY=VALUE');
};

// PEP 3333 leaves the app object's name to the server; gunicorn's import_app
// takes `module.path:expression` where the expression is a dotted name,
// optionally called (`create_app()`, `create_app("prod")`).
const IDENTIFIERS = String.raw`[\p{ID_Start}_][\p{ID_Continue}]*(?:\.[\p{ID_Start}_][\p{ID_Continue}]*)*`;
const APP_URI = new RegExp(String.raw`^${IDENTIFIERS}(?::${IDENTIFIERS}(?:\(.*\))?)?$`, 'u');

/** The positional APP_MODULE: `MODULE`, `MODULE:CALLABLE`, `MODULE:factory()`, `MODULE:factory(args)`. */
export const appUri: Check<string> = (raw) =>
  APP_URI.test(raw) ? accept(raw) : reject('is not MODULE:CALLABLE (or MODULE, or MODULE:factory(...))');

const DEFAULT_PORT = 8000;

function port(raw: string): Checked<number> {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return value <= 65535 ? accept(value) : reject(`has port "${raw}", which is not a whole number from 0 to 65535`);
}

function tcp(host: string, portText: string | undefined): Checked<BindAddress> {
  if (!/^[\w.%:-]*$/u.test(host)) return reject(`has host "${host}", which is not a host name or IP address`);
  const checked = portText === undefined ? accept(DEFAULT_PORT) : port(portText);
  if (!checked.ok) return checked;
  // gunicorn binds "" (`:8000`) to every interface.
  return accept({ kind: 'tcp', host: host === '' ? '0.0.0.0' : host.toLowerCase(), port: checked.value });
}

function bracketed(rest: string): Checked<BindAddress> {
  const match = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (!match || !match[1]?.includes(':')) return reject('is not [IPV6]:PORT');
  return tcp(match[1], match[2]);
}

/**
 * gunicorn's `--bind` forms (`util.parse_address`): `HOST:PORT`, `HOST`
 * (port 8000), `:PORT` (all interfaces), `[IPV6]:PORT`, `[IPV6]`, `tcp://...`,
 * `unix:PATH` and `unix://PATH` (made absolute). Port 0 asks the OS for one.
 */
export const bindAddress: Check<BindAddress> = (raw, { cwd }) => {
  const unix = /^unix:(?:\/\/)?(.*)$/s.exec(raw);
  if (unix) return unix[1] ? accept({ kind: 'unix', path: resolve(cwd, unix[1]) }) : reject('has no socket path');
  // gunicorn's fd://N (an inherited socket) needs the listeners to adopt it; not yet.
  if (raw.startsWith('fd://')) return reject('is a file descriptor bind, which xgi does not support yet');
  const rest = raw.startsWith('tcp://') ? raw.slice('tcp://'.length) : raw;
  if (rest === '') return reject('is empty');
  if (rest.startsWith('[')) return bracketed(rest);
  const parts = rest.split(':');
  if (parts.length > 2) return reject('looks like a bare IPv6 address: put it in brackets, as [::1]:8000');
  return tcp(parts[0] ?? '', parts[1]);
};
