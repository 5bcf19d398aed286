/**
 * Reading the config file (`-c/--config FILE`): TOML, or JSON when the name
 * ends in `.json`, into a plain table. Only syntax is judged here, with the
 * parser's line and column; what the keys mean is file-layer.ts's (settings)
 * and apps.ts's (listeners, apps, routes).
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';

/** A TOML table or JSON object: string keys to values. */
export type FileTable = { readonly [key: string]: FileValue };
export type FileValue = string | number | boolean | Date | readonly FileValue[] | FileTable;

export type FileRead = { readonly ok: true; readonly table: FileTable } | { readonly ok: false; readonly problem: string };

export function readConfigFile(path: string): FileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, problem: `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const isJson = path.toLowerCase().endsWith('.json');
  try {
    const parsed: unknown = isJson ? JSON.parse(text) : parseToml(text);
    if (!isTable(parsed)) return { ok: false, problem: `${path}: the top level is not a table of keys (example: workers = 2)` };
    return { ok: true, table: parsed };
  } catch (error) {
    // smol-toml: "Invalid TOML document: invalid value\n\n<excerpt>", with line and column (1-based) on the error.
    const { line, column } = error as { line?: number; column?: number };
    const message = ((error as Error).message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    const where = line === undefined ? '' : ` at line ${line}, column ${column ?? 0}`;
    return { ok: false, problem: `${path}: not valid ${isJson ? 'JSON' : 'TOML'}: ${message}${where}` };
  }
}

export function isTable(value: unknown): value is FileTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** How a value is shown in a problem: as the file would spell it. */
export function showValue(value: FileValue): string {
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** `string`, `number`, `table`, ... for problems that name a wrong type. */
export function typeOf(value: FileValue): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (isTable(value)) return 'a table';
  return `a ${typeof value}`;
}
