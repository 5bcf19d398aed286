/**
 * The command line → raw settings: which setting each word sets, with the
 * text exactly as given. Flags come from the settings table, spelled as
 * gunicorn's (argparse) are: `--flag VALUE`, `--flag=VALUE`, `-f VALUE`,
 * `-fVALUE`, `-f=VALUE`, grouped switches (`-hv`), repeatable flags that
 * accumulate, `--` ending the options, and one positional APP_MODULE.
 *
 * Values are not checked here (`load.ts` does that, for every layer alike),
 * and a missing APP_MODULE is not a problem yet: XGI_CMD_ARGS or a config file
 * may supply it. Also here: `splitCommandLine`, the shell-like split of
 * XGI_CMD_ARGS (gunicorn's `shlex.split(GUNICORN_CMD_ARGS)`).
 */
import { SETTING_ENTRIES } from '../config/settings.js';
import type { Setting, SettingName } from '../config/settings.js';
import type { CommandLineParser, ParsedCommandLine, SplitResult } from '../config/load.js';

export type { ParsedCommandLine, SplitResult } from '../config/load.js';

interface FlagTarget {
  readonly name: SettingName;
  readonly setting: Setting<unknown>;
}

const FLAGS: ReadonlyMap<string, FlagTarget> = new Map(
  SETTING_ENTRIES.flatMap(([name, setting]) => setting.flags.map((flag) => [flag, { name, setting }] as const)),
);

const POSITIONAL = SETTING_ENTRIES.find(([, setting]) => setting.arity === 'positional')?.[0];

/** What one command line has set so far. */
interface Collector {
  readonly raw: Map<SettingName, string[]>;
  readonly problems: string[];
}

function addRaw(collector: Collector, name: SettingName, value: string): void {
  const values = collector.raw.get(name);
  if (values) values.push(value);
  else collector.raw.set(name, [value]);
}

/**
 * A word that starts an option rather than being a value: argparse's rule,
 * so `--error-logfile -` and `--timeout -1` still take the next word as value.
 */
function isOptionLike(word: string): boolean {
  return word.startsWith('-') && word !== '-' && !/^-\d/.test(word);
}

/** Splits a command line (e.g. `xgi -w 4 wsgi:app`, without `xgi`) into raw settings. */
export function parseArgv(argv: readonly string[]): ParsedCommandLine {
  const collector: Collector = { raw: new Map(), problems: [] };
  let index = 0;
  while (index < argv.length) {
    const word = argv[index] ?? '';
    if (word === '--') {
      for (const rest of argv.slice(index + 1)) addPositional(collector, rest);
      break;
    }
    if (word.startsWith('--')) index = takeLong(argv, index, collector);
    else if (isOptionLike(word)) index = takeShort(argv, index, collector);
    else {
      addPositional(collector, word);
      index += 1;
    }
  }
  checkPositionals(collector);
  return { raw: Object.fromEntries(collector.raw), problems: collector.problems };
}

function addPositional(collector: Collector, word: string): void {
  if (POSITIONAL === undefined) collector.problems.push(`unexpected argument "${word}"`);
  else addRaw(collector, POSITIONAL, word);
}

function checkPositionals(collector: Collector): void {
  const apps = POSITIONAL === undefined ? [] : (collector.raw.get(POSITIONAL) ?? []);
  if (apps.length > 1) {
    const given = apps.map((app) => JSON.stringify(app)).join(', ');
    collector.problems.push(`more than one application given (${given}): pass exactly one MODULE:CALLABLE, e.g. xgi wsgi:app`);
  }
}

/** `--flag`, `--flag VALUE`, `--flag=VALUE`; returns the index of the next word. */
function takeLong(argv: readonly string[], index: number, collector: Collector): number {
  const word = argv[index] ?? '';
  const equals = word.indexOf('=');
  const flag = equals === -1 ? word : word.slice(0, equals);
  const target = FLAGS.get(flag);
  if (target === undefined) return skipUnrecognized(argv, index, collector, flag);
  return takeValue(argv, index, collector, { flag, target, inline: equals === -1 ? null : word.slice(equals + 1) });
}

/** `-f`, `-f VALUE`, `-fVALUE`, `-f=VALUE`, `-hv`; returns the index of the next word. */
function takeShort(argv: readonly string[], index: number, collector: Collector): number {
  let word = argv[index] ?? '';
  for (;;) {
    const flag = word.slice(0, 2);
    const target = FLAGS.get(flag);
    const rest = word.slice(2);
    if (target === undefined) return skipUnrecognized(argv, index, collector, flag);
    if (target.setting.arity !== 'switch' || rest === '' || rest.startsWith('=')) {
      const inline = rest === '' ? null : rest.replace(/^=/, '');
      return takeValue(argv, index, collector, { flag, target, inline });
    }
    addRaw(collector, target.name, '');
    word = `-${rest}`; // grouped switches: -hv is -h -v
  }
}

interface Occurrence {
  readonly flag: string;
  readonly target: FlagTarget;
  /** The value attached to the flag word itself, or null if none. */
  readonly inline: string | null;
}

function takeValue(argv: readonly string[], index: number, collector: Collector, occurrence: Occurrence): number {
  const { flag, target, inline } = occurrence;
  if (target.setting.arity === 'switch') {
    if (inline === null) addRaw(collector, target.name, '');
    else collector.problems.push(`${flag} takes no value, but was given "${inline}"`);
    return index + 1;
  }
  if (inline !== null) {
    addRaw(collector, target.name, inline);
    return index + 1;
  }
  const next = argv[index + 1];
  if (next === undefined || isOptionLike(next)) {
    collector.problems.push(`${flag} needs a value (example: ${target.setting.example})`);
    return index + 1;
  }
  addRaw(collector, target.name, next);
  return index + 2;
}

/**
 * Reports an unknown option. When it looks like a typo of a flag that takes
 * a value (`--wokers 4`), its value goes with it, so that `4` is not taken
 * for the application as well.
 */
function skipUnrecognized(argv: readonly string[], index: number, collector: Collector, flag: string): number {
  const suggestion = closestFlag(flag);
  if (suggestion === null) {
    collector.problems.push(`unrecognized option ${flag} (see xgi --help)`);
    return index + 1;
  }
  collector.problems.push(`unrecognized option ${flag} (did you mean ${suggestion}?)`);
  const hasInlineValue = (argv[index] ?? '') !== flag;
  const next = argv[index + 1];
  const takesValue = FLAGS.get(suggestion)?.setting.arity !== 'switch';
  return takesValue && !hasInlineValue && next !== undefined && !isOptionLike(next) ? index + 2 : index + 1;
}

/** The known flag nearest to a mistyped one, if it is near enough to be a typo. */
function closestFlag(flag: string): string | null {
  let best: { flag: string; distance: number } | null = null;
  for (const known of FLAGS.keys()) {
    const distance = editDistance(flag, known);
    if (best === null || distance < best.distance) best = { flag: known, distance };
  }
  const allowed = Math.max(1, Math.floor(flag.length / 4));
  return best !== null && best.distance <= allowed ? best.flag : null;
}

/** Levenshtein distance, case-insensitive (so `-W` suggests `-w`). */
function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, j) => j);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}


/**
 * Splits text into words as a POSIX shell would, without expansions: blanks
 * separate words, '...' is literal, "..." honours \" \\ \$ \`, and a backslash
 * outside quotes escapes the next character.
 */
export function splitCommandLine(text: string): SplitResult {
  const words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (quote === "'") {
      if (char === "'") quote = null;
      else word = (word ?? '') + char;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === '\\' && /["\\$`]/.test(text[i + 1] ?? '')) word = (word ?? '') + (text[++i] ?? '');
      else word = (word ?? '') + char;
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= '';
    } else if (char === '\\') {
      if (i + 1 >= text.length) return { ok: false, reason: 'ends with a lone backslash' };
      word = (word ?? '') + (text[++i] ?? '');
    } else word = (word ?? '') + char;
  }
  if (quote !== null) return { ok: false, reason: `has an unterminated ${quote} quote` };
  if (word !== null) words.push(word);
  return { ok: true, words };
}

/** The parser config/load.ts is given by main.ts. */
export const COMMAND_LINE: CommandLineParser = { parse: parseArgv, split: splitCommandLine };
