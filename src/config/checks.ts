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
import { realpathSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { BindAddress, CgiMount } from './config.js';

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

/** Whole seconds from `min` up (gunicorn's `-t 30`), converted once, here, to milliseconds. */
export function secondsFrom(min: number, why = ''): Check<number> {
  return (raw) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    return value >= min && value <= MAX_SECONDS
      ? accept(value * 1000)
      : reject(`is not a whole number of seconds from ${min} to ${MAX_SECONDS}${why}`);
  };
}

export const seconds = secondsFrom(0);
/** A wait that must always end (0 would switch it off). */
export const positiveSeconds = secondsFrom(1, ' (a client must never hold a connection without a deadline)');

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

/** A file path made absolute (`--pid`, `--reload-extra-file`); the file need not exist yet. */
export const filePath: Check<string> = (raw, { cwd }) => (raw === '' ? reject('is empty') : accept(resolve(cwd, raw)));

/**
 * stat(2) that answers instead of throwing: the Stats, undefined when there
 * is nothing there, or why the path cannot be looked at (a NUL byte, a name
 * too long, no permission: found by test/fuzz/config-load.fuzz.test.js).
 */
function lookUp(path: string): Stats | undefined | { readonly problem: string } {
  if (path.includes('\0')) return { problem: 'contains a NUL byte' };
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOTDIR' ? undefined : { problem: `cannot be looked at (${code ?? (error as Error).message})` };
  }
}

/** A directory that exists, made absolute (`--chdir`). */
export const directory: Check<string> = existing('directory', (stats) => stats.isDirectory());

/** An existing regular file, made absolute (a certificate, a key, a config file). */
export const existingFile: Check<string> = existing('regular file', (stats) => stats.isFile());

/** A path that exists and is of one kind, made absolute against cwd. */
function existing(kind: string, isKind: (stats: Stats) => boolean): Check<string> {
  return (raw, { cwd }) => {
    if (raw === '') return reject('is empty');
    const path = resolve(cwd, raw);
    const stats = lookUp(path);
    if (stats !== undefined && 'problem' in stats) return reject(stats.problem);
    if (stats === undefined) return reject(`does not exist (resolved to ${path})`);
    return isKind(stats) ? accept(path) : reject(`is not a ${kind} (resolved to ${path})`);
  };
}

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
  // gunicorn's fd://N: a listening socket inherited from whoever started xgi.
  const fd = /^fd:\/\/(\d+)$/.exec(raw);
  if (fd) return Number(fd[1]) >= 3 ? accept({ kind: 'fd', fd: Number(fd[1]) }) : reject('is not fd://N with N >= 3');
  if (raw.startsWith('fd://')) return reject('is not fd://N with N >= 3');
  const rest = raw.startsWith('tcp://') ? raw.slice('tcp://'.length) : raw;
  if (rest === '') return reject('is empty');
  if (rest.startsWith('[')) return bracketed(rest);
  const parts = rest.split(':');
  if (parts.length > 2) return reject('looks like a bare IPv6 address: put it in brackets, as [::1]:8000');
  return tcp(parts[0] ?? '', parts[1]);
};

/** A URL prefix for a CGI mount: `/` or `/a/b`, plain characters, no dot segments. */
const CGI_PREFIX = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;:@]+(?:\/[A-Za-z0-9\-._~!$&'()*+,;:@]+)*)?\/?$/;

/**
 * `--cgi PREFIX=PATH`: PATH a directory (its executables are the scripts,
 * as Apache's ScriptAlias) or one executable file serving the prefix. The
 * directory's symlinks are resolved now, so that "inside the directory"
 * means one thing when scripts are resolved.
 */
export const cgiMount: Check<CgiMount> = (raw, { cwd }) => {
  const at = raw.indexOf('=');
  if (at < 0) return reject('is not PREFIX=PATH');
  const prefixText = raw.slice(0, at);
  if (!CGI_PREFIX.test(prefixText) || /(^|\/)\.\.?(\/|$)/.test(prefixText)) {
    return reject(`has prefix "${prefixText}", which is not a URL path like /cgi-bin`);
  }
  const prefix = prefixText.replace(/\/+$/, '');
  if (raw.length === at + 1) return reject('has no PATH after =');
  const path = resolve(cwd, raw.slice(at + 1));
  const stats = lookUp(path);
  if (stats !== undefined && 'problem' in stats) return reject(`has a PATH that ${stats.problem}`);
  if (stats === undefined) return reject(`names ${path}, which does not exist`);
  if (stats.isDirectory()) return accept({ prefix, kind: 'directory', path: realpathSync(path) });
  if (!stats.isFile() || (stats.mode & 0o111) === 0) return reject(`names ${path}, which is neither a directory nor an executable file`);
  return accept({ prefix, kind: 'program', path });
};

/** A whole number from `min` to `max` (`--limit-request-fields 100`, gunicorn's 32768 at most). */
export function wholeNumberInRange(min: number, max: number): Check<number> {
  return (raw) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    return value >= min && value <= max ? accept(value) : reject(`is not a whole number from ${min} to ${max}`);
  };
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** 4 or 6 for an IP address in its usual text form, else 0; IPv6 is checked by the WHATWG URL host parser. */
function ipFamily(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return 0;
  return URL.canParse(`http://[${text}]/`) ? 6 : 0;
}

function isAddressOrNetwork(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = ipFamily(address);
  if (family === 0 || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/**
 * gunicorn's comma-separated `--forwarded-allow-ips` and `--proxy-allow-from`:
 * IP addresses, networks in CIDR form (`10.0.0.0/8`, `fd00::/8`, an xgi
 * addition), or `*` for every address. Empty trusts no address.
 */
export const addressList: Check<readonly string[]> = (raw) => {
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const bad = entries.filter((entry) => entry !== '*' && !isAddressOrNetwork(entry));
  if (bad.length > 0) {
    return reject(`has ${bad.map((entry) => `"${entry}"`).join(', ')}, which is not an IP address, a CIDR network like 10.0.0.0/8, or *`);
  }
  return accept(entries);
};
