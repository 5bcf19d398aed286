/**
 * Compiles gunicorn's `--access-logformat` into a function from an
 * AccessEntry to one line. gunicorn renders `format % SafeAtoms(atoms)` with
 * Python's printf-style operator, so this parses that mini-language once:
 * `%(name)s` (with optional flags `-0+ #`, width and `.precision`), `%(name)d`
 * (also `i`, `u`) and `%%`. The result alternates literal text and atom
 * getters, so a request costs one getter call per atom and no parsing.
 *
 * A format Python would reject (`%s` without a name, a `%` at the end, an
 * unknown conversion such as `%(h)r`) throws at compile time with code
 * XGI_LOG_BAD_ACCESS_FORMAT; gunicorn would instead log a traceback on every
 * request. Unknown atom names are not errors: they render `-`.
 */
import { resolveAtom } from './access-atoms.js';
import type { Atom } from './access-atoms.js';
import type { AccessEntry } from './logger.js';

/** gunicorn's default `--access-logformat`. */
export const DEFAULT_ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

export type AccessFormatter = (entry: AccessEntry) => string;

type Getter = (entry: AccessEntry) => string;

/** One `%(name)...` conversion after parsing. */
interface Conversion {
  readonly name: string;
  readonly isLeftAligned: boolean;
  readonly isZeroPadded: boolean;
  /** `+`, ` ` or empty: what goes before a non-negative number. */
  readonly sign: string;
  readonly width: number;
  readonly precision: number | null;
  readonly type: 's' | 'd';
  /** Index just past the conversion in the format string. */
  readonly end: number;
}

function formatError(format: string, reason: string): Error {
  const error = new Error(`access log format ${JSON.stringify(format)}: ${reason}`);
  return Object.assign(error, { code: 'XGI_LOG_BAD_ACCESS_FORMAT' });
}

/** The mapping key after `%(`, with Python's nested-parenthesis counting. */
function readKey(format: string, open: number): { name: string; end: number } {
  let depth = 1;
  for (let i = open + 1; i < format.length; i++) {
    const c = format[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return { name: format.slice(open + 1, i), end: i + 1 };
  }
  throw formatError(format, 'incomplete format key');
}

function readDigits(format: string, start: number): { value: number; end: number } {
  let end = start;
  while (end < format.length && format[end]! >= '0' && format[end]! <= '9') end++;
  return { value: end === start ? 0 : Number(format.slice(start, end)), end };
}

/** Parses the conversion starting at the `%` at `percent`, which is followed by `(`. */
function readConversion(format: string, percent: number): Conversion {
  const key = readKey(format, percent + 1);
  let i = key.end;
  let isLeftAligned = false;
  let isZeroPadded = false;
  let sign = '';
  for (; i < format.length && '-+ #0'.includes(format[i]!); i++) {
    const flag = format[i];
    if (flag === '-') isLeftAligned = true;
    else if (flag === '0') isZeroPadded = true;
    else if (flag === '+') sign = '+';
    else if (flag === ' ' && sign === '') sign = ' ';
  }
  const width = readDigits(format, i);
  i = width.end;
  let precision: number | null = null;
  if (format[i] === '.') {
    const digits = readDigits(format, i + 1);
    precision = digits.value;
    i = digits.end;
  }
  if ('hlL'.includes(format[i] ?? '-')) i++; // length modifier, ignored by Python
  const letter = format[i];
  if (letter === undefined) throw formatError(format, 'incomplete format');
  const type = letter === 's' ? 's' : 'diu'.includes(letter) ? 'd' : null;
  if (type === null) {
    throw formatError(format, `unsupported format character '${letter}' at index ${i}`);
  }
  return { name: key.name, isLeftAligned, isZeroPadded, sign, width: width.value, precision, type, end: i + 1 };
}

function pad(text: string, conversion: Conversion, zeroAfter: number): string {
  if (text.length >= conversion.width) return text;
  if (conversion.isLeftAligned) return text.padEnd(conversion.width);
  if (!conversion.isZeroPadded || zeroAfter < 0) return text.padStart(conversion.width);
  const head = text.slice(0, zeroAfter);
  return head + text.slice(zeroAfter).padStart(conversion.width - head.length, '0');
}

/** `%d`: an integer atom as Python prints an int; other atoms fall back to their text. */
function formatInteger(value: number, conversion: Conversion): string {
  let digits = String(Math.abs(Math.trunc(value)));
  if (conversion.precision !== null) digits = digits.padStart(conversion.precision, '0');
  const sign = value < 0 ? '-' : conversion.sign;
  return pad(sign + digits, conversion, sign.length);
}

function compileConversion(atom: Atom, conversion: Conversion): Getter {
  const plain = !conversion.width && conversion.precision === null;
  if (conversion.type === 'd' && atom.number !== undefined) {
    const number = atom.number;
    return (e) => formatInteger(number(e), conversion);
  }
  if (plain) return atom.text; // `%(h)s`: the common case costs one call
  const precision = conversion.type === 's' ? conversion.precision : null;
  return (e) => {
    const text = atom.text(e);
    return pad(precision === null ? text : text.slice(0, precision), conversion, -1);
  };
}

/** Splits the format into literals and getters: `literals.length === getters.length + 1`. */
function parseFormat(format: string): { literals: string[]; getters: Getter[] } {
  const literals: string[] = [];
  const getters: Getter[] = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, percent);
    const next = format[percent + 1];
    if (next === '%') {
      literal += '%';
      i = percent + 2;
      continue;
    }
    if (next === undefined) throw formatError(format, 'incomplete format');
    if (next !== '(') throw formatError(format, `format requires a mapping (at index ${percent})`);
    const conversion = readConversion(format, percent);
    literals.push(literal);
    literal = '';
    getters.push(compileConversion(resolveAtom(conversion.name), conversion));
    i = conversion.end;
  }
  literals.push(literal);
  return { literals, getters };
}

/** Compiles an access-log format once; the result renders one line (no newline). */
export function compileAccessFormat(format: string): AccessFormatter {
  const { literals, getters } = parseFormat(format);
  const head = literals[0] ?? '';
  const tails = literals.slice(1);
  const count = getters.length;
  return (entry) => {
    let line = head;
    for (let i = 0; i < count; i++) line += getters[i]!(entry) + tails[i]!;
    return line;
  };
}
