/**
 * The config file's settings: its top-level keys are the settings table's
 * file keys (gunicorn's names: `workers`, `bind`, `accesslog`, ...), turned
 * into the same raw text a flag would carry, so that one check judges both.
 * `listeners`, `apps` and `routes` are apps.ts's. An unknown key is a
 * problem, with the nearest known key suggested.
 */
import { type FileTable, type FileValue, isTable, showValue, typeOf } from './config-file.js';
import type { Setting, SettingName } from './settings.js';
import { SETTING_ENTRIES } from './settings.js';

/** Keys with a structure of their own, read by apps.ts. */
export const SECTION_KEYS = ['listeners', 'apps', 'routes'] as const;

export type ToRaws = { readonly ok: true; readonly raws: readonly string[] } | { readonly ok: false; readonly reason: string };

/**
 * A file value as the raw occurrences of `setting`: a switch takes true or
 * false; a repeatable setting an array (or one value); a list setting
 * (`pythonpath`, `forwarded_allow_ips`) an array, joined with commas as on
 * the command line; `KEY=VALUE` settings (`raw_env`, `cgi_env`) also a table.
 */
export function toRaws(setting: Setting<unknown>, value: FileValue | null): ToRaws {
  if (value === null) return { ok: false, reason: 'is null; leave the key out instead' };
  if (setting.arity === 'switch') {
    return typeof value === 'boolean' ? { ok: true, raws: value ? ['true'] : [] } : { ok: false, reason: `is ${typeOf(value)}, not true or false` };
  }
  if (isTable(value)) {
    if (!isKeyValueSetting(setting)) return { ok: false, reason: `is a table, which this key does not take` };
    const raws: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (!isScalar(item)) return { ok: false, reason: `has ${key} = ${showValue(item)}, which is not a string or number` };
      raws.push(`${key}=${String(item)}`);
    }
    return { ok: true, raws };
  }
  if (Array.isArray(value)) {
    const items = value as readonly FileValue[];
    const bad = items.find((item) => !isScalar(item));
    if (bad !== undefined) return { ok: false, reason: `has the item ${showValue(bad)}, which is not a string or number` };
    const texts = items.map((item) => String(item));
    return { ok: true, raws: setting.arity === 'repeatable' ? texts : [texts.join(',')] };
  }
  if (value instanceof Date) return { ok: false, reason: 'is a date, not text' };
  return { ok: true, raws: [String(value)] };
}

function isScalar(value: FileValue): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

/** `-e KEY=VALUE`-style settings, which a TOML table spells naturally. */
function isKeyValueSetting(setting: Setting<unknown>): boolean {
  return setting.metavar === 'ENV' || setting.metavar === 'KEY=VALUE';
}

export interface FileSetting {
  readonly name: SettingName;
  readonly key: string;
  readonly raws: readonly string[];
}

export interface FileSettings {
  readonly settings: readonly FileSetting[];
  readonly problems: readonly string[];
}

const BY_FILE_KEY = new Map(SETTING_ENTRIES.filter(([, s]) => s.fileKey !== null).map(([name, s]) => [s.fileKey as string, [name, s] as const]));

/** The file's top-level settings, each as raw occurrences; every problem named `FILE: key = value: ...`. */
export function readFileSettings(table: FileTable, file: string): FileSettings {
  const settings: FileSetting[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(table)) {
    if ((SECTION_KEYS as readonly string[]).includes(key)) continue;
    const known = BY_FILE_KEY.get(key);
    if (known === undefined) {
      problems.push(`${file}: unknown key ${JSON.stringify(key)}${suggest(key, [...BY_FILE_KEY.keys(), ...SECTION_KEYS])}`);
      continue;
    }
    const [name, setting] = known;
    const raws = toRaws(setting, value as FileValue | null);
    if (raws.ok) settings.push({ name, key, raws: raws.raws });
    else problems.push(`${file}: ${key} = ${showValue(value)} ${raws.reason}`);
  }
  return { settings, problems };
}

/** ` (did you mean "workers"?)` for a key one or two edits from a known one, else ''. */
function suggest(key: string, known: readonly string[]): string {
  const best = closestKey(key, known);
  return best === null ? `; the keys are listed in docs/configuration.md` : ` (did you mean ${JSON.stringify(best)}?)`;
}

/** The known key within two edits of `key` (a typo), or null. */
export function closestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
