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
import { isAbsolute } from 'node:path';
import type { BadValue, EnvSource, Setting, SettingName, SettingValues } from './settings.js';
import { SETTING_ENTRIES, settingLabel } from './settings.js';
import type { CheckContext } from './checks.js';
import type { Config, TlsConfig } from './config.js';

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
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'invalid'; readonly problems: readonly string[] };

/** Where a setting's raw values came from, to name that place in a problem. */
type Origin =
  | { readonly kind: 'default' }
  | { readonly kind: 'env'; readonly source: EnvSource; readonly value: string }
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

/**
 * Turns the command line and environment into a frozen Config, or the help
 * or version text, or the list of everything wrong with them.
 */
export function loadConfig(input: LoadInput): LoadResult {
  if (!isAbsolute(input.cwd)) throw new Error(`config: cwd must be absolute, got ${JSON.stringify(input.cwd)}`);
  const layers = [
    defaultsLayer(),
    envLayer(input.env),
    // Issue 6: the config file layer goes here. It is named by -c in the two
    // layers above it, so read their raw `config` entry first, then load.
    cmdArgsLayer(input.env[CMD_ARGS], input.commandLine),
    commandLineLayer(input.argv, { kind: 'argv' }, input.commandLine),
  ];
  const entries = mergeLayers(layers);
  // argparse answers -h and -v as soon as it meets them, whatever else is wrong.
  if (entries.has('help')) return { kind: 'help' };
  if (entries.has('version')) return { kind: 'version' };

  const read = readSettings(entries, { cwd: input.cwd });
  const problems = [...layers.flatMap((layer) => layer.problems), ...read.problems];
  // CGI mounts alone are enough to serve (issue 3): the app is optional then.
  if (!entries.has('app') && !entries.has('cgi')) problems.push('no application given: pass MODULE:CALLABLE, e.g. xgi wsgi:app');
  if (read.values !== null) problems.push(...cgiMountProblems(read.values.cgi), ...tlsProblems(read.values));
  const app = read.values?.app ?? (entries.has('cgi') ? '' : null);
  if (read.values === null || app === null || problems.length > 0) return { kind: 'invalid', problems };
  return { kind: 'run', config: deepFreeze(buildConfig(read.values, app, input)) };
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

function readSettings(entries: ReadonlyMap<SettingName, RawEntry>, context: CheckContext): ReadSettings {
  const values: Partial<Record<SettingName, unknown>> = {};
  const problems: string[] = [];
  for (const [name, setting] of SETTING_ENTRIES) {
    const entry = entries.get(name) ?? { raws: [], origin: { kind: 'default' } };
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
    case 'env': {
      const value = JSON.stringify(origin.value);
      const shown = origin.value === bad.raw ? value : `${value} (as ${label} ${raw})`;
      return `${origin.source.name}: ${shown} ${bad.reason} (example: ${origin.source.example})`;
    }
    case 'default':
      return `${label}: the default ${raw} ${bad.reason}; set ${label} explicitly (example: ${setting.example})`;
  }
}

/** Places each checked setting in the Config; the one spot that knows both shapes. */
function buildConfig(values: SettingValues, app: string, input: LoadInput): Config {
  const { version } = input;
  const threaded = values.workerClass === 'sync' && values.threads > 1;
  return {
    workers: {
      app,
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
      serverSoftware: `xgi/${version}`,
    },
    server: {
      binds: tlsOf(values) === null ? values.bind : values.bind.map((bind) => ({ ...bind, tls: tlsOf(values) as TlsConfig })),
      keepAliveMs: values.keepAlive,
      headersTimeoutMs: values.headerTimeout,
      requestBufferBytes: values.requestBufferSize,
      serverSoftware: `xgi/${version}`,
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
    supervision: {
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
    },
    cgi: values.cgi.length === 0 ? null : {
      mounts: values.cgi,
      env: Object.fromEntries(values.cgiEnv),
      path: input.env.PATH || DEFAULT_CGI_PATH,
      timeoutMs: values.cgiTimeout,
      maxProcesses: values.cgiMaxProcesses,
      queueLimit: values.cgiQueueLimit,
      isAuthorizationPassed: values.cgiPassAuth,
      areSymlinksAllowed: values.cgiAllowSymlinks,
      isIsindexArgvEnabled: values.cgiIsindexArgv,
      ...(values.cgiSpawners > 0 ? { spawners: { count: values.cgiSpawners, python: values.python } } : {}),
      serverSoftware: `xgi/${version}`,
    },
  };
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

