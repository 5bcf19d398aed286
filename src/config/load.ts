/**
 * Builds the one Config at the edge. Layers, lowest priority first, as
 * gunicorn documents them (docs/content/configure.md): the table's defaults
 * < per-setting environment variables (WEB_CONCURRENCY, PORT, VIRTUAL_ENV)
 * < the config file (issue 6) < XGI_CMD_ARGS < the command line. The highest
 * layer that sets a setting supplies all of its occurrences (a repeated
 * `-b` on the command line replaces PORT, it does not add to it).
 *
 * Every value is then checked by the table, all problems are reported at once
 * (fastify's initial-config-validation), and the Config is deep-frozen. This
 * is the only module that sees argv and the environment, and it receives
 * them as arguments: it never reads `process`.
 */
import { dirname, isAbsolute } from 'node:path';
import type { BadValue, EnvSource, Setting, SettingName, SettingValues } from './settings.js';
import { SETTING_ENTRIES, settingLabel } from './settings.js';
import { cgiMount, existingFile, type CheckContext } from './checks.js';
import type {
  AppConfig, BindAddress, CgiConfig, CgiMount, Config, RouteConfig, SupervisionConfig, TlsConfig, WorkersConfig,
} from './config.js';
import { readConfigFile } from './config-file.js';
import { readFileSettings } from './file-layer.js';
import { readFileStructure, type FileApp, type FileStructure } from './apps.js';

/** Raw occurrences per setting, in the order given on a command line. */
export type RawSettings = Readonly<Partial<Record<SettingName, readonly string[]>>>;

export interface ParsedCommandLine {
  readonly raw: RawSettings;
  /** Unknown options, missing values, extra positionals: one sentence each. */
  readonly problems: readonly string[];
}

export type SplitResult = { readonly ok: true; readonly words: readonly string[] } | { readonly ok: false; readonly reason: string };

/**
 * How a command line becomes raw settings: cli/parse-argv.ts, passed in by
 * main.ts so that config/ depends on nothing but the settings table.
 */
export interface CommandLineParser {
  parse(words: readonly string[]): ParsedCommandLine;
  /** XGI_CMD_ARGS split like a shell would. */
  split(text: string): SplitResult;
}

export interface LoadInput {
  /** The command line after the program name (`process.argv.slice(2)`). */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Absolute directory relative paths are resolved against. */
  readonly cwd: string;
  readonly commandLine: CommandLineParser;
  /** xgi's version, for SERVER_SOFTWARE. */
  readonly version: string;
}

export type LoadResult =
  | { readonly kind: 'run'; readonly config: Config }
  /** `--check-config`: valid; print it and exit. */
  | { readonly kind: 'check'; readonly config: Config }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'invalid'; readonly problems: readonly string[] };

/** Where a setting's raw values came from, to name that place in a problem. */
type Origin =
  | { readonly kind: 'default' }
  | { readonly kind: 'env'; readonly source: EnvSource; readonly value: string }
  | { readonly kind: 'file'; readonly file: string; readonly key: string }
  | { readonly kind: 'cmd-args' }
  | { readonly kind: 'argv' };

interface RawEntry {
  readonly raws: readonly string[];
  readonly origin: Origin;
}

interface Layer {
  readonly entries: ReadonlyMap<SettingName, RawEntry>;
  readonly problems: readonly string[];
}

const CMD_ARGS = 'XGI_CMD_ARGS';
/** Set by systemd for the process it hands listening sockets to (sd_listen_fds(3)). */
const SYSTEMD_VARIABLES = new Set(['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']);
/** The names of the command line's own apps in Config.apps (its app, its --cgi mounts). */
export const CLI_APPS: ReadonlySet<string> = new Set(['wsgi', 'cgi']);
const CLI_WSGI_APP = 'wsgi';
const CLI_CGI_APP = 'cgi';

/**
 * Turns the command line and environment (and the config file they name)
 * into a frozen Config, or the help or version text, or the list of
 * everything wrong with them.
 */
export function loadConfig(input: LoadInput): LoadResult {
  if (!isAbsolute(input.cwd)) throw new Error(`config: cwd must be absolute, got ${JSON.stringify(input.cwd)}`);
  const cmdArgs = cmdArgsLayer(input.env[CMD_ARGS], input.commandLine);
  const argv = commandLineLayer(input.argv, { kind: 'argv' }, input.commandLine);
  const above = mergeLayers([cmdArgs, argv]);
  // argparse answers -h and -v as soon as it meets them, whatever else is wrong.
  if (above.has('help')) return { kind: 'help' };
  if (above.has('version')) return { kind: 'version' };

  // The file sits between the environment and XGI_CMD_ARGS; only those two layers can name it.
  const file = fileLayer(above.get('config'), input.cwd);
  const layers = [defaultsLayer(), envLayer(input.env), file.layer, cmdArgs, argv];
  const entries = mergeLayers(layers);
  const read = readSettings(entries, input.cwd);
  const problems = [...layers.flatMap((layer) => layer.problems), ...read.problems, ...(file.structure?.problems ?? [])];
  const isFileUnread = file.path !== null && file.structure === null; // its own problem says why
  if (!isFileUnread && !entries.has('app') && !entries.has('cgi') && file.structure?.declaresApps !== true) {
    problems.push('no application given: pass MODULE:CALLABLE (e.g. xgi wsgi:app), --cgi PREFIX=DIR, or a config file with apps (-c xgi.toml)');
  }
  if (read.values === null || problems.length > 0) return { kind: 'invalid', problems };
  const values = read.values;
  problems.push(...cgiMountProblems(values.cgi), ...tlsProblems(values));
  const served = buildApps(values, input, file.structure);
  problems.push(...served.problems);
  if (problems.length > 0) return { kind: 'invalid', problems };
  const isBindFromCommandLine = entries.get('bind')?.origin.kind === 'argv' || entries.get('bind')?.origin.kind === 'cmd-args';
  const binds = file.structure?.listeners != null && !isBindFromCommandLine ? file.structure.listeners : null;
  const config = buildConfig(values, input, { apps: served.apps, routes: served.routes, binds, configFile: file.path });
  return { kind: values.checkConfig ? 'check' : 'run', config: deepFreeze(config) };
}

interface FileLayer {
  readonly layer: Layer;
  readonly path: string | null;
  readonly structure: FileStructure | null;
}

/** The config file's settings as a layer, and its listeners, apps and routes. */
function fileLayer(named: RawEntry | undefined, cwd: string): FileLayer {
  const empty = { layer: { entries: new Map(), problems: [] }, path: null, structure: null };
  const raw = named?.raws.at(-1);
  if (raw === undefined) return empty;
  const found = existingFile(raw, { cwd });
  if (!found.ok) return { ...empty, layer: { entries: new Map(), problems: [`--config: ${JSON.stringify(raw)} ${found.reason} (example: -c xgi.toml)`] } };
  const path = found.value;
  const parsed = readConfigFile(path);
  if (!parsed.ok) return { ...empty, path, layer: { entries: new Map(), problems: [parsed.problem] } };
  const settings = readFileSettings(parsed.table, path);
  const entries = new Map<SettingName, RawEntry>();
  for (const { name, key, raws } of settings.settings) entries.set(name, { raws, origin: { kind: 'file', file: path, key } });
  return { layer: { entries, problems: settings.problems }, path, structure: readFileStructure(parsed.table, path) };
}

function defaultsLayer(): Layer {
  const entries = new Map<SettingName, RawEntry>();
  for (const [name, setting] of SETTING_ENTRIES) {
    if (setting.default.length > 0) entries.set(name, { raws: setting.default, origin: { kind: 'default' } });
  }
  return { entries, problems: [] };
}

/** An empty variable counts as unset, as `PORT= xgi ...` in a shell means "no port". */
function envLayer(env: LoadInput['env']): Layer {
  const entries = new Map<SettingName, RawEntry>();
  for (const [name, setting] of SETTING_ENTRIES) {
    const value = setting.env === null ? undefined : env[setting.env.name];
    if (setting.env === null || value === undefined || value === '') continue;
    entries.set(name, { raws: [setting.env.toRaw(value)], origin: { kind: 'env', source: setting.env, value } });
  }
  return { entries, problems: [] };
}

/** gunicorn's GUNICORN_CMD_ARGS, split like a shell would (`shlex.split`). */
function cmdArgsLayer(text: string | undefined, commandLine: CommandLineParser): Layer {
  if (text === undefined) return { entries: new Map(), problems: [] };
  const split = commandLine.split(text);
  if (!split.ok) return { entries: new Map(), problems: [`${CMD_ARGS} ${split.reason}: ${JSON.stringify(text)}`] };
  const layer = commandLineLayer(split.words, { kind: 'cmd-args' }, commandLine);
  return { entries: layer.entries, problems: layer.problems.map((problem) => `${CMD_ARGS}: ${problem}`) };
}

function commandLineLayer(words: readonly string[], origin: Origin, commandLine: CommandLineParser): Layer {
  const parsed = commandLine.parse(words);
  const entries = new Map<SettingName, RawEntry>();
  for (const [name, raws] of Object.entries(parsed.raw) as [SettingName, readonly string[]][]) {
    entries.set(name, { raws, origin });
  }
  return { entries, problems: parsed.problems };
}

/** The highest layer that sets a setting wins it whole. */
function mergeLayers(layers: readonly Layer[]): ReadonlyMap<SettingName, RawEntry> {
  const merged = new Map<SettingName, RawEntry>();
  for (const layer of layers) for (const [name, entry] of layer.entries) merged.set(name, entry);
  return merged;
}

interface ReadSettings {
  /** Null when any setting is bad. */
  readonly values: SettingValues | null;
  readonly problems: readonly string[];
}

function readSettings(entries: ReadonlyMap<SettingName, RawEntry>, cwd: string): ReadSettings {
  const values: Partial<Record<SettingName, unknown>> = {};
  const problems: string[] = [];
  for (const [name, setting] of SETTING_ENTRIES) {
    const entry = entries.get(name) ?? { raws: [], origin: { kind: 'default' } };
    // A relative path in the config file is relative to the file, wherever xgi is started.
    const context: CheckContext = { cwd: entry.origin.kind === 'file' ? dirname(entry.origin.file) : cwd };
    const read = setting.read(entry.raws, context);
    if (read.ok) values[name] = read.value;
    else problems.push(...read.bad.map((bad) => describeBadValue(setting, entry.origin, bad)));
  }
  // Every name was read by its own setting above, so each value has its setting's type.
  return problems.length === 0 ? { values: values as SettingValues, problems } : { values: null, problems };
}

/** `--workers: "abc" is not a whole number >= 1 (example: -w 4)`, naming where the value came from. */
function describeBadValue(setting: Setting<unknown>, origin: Origin, bad: BadValue): string {
  const label = settingLabel(setting);
  const raw = JSON.stringify(bad.raw);
  switch (origin.kind) {
    case 'argv':
      return `${label}: ${raw} ${bad.reason} (example: ${setting.example})`;
    case 'cmd-args':
      return `${label} (in ${CMD_ARGS}): ${raw} ${bad.reason} (example: ${setting.example})`;
    case 'file':
      return `${origin.file}: ${origin.key} = ${raw} ${bad.reason} (as a flag: ${setting.example})`;
    case 'env': {
      const value = JSON.stringify(origin.value);
      const shown = origin.value === bad.raw ? value : `${value} (as ${label} ${raw})`;
      return `${origin.source.name}: ${shown} ${bad.reason} (example: ${origin.source.example})`;
    }
    case 'default':
      return `${label}: the default ${raw} ${bad.reason}; set ${label} explicitly (example: ${setting.example})`;
  }
}

interface Served {
  readonly apps: readonly AppConfig[];
  readonly routes: readonly RouteConfig[];
  /** The file's listeners when the command line gave no -b; null: the bind setting. */
  readonly binds: readonly BindAddress[] | null;
  readonly configFile: string | null;
}

/** Places each checked setting in the Config; the one spot that knows both shapes. */
function buildConfig(values: SettingValues, input: LoadInput, served: Served): Config {
  const serverSoftware = `xgi/${input.version}`;
  const tls = tlsOf(values);
  return {
    workers: buildWorkers(values, input),
    server: {
      binds: served.binds ?? (tls === null ? values.bind : values.bind.map((bind) => ({ ...bind, tls }))),
      keepAliveMs: values.keepAlive,
      headersTimeoutMs: values.headerTimeout,
      requestBufferBytes: values.requestBufferSize,
      serverSoftware,
      limits: {
        requestLineBytes: values.limitRequestLine,
        // gunicorn: 0 (or anything above) means its maximum, 32768 fields.
        headerFields: values.limitRequestFields === 0 ? 32768 : values.limitRequestFields,
        headerFieldBytes: values.limitRequestFieldSize,
        bodyBytes: values.limitRequestBody,
        bodyTimeoutMs: values.bodyTimeout,
        connections: values.workerConnections,
        headerMap: values.headerMap,
      },
      proxies: {
        forwardedAllowIps: values.forwardedAllowIps,
        proxyProtocol: values.proxyProtocol,
        proxyAllowFrom: values.proxyAllowFrom,
      },
    },
    log: {
      level: values.logLevel,
      errorLogfile: values.errorLogfile,
      accessLogfile: values.accessLogfile,
      accessLogFormat: values.accessLogFormat,
    },
    supervision: buildSupervision(values),
    apps: served.apps,
    routes: served.routes,
    configFile: served.configFile,
  };
}

function buildWorkers(values: SettingValues, input: LoadInput): WorkersConfig {
  const threaded = values.workerClass === 'sync' && values.threads > 1;
  return {
    app: values.app ?? '',
    count: values.workers,
    threads: values.threads,
    // gunicorn: a sync worker with --threads > 1 is a gthread worker.
    workerClass: threaded ? 'gthread' : values.workerClass,
    python: values.python,
    pythonPath: values.pythonpath,
    chdir: values.chdir,
    env: Object.fromEntries(values.rawEnv),
    inheritedEnv: definedOnly(input.env),
    timeoutMs: values.timeout,
    bootTimeoutMs: values.workerBootTimeout,
    gracefulTimeoutMs: values.gracefulTimeout,
    maxInFlight: values.maxInFlight,
    responseWindowBytes: values.responseWindow,
    spoolDir: values.spoolDir,
    maxSpoolBytes: values.maxSpoolSize,
    serverSoftware: `xgi/${input.version}`,
  };
}

function buildSupervision(values: SettingValues): SupervisionConfig {
  return {
    maxRequests: values.maxRequests,
    maxRequestsJitter: values.maxRequestsJitter,
    maxWorkerLifetimeMs: values.maxWorkerLifetime,
    maxWorkerLifetimeJitterMs: values.maxWorkerLifetimeJitter,
    maxWorkerMemoryBytes: values.maxWorkerMemory * 1024 * 1024,
    queueTimeoutMs: values.queueTimeout,
    queueLimit: values.queueLimit,
    preload: values.preload,
    reload: values.reload,
    reloadExtraFiles: values.reloadExtraFile,
    pidfile: values.pid,
  };
}

function buildCgi(values: SettingValues, mounts: readonly CgiMount[], input: LoadInput): CgiConfig {
  return {
    mounts,
    env: Object.fromEntries(values.cgiEnv),
    path: input.env.PATH || DEFAULT_CGI_PATH,
    timeoutMs: values.cgiTimeout,
    maxProcesses: values.cgiMaxProcesses,
    queueLimit: values.cgiQueueLimit,
    isAuthorizationPassed: values.cgiPassAuth,
    areSymlinksAllowed: values.cgiAllowSymlinks,
    isIsindexArgvEnabled: values.cgiIsindexArgv,
    ...(values.cgiSpawners > 0 ? { spawners: { count: values.cgiSpawners, python: values.python } } : {}),
    serverSoftware: `xgi/${input.version}`,
  };
}

interface BuiltApps {
  readonly apps: AppConfig[];
  readonly routes: RouteConfig[];
  readonly problems: string[];
}

/**
 * The command line's apps and routes (its --cgi mounts, longest prefix first
 * as Apache matches ScriptAliases, then its app at the root), then the
 * file's. A file app's keys are laid over the top-level settings.
 */
function buildApps(values: SettingValues, input: LoadInput, file: FileStructure | null): BuiltApps {
  const apps: AppConfig[] = [];
  const routes: RouteConfig[] = [];
  const problems: string[] = [];
  if (values.cgi.length > 0) {
    apps.push({ kind: 'cgi', name: CLI_CGI_APP, cgi: buildCgi(values, values.cgi, input) });
    const prefixes = values.cgi.map((mount) => mount.prefix).sort((a, b) => b.length - a.length);
    for (const prefix of prefixes) routes.push({ hosts: [], prefix, methods: [], app: CLI_CGI_APP });
  }
  if (values.app !== null) {
    apps.push({ kind: 'wsgi', name: CLI_WSGI_APP, workers: buildWorkers(values, input), supervision: buildSupervision(values) });
    routes.push({ hosts: [], prefix: '', methods: [], app: CLI_WSGI_APP });
  }
  const taken = new Set(apps.map((app) => app.name));
  for (const app of file?.apps ?? []) {
    if (taken.has(app.name)) {
      problems.push(`apps.${app.name}: the name is the command line's own app; rename it in the config file`);
      continue;
    }
    const built = buildFileApp(app, values, input, file?.routes ?? []);
    if (built.ok) apps.push(built.app);
    else problems.push(...built.problems);
  }
  routes.push(...(file?.routes ?? []));
  return { apps, routes, problems };
}

type BuiltApp = { readonly ok: true; readonly app: AppConfig } | { readonly ok: false; readonly problems: string[] };

function buildFileApp(app: FileApp, values: SettingValues, input: LoadInput, routes: readonly RouteConfig[]): BuiltApp {
  if (app.kind === 'static') return { ok: true, app: { kind: 'static', name: app.name, static: app.static } };
  const merged = { ...values, ...app.overrides } as SettingValues;
  if (app.kind === 'wsgi') {
    return { ok: true, app: { kind: 'wsgi', name: app.name, workers: buildWorkers(merged, input), supervision: buildSupervision(merged) } };
  }
  // A CGI app is mounted at each of its routes' prefixes, checked as --cgi PREFIX=PATH would be.
  const mounts: CgiMount[] = [];
  const problems: string[] = [];
  for (const prefix of new Set(routes.filter((route) => route.app === app.name).map((route) => route.prefix))) {
    const mount = cgiMount(`${prefix || '/'}=${app.mount}`, { cwd: input.cwd });
    if (mount.ok) mounts.push(mount.value);
    else problems.push(`apps.${app.name}: ${mount.reason}`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, app: { kind: 'cgi', name: app.name, cgi: buildCgi(merged, mounts, input) } };
}

/** The TLS of every --bind, or null when --certfile/--keyfile are not both given. */
function tlsOf(values: SettingValues): TlsConfig | null {
  if (values.certfile === null || values.keyfile === null) return null;
  return { certFile: values.certfile, keyFile: values.keyfile, caFile: values.caCerts };
}

/** A certificate without its key (or the reverse) is a half-done TLS set-up, not plain HTTP. */
function tlsProblems(values: SettingValues): string[] {
  if ((values.certfile === null) === (values.keyfile === null)) {
    return values.caCerts !== null && values.certfile === null ? ['--ca-certs: needs --certfile and --keyfile (example: --certfile cert.pem --keyfile key.pem)'] : [];
  }
  return values.certfile === null
    ? ['--keyfile: needs --certfile as well (example: --certfile cert.pem --keyfile key.pem)']
    : ['--certfile: needs --keyfile as well (example: --certfile cert.pem --keyfile key.pem)'];
}

/** PATH for CGI scripts when xgi has none (Go's net/http/cgi default, less the exotic entries). */
const DEFAULT_CGI_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Two mounts on one prefix would make one of them unreachable. */
function cgiMountProblems(mounts: SettingValues['cgi']): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const mount of mounts) {
    const shown = mount.prefix === '' ? '/' : mount.prefix;
    if (seen.has(mount.prefix)) problems.push(`--cgi: the prefix ${shown} is mounted twice (example: --cgi /cgi-bin=./cgi-bin)`);
    seen.add(mount.prefix);
  }
  return problems;
}

/** Freezes an object and everything reachable from it (fastify's deepFreezeObject). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The environment without unset entries, as a child process receives it.
 * systemd's socket-activation variables stay with the master: the sockets
 * are its own (sd_listen_fds with unset_environment, as gunicorn does).
 */
function definedOnly(env: LoadInput['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !SYSTEMD_VARIABLES.has(key)) out[key] = value;
  return out;
}

