/**
 * The config file's structure beyond plain settings: `[[listeners]]`
 * (address and TLS), `[apps.NAME]` (type wsgi, cgi or static, each with its
 * own keys) and `[[routes]]` (host, path, method → app, first match wins).
 * NGINX Unit's listeners/routes/applications, made smaller. App keys that
 * are also settings (`workers`, `timeout`, ...) are read by the settings
 * table's own checks, so a value means the same in both places; load.ts
 * lays an app's keys over the top-level settings to build its Config.
 *
 * Every problem names where it is (`apps.site.workers`), the bad value, and
 * what is allowed.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BindAddress, RouteConfig, StaticConfig, TlsConfig } from './config.js';
import { type FileTable, type FileValue, isTable, showValue, typeOf } from './config-file.js';
import { bindAddress, directory, existingFile, type CheckContext } from './checks.js';
import { closestKey, toRaws } from './file-layer.js';
import { SETTINGS, type SettingName, type SettingValues } from './settings.js';

export type AppOverrides = Partial<{ -readonly [K in SettingName]: SettingValues[K] }>;

export type FileApp =
  | { readonly kind: 'wsgi'; readonly name: string; readonly overrides: AppOverrides }
  /** `mount` is `dir` or `program`, absolute; checked again per route by the --cgi mount check. */
  | { readonly kind: 'cgi'; readonly name: string; readonly mount: string; readonly overrides: AppOverrides }
  | { readonly kind: 'static'; readonly name: string; readonly static: StaticConfig };

export interface FileStructure {
  /** Null when the file has no `listeners`. */
  readonly listeners: readonly BindAddress[] | null;
  readonly apps: readonly FileApp[];
  readonly routes: readonly RouteConfig[];
  readonly problems: readonly string[];
  /** The file has `[apps.NAME]` tables, valid or not. */
  readonly declaresApps: boolean;
}

const APP_TYPES = ['wsgi', 'cgi', 'static'] as const;

/** An app key that is a setting: the key in `[apps.NAME]` → the setting it is read by. */
export const WSGI_KEYS: Readonly<Record<string, SettingName>> = {
  module: 'app', python: 'python', pythonpath: 'pythonpath', chdir: 'chdir', env: 'rawEnv', workers: 'workers',
  worker_class: 'workerClass', threads: 'threads', timeout: 'timeout', graceful_timeout: 'gracefulTimeout',
  worker_boot_timeout: 'workerBootTimeout', max_requests: 'maxRequests', max_requests_jitter: 'maxRequestsJitter',
  max_worker_lifetime: 'maxWorkerLifetime', max_worker_lifetime_jitter: 'maxWorkerLifetimeJitter',
  max_worker_memory: 'maxWorkerMemory', queue_timeout: 'queueTimeout', queue_limit: 'queueLimit',
  max_in_flight: 'maxInFlight', response_window: 'responseWindow', preload: 'preload',
};

export const CGI_KEYS: Readonly<Record<string, SettingName>> = {
  env: 'cgiEnv', timeout: 'cgiTimeout', max_processes: 'cgiMaxProcesses', queue_limit: 'cgiQueueLimit',
  pass_auth: 'cgiPassAuth', allow_symlinks: 'cgiAllowSymlinks', isindex_argv: 'cgiIsindexArgv', spawners: 'cgiSpawners',
};

/**
 * A static app's keys, with what docs/configuration.md says of each (the
 * table is generated from this one: scripts/build-config-doc.mjs); the
 * defaults themselves are readStaticApp's.
 */
export const STATIC_KEYS: Readonly<Record<string, { readonly meaning: string; readonly defaultDoc: string }>> = {
  root: { meaning: 'the directory served (required); nothing outside it ever is', defaultDoc: 'none' },
  index: { meaning: 'file name(s) tried for a request that names a directory', defaultDoc: '`["index.html"]`' },
  list_directories: { meaning: 'answer a directory without an index with a listing', defaultDoc: 'false' },
  precompressed: { meaning: 'serve `NAME.br` / `NAME.gz` to clients that accept them', defaultDoc: 'true' },
  follow_symlinks: { meaning: 'follow symlinks whose target stays inside `root`', defaultDoc: 'false' },
  dotfiles: { meaning: 'serve names that start with `.` (`.well-known` always is)', defaultDoc: 'false' },
  max_age: { meaning: '`Cache-Control: max-age` in seconds', defaultDoc: 'none' },
  cache_seconds: {
    meaning: 'how long xgi trusts what the file system said (paths, variants, files up to 64 KiB) before it looks again, '
      + 'as lighttpd\'s stat cache; 0: look every time',
    defaultDoc: '1',
  },
};

const LISTENER_KEYS = ['bind', 'certfile', 'keyfile', 'ca_certs'] as const;
const ROUTE_KEYS = ['app', 'path', 'host', 'method'] as const;
const APP_NAME = /^[A-Za-z0-9_-]+$/;
const HOST_PATTERN = /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])$/i;
const METHOD = /^[A-Z][A-Z-]*$/;

/** Reads `listeners`, `apps` and `routes`; paths are relative to the file's directory. */
export function readFileStructure(table: FileTable, file: string): FileStructure {
  const problems: string[] = [];
  const context: CheckContext = { cwd: dirname(file) };
  const at = (where: string, text: string): void => {
    problems.push(`${file}: ${where} ${text}`);
  };
  const listeners = table.listeners === undefined ? null : readListeners(table.listeners, context, at);
  const apps = table.apps === undefined ? [] : readApps(table.apps, context, at);
  // Names as declared, valid or not: a mistake in an app must not also be reported by its routes.
  const declared = isTable(table.apps) ? Object.keys(table.apps) : [];
  const routes = table.routes === undefined ? [] : readRoutes(table.routes, declared, at);
  const named = Array.isArray(table.routes) ? (table.routes as FileValue[]).filter(isTable).map((route) => route.app) : [];
  for (const name of declared) {
    if (!named.includes(name)) at(`apps.${name}`, 'is not used by any route; add [[routes]] with app = ' + JSON.stringify(name));
  }
  if (table.routes !== undefined && table.apps === undefined) at('routes', 'name apps, but the file has no [apps.NAME] tables');
  return { listeners, apps, routes: routes.filter((route) => apps.some((app) => app.name === route.app)), problems, declaresApps: declared.length > 0 };
}

type At = (where: string, text: string) => void;

function arrayOfTables(value: FileValue, where: string, example: string, at: At): readonly FileTable[] {
  if (!Array.isArray(value) || !(value as FileValue[]).every(isTable)) {
    at(where, `is ${typeOf(value)}, not an array of tables (example: ${example})`);
    return [];
  }
  return value as readonly FileTable[];
}

function unknownKeys(entry: FileTable, known: readonly string[], where: string, at: At): void {
  for (const key of Object.keys(entry)) {
    if (known.includes(key)) continue;
    const best = closestKey(key, known);
    const hint = best === null ? '; see docs/configuration.md' : ` (did you mean ${JSON.stringify(best)}?)`;
    at(`${where}.${key}`, `is not a key here${hint}; allowed: ${known.join(', ')}`);
  }
}

function readListeners(value: FileValue, context: CheckContext, at: At): BindAddress[] {
  const binds: BindAddress[] = [];
  arrayOfTables(value, 'listeners', '[[listeners]] bind = "0.0.0.0:8443"', at).forEach((entry, i) => {
    const where = `listeners[${i}]`;
    unknownKeys(entry, LISTENER_KEYS, where, at);
    const bind = entry.bind === undefined ? null : checked(bindAddress, entry.bind, `${where}.bind`, context, at);
    if (entry.bind === undefined) at(where, 'has no bind (example: bind = "0.0.0.0:8443")');
    const file = (key: string): string | null => (entry[key] === undefined ? null : checked(existingFile, entry[key] as FileValue, `${where}.${key}`, context, at));
    const [cert, key, ca] = [file('certfile'), file('keyfile'), file('ca_certs')];
    if ((entry.certfile === undefined) !== (entry.keyfile === undefined)) at(where, 'needs both certfile and keyfile for TLS');
    if (bind === null) return;
    const tls: TlsConfig | null = cert !== null && key !== null ? { certFile: cert, keyFile: key, caFile: ca } : null;
    binds.push(tls === null ? bind : { ...bind, tls });
  });
  return binds;
}

/** One scalar through a check; null (and a problem) when it fails. */
function checked<T>(check: (raw: string, context: CheckContext) => { ok: true; value: T } | { ok: false; reason: string },
  value: FileValue, where: string, context: CheckContext, at: At): T | null {
  if (typeof value !== 'string' && typeof value !== 'number') {
    at(where, `is ${typeOf(value)}, not text`);
    return null;
  }
  const result = check(String(value), context);
  if (result.ok) return result.value;
  at(where, `= ${showValue(value)} ${result.reason}`);
  return null;
}

function readApps(value: FileValue, context: CheckContext, at: At): FileApp[] {
  if (!isTable(value)) {
    at('apps', `is ${typeOf(value)}, not a table of apps (example: [apps.site] type = "wsgi")`);
    return [];
  }
  const apps: FileApp[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const where = `apps.${name}`;
    if (!APP_NAME.test(name)) at(where, 'has a name that is not letters, digits, _ and - only');
    if (!isTable(entry)) {
      at(where, `is ${typeOf(entry)}, not a table (example: [apps.${name}] type = "wsgi")`);
      continue;
    }
    const type = entry.type;
    if (type === 'wsgi') apps.push(readWsgiApp(name, entry, context, at));
    else if (type === 'cgi') {
      const app = readCgiApp(name, entry, context, at);
      if (app !== null) apps.push(app);
    } else if (type === 'static') {
      const app = readStaticApp(name, entry, context, at);
      if (app !== null) apps.push(app);
    } else at(`${where}.type`, `${type === undefined ? 'is missing' : `= ${showValue(type)}`}; allowed: ${APP_TYPES.join(', ')}`);
  }
  return apps;
}

/** Reads each key of `entry` named in `keys` with its setting's own check. */
function readOverrides(entry: FileTable, keys: Readonly<Record<string, SettingName>>, where: string, context: CheckContext, at: At): AppOverrides {
  const overrides: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(keys)) {
    const value = entry[key];
    if (value === undefined) continue;
    const setting = SETTINGS[name];
    const raws = toRaws(setting, value);
    if (!raws.ok) {
      at(`${where}.${key}`, `= ${showValue(value)} ${raws.reason}`);
      continue;
    }
    const read = setting.read(raws.raws, context);
    if (read.ok) overrides[name] = read.value;
    else for (const bad of read.bad) at(`${where}.${key}`, `= ${JSON.stringify(bad.raw)} ${bad.reason}`);
  }
  return overrides as AppOverrides;
}

function readWsgiApp(name: string, entry: FileTable, context: CheckContext, at: At): FileApp {
  const where = `apps.${name}`;
  unknownKeys(entry, ['type', ...Object.keys(WSGI_KEYS)], where, at);
  if (entry.module === undefined) at(where, 'has no module (example: module = "wsgi:app")');
  return { kind: 'wsgi', name, overrides: readOverrides(entry, WSGI_KEYS, where, context, at) };
}

function readCgiApp(name: string, entry: FileTable, context: CheckContext, at: At): FileApp | null {
  const where = `apps.${name}`;
  unknownKeys(entry, ['type', 'dir', 'program', ...Object.keys(CGI_KEYS)], where, at);
  const overrides = readOverrides(entry, CGI_KEYS, where, context, at);
  if ((entry.dir === undefined) === (entry.program === undefined)) {
    at(where, 'needs exactly one of dir (a directory of scripts) or program (one executable)');
    return null;
  }
  const key = entry.dir !== undefined ? 'dir' : 'program';
  const path = key === 'dir' ? checked(directory, entry.dir as FileValue, `${where}.dir`, context, at)
    : checked(existingFile, entry.program as FileValue, `${where}.program`, context, at);
  return path === null ? null : { kind: 'cgi', name, mount: path, overrides };
}

function readStaticApp(name: string, entry: FileTable, context: CheckContext, at: At): FileApp | null {
  const where = `apps.${name}`;
  unknownKeys(entry, ['type', ...Object.keys(STATIC_KEYS)], where, at);
  const flag = (key: string, fallback: boolean): boolean => {
    const value = entry[key];
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    at(`${where}.${key}`, `= ${showValue(value)} is not true or false`);
    return fallback;
  };
  const root = entry.root === undefined ? null : checked(directory, entry.root, `${where}.root`, context, at);
  if (entry.root === undefined) at(where, 'has no root (example: root = "static")');
  const index = readIndex(entry.index, `${where}.index`, at);
  const seconds = (key: string): number | null => {
    const value = entry[key];
    if (value === undefined) return null;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    at(`${where}.${key}`, `= ${showValue(value)} is not a whole number of seconds >= 0`);
    return null;
  };
  const maxAgeSeconds = seconds('max_age');
  const cacheSeconds = seconds('cache_seconds') ?? 1;
  const config: StaticConfig = {
    // "Inside the root" compares real paths.
    root: root === null ? '' : realpathSync(root), index, listDirectories: flag('list_directories', false), precompressed: flag('precompressed', true),
    followSymlinks: flag('follow_symlinks', false), dotfiles: flag('dotfiles', false), maxAgeSeconds,
    cacheMs: cacheSeconds * 1000,
  };
  return root === null ? null : { kind: 'static', name, static: config };
}

function readIndex(value: FileValue | undefined, where: string, at: At): readonly string[] {
  if (value === undefined) return ['index.html'];
  const names = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (names === null || !names.every((n) => typeof n === 'string' && n !== '' && !n.includes('/'))) {
    at(where, `= ${showValue(value)} is not a file name or an array of file names (example: index = ["index.html"])`);
    return ['index.html'];
  }
  return names as string[];
}

function readRoutes(value: FileValue, appNames: readonly string[], at: At): RouteConfig[] {
  const routes: RouteConfig[] = [];
  arrayOfTables(value, 'routes', '[[routes]] path = "/api" app = "api"', at).forEach((entry, i) => {
    const where = `routes[${i}]`;
    unknownKeys(entry, ROUTE_KEYS, where, at);
    const app = entry.app;
    if (typeof app !== 'string' || !appNames.includes(app)) {
      at(`${where}.app`, `${app === undefined ? 'is missing' : `= ${showValue(app)} is not one of the apps`}; the apps are: ${appNames.join(', ') || '(none)'}`);
      return;
    }
    const path = entry.path ?? '/';
    if (typeof path !== 'string' || !/^\/[^?#\s]*$/.test(path) || /(^|\/)\.\.?(\/|$)/.test(path)) {
      at(`${where}.path`, `= ${showValue(path)} is not a URL path prefix like "/api"`);
      return;
    }
    const hosts = listOf(entry.host, `${where}.host`, (h) => HOST_PATTERN.test(h), 'a host name, *.domain or *', at);
    const methods = listOf(entry.method, `${where}.method`, (m) => METHOD.test(m), 'an upper-case method like "GET"', at);
    if (hosts !== null && methods !== null) routes.push({ app, prefix: path.replace(/\/+$/, ''), hosts, methods });
  });
  return routes;
}

function listOf(value: FileValue | undefined, where: string, isValid: (text: string) => boolean, what: string, at: At): string[] | null {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as FileValue[]) : null;
  const bad = items === null ? value : items.find((item) => typeof item !== 'string' || !isValid(item));
  if (items === null || bad !== undefined) {
    at(where, `has ${showValue(bad as FileValue)}, which is not ${what} (or an array of them)`);
    return null;
  }
  return items as string[];
}
