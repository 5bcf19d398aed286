// STYLE.md §4 "Module boundaries", enforced: read the import lines of every
// src/**/*.ts and fail on a forbidden edge; plus the §1 layout rules (no
// barrel index.ts, no grab-bag folders) and the process rules (only main.ts
// calls process.exit; only config/load.ts and main.ts read process.env or
// process.argv). No dependency: a small lexer drops comments and string
// contents so that words inside them do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

// ---------------------------------------------------------------------------
// Reading the tree

/** Every file under `dir`, as paths relative to src/ with '/' separators. */
function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(relative(SRC, full).split(sep).join('/'));
  }
  return out.sort();
}

/**
 * Split TypeScript source into two views of the same length: `code` has
 * comments blanked (strings kept, for import specifiers), `bare` also has the
 * contents of strings, templates and regex literals blanked (for identifiers).
 * Newlines survive in both so line numbers stay right.
 */
function lex(source) {
  const code = source.split('');
  const bare = source.split('');
  const blank = (views, from, to) => {
    for (const v of views) for (let k = from; k < to; k++) if (v[k] !== '\n') v[k] = ' ';
  };
  const templates = []; // brace depth inside each open `${`
  let i = 0;
  let lastSignificant = '';
  let lastWord = '';
  const regexCanStart = () =>
    lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) ||
    ['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'void', 'yield', 'await', 'delete', 'throw', 'new'].includes(lastWord);
  const scanTemplate = () => {
    // At the char after '`' or after the '}' closing a substitution.
    const start = i;
    while (i < source.length) {
      if (source[i] === '\\') { i += 2; continue; }
      if (source[i] === '`') { blank([bare], start, i); i++; lastSignificant = '`'; return; }
      if (source[i] === '$' && source[i + 1] === '{') {
        blank([bare], start, i);
        i += 2;
        templates.push(0);
        lastSignificant = '{';
        return;
      }
      i++;
    }
    blank([bare], start, i);
  };
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const to = end < 0 ? source.length : end;
      blank([code, bare], i, to);
      i = to;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const to = end < 0 ? source.length : end + 2;
      blank([code, bare], i, to);
      i = to;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      blank([bare], i + 1, j);
      i = j + 1;
      lastSignificant = c;
      lastWord = '';
    } else if (c === '`') {
      i++;
      scanTemplate();
      lastWord = '';
    } else if (c === '/' && regexCanStart()) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n') {
        if (source[j] === '\\') { j += 2; continue; }
        if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        else if (source[j] === '/' && !inClass) break;
        j++;
      }
      blank([bare], i + 1, j);
      i = j + 1;
      while (i < source.length && /[a-z]/i.test(source[i])) i++;
      lastSignificant = '/';
      lastWord = '';
    } else if (c === '{' && templates.length > 0) {
      templates[templates.length - 1]++;
      lastSignificant = c;
      i++;
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      i++;
      scanTemplate();
    } else {
      if (c === '}' && templates.length > 0) templates[templates.length - 1]--;
      if (/[A-Za-z0-9_$]/.test(c)) {
        let j = i;
        while (j < source.length && /[A-Za-z0-9_$]/.test(source[j])) j++;
        lastWord = source.slice(i, j);
        lastSignificant = 'a';
        i = j;
        continue;
      }
      if (!/\s/.test(c)) {
        lastSignificant = c;
        lastWord = '';
      }
      i++;
    }
  }
  return { code: code.join(''), bare: bare.join('') };
}

const lineAt = (text, index) => text.slice(0, index).split('\n').length;

/** Import and re-export specifiers of one file: { spec, isTypeOnly, line, text }. */
function readImports(source) {
  // Statements are found in the view without string contents (so an
  // "import ... from" inside a string does not count); the specifier is then
  // read from the same offsets in the view that keeps strings.
  const { code, bare } = lex(source);
  const found = [];
  const patterns = [
    // import x from 'y' / import { a, type b } from 'y' / import type { a } from 'y' / import * as n from 'y'
    /\bimport\s+(type\s+)?(?![\s(])[^'";]*?\bfrom\s*(['"])( *)\2/dg,
    // export { a } from 'y' / export * from 'y' / export type { a } from 'y'
    /\bexport\s+(type\s+)?[*{][^'";]*?\bfrom\s*(['"])( *)\2/dg,
    // import 'y' (side effect)
    /\bimport\s*()(['"])( *)\2/dg,
    // import('y') / require('y')
    /\b(?:import|require)\s*\(\s*()(['"`])( *)\2\s*\)/dg,
  ];
  for (const pattern of patterns) {
    for (const m of bare.matchAll(pattern)) {
      const [specStart, specEnd] = m.indices[3];
      found.push({
        spec: code.slice(specStart, specEnd),
        isTypeOnly: Boolean(m[1]),
        line: lineAt(code, m.index),
        text: code.slice(m.index, m.index + m[0].length).replace(/\s+/g, ' '),
      });
    }
  }
  return found.filter((f) => f.spec !== '').sort((a, b) => a.line - b.line);
}

const BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, '')));

/**
 * What a specifier names: { kind: 'src', path } for a file under src/,
 * { kind: 'builtin', name } (normalised to `node:x`), { kind: 'outside', path }
 * for a relative path leaving src/, or { kind: 'package', name }.
 */
function resolveTarget(from, spec) {
  if (spec.startsWith('.')) {
    const joined = posix.normalize(posix.join(posix.dirname(from), spec));
    if (joined.startsWith('..')) return { kind: 'outside', path: joined };
    return { kind: 'src', path: joined.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts') };
  }
  const bare = spec.replace(/^node:/, '');
  if (spec.startsWith('node:') || BUILTINS.has(bare)) return { kind: 'builtin', name: `node:${bare}` };
  return { kind: 'package', name: spec };
}

// ---------------------------------------------------------------------------
// The rules (STYLE.md §4)

const under = (path, folder) => path.startsWith(folder.endsWith('/') ? folder : folder + '/');
const isConfig = (t) => under(t, 'config');
const isLog = (t) => under(t, 'log');
const WORKER_FILES_FOR_GATEWAYS = new Set(['workers/pool.ts', 'workers/worker.ts', 'workers/arbiter.ts']);
const CONFIG_BUILTINS = ['node:fs', 'node:path', 'node:url'];
const PROTOCOL_FORBIDDEN_BUILTINS = ['node:net', 'node:child_process'];
/**
 * The npm packages a folder may use (DEVELOPERS.md: a few well-kept ones
 * where they do a job better than hand-written code); anywhere else a
 * package import is a forbidden edge.
 */
const PACKAGES_FOR = new Map([
  ['config', ['smol-toml']], // the config file's TOML
  ['gateways/static', ['range-parser', 'mime-types']], // Range headers, Content-Type by extension
]);
const mayUsePackage = (from, name) => [...PACKAGES_FOR].some(([folder, names]) => under(from, folder) && names.includes(name));
/** `node:fs/promises` counts as `node:fs`. */
const builtinRoot = (name) => name.split('/')[0];

/** The rule set that governs `from`, or null when it may import anything. */
function ruleFor(from) {
  if (from === 'main.ts') return null;
  if (from === 'router.ts') {
    return {
      name: 'router.ts → gateways/gateway.ts, config types',
      internal: (t, imp) => t === 'gateways/gateway.ts' || (isConfig(t) && imp.isTypeOnly),
      builtin: () => false,
    };
  }
  if (under(from, 'server')) {
    return {
      name: 'server/ → router.ts, gateways/gateway.ts, log/, config/ types, startup-error.ts, server/, node built-ins',
      internal: (t, imp) =>
        t === 'router.ts' || t === 'gateways/gateway.ts' || isLog(t) || (isConfig(t) && imp.isTypeOnly) ||
        t === 'startup-error.ts' || under(t, 'server'),
      builtin: () => true,
    };
  }
  if (under(from, 'gateways')) {
    const parts = from.split('/');
    const own = parts.length > 2 ? `gateways/${parts[1]}` : null;
    const isPoolUser = own === 'gateways/wsgi' || own === 'gateways/asgi';
    return {
      name: `gateways/${own ? parts[1] + '/' : ''} → gateways/gateway.ts, gateways/cgi-env.ts, log/, config/, its own folder` +
        (isPoolUser ? ', workers/pool.ts, workers/worker.ts, workers/arbiter.ts, workers/protocol/' : ''),
      internal: (t) =>
        t === 'gateways/gateway.ts' || t === 'gateways/cgi-env.ts' || isLog(t) || isConfig(t) ||
        (own !== null && under(t, own)) ||
        (isPoolUser && (WORKER_FILES_FOR_GATEWAYS.has(t) || under(t, 'workers/protocol'))),
      builtin: () => true,
    };
  }
  if (under(from, 'workers/protocol')) {
    return {
      name: 'workers/protocol/ → nothing from xgi outside protocol/, no node:net or node:child_process',
      internal: (t) => under(t, 'workers/protocol'),
      builtin: (name) => !PROTOCOL_FORBIDDEN_BUILTINS.includes(builtinRoot(name)),
    };
  }
  if (under(from, 'workers')) {
    return {
      name: 'workers/ → workers/protocol/, log/, config/, startup-error.ts, workers/',
      internal: (t) => under(t, 'workers') || isLog(t) || isConfig(t) || t === 'startup-error.ts',
      builtin: () => true,
    };
  }
  if (under(from, 'config')) {
    return {
      name: 'config/ → node:fs, node:path, node:url and config/ only',
      internal: (t) => isConfig(t),
      builtin: (name) => CONFIG_BUILTINS.includes(builtinRoot(name)),
    };
  }
  return null; // cli/, log/, startup-error.ts: STYLE.md §4 sets no rule for them
}

/** Why `from` may not import `imp`, or null if it may. */
function forbiddenReason(from, imp) {
  const rule = ruleFor(from);
  const target = resolveTarget(from, imp.spec);
  if (target.kind === 'outside') return `imports ${target.path}, outside src/`;
  if (rule === null) return null;
  switch (target.kind) {
    case 'src':
      if (rule.internal(target.path, imp)) return null;
      if (isConfig(target.path) && !imp.isTypeOnly && rule.internal(target.path, { ...imp, isTypeOnly: true })) {
        return `value import of ${target.path} where only \`import type\` is allowed (rule: ${rule.name})`;
      }
      return `imports ${target.path} (rule: ${rule.name})`;
    case 'builtin':
      return rule.builtin(target.name) ? null : `imports ${target.name} (rule: ${rule.name})`;
    case 'package':
      return mayUsePackage(from, target.name) ? null : `imports package ${target.name} (rule: ${rule.name})`;
  }
  return null;
}

/** `process.exit`, `process.env`, `process.argv` uses: [{ what, line }]. */
function findProcessUses(source) {
  const { bare, code } = lex(source);
  const uses = [];
  for (const m of bare.matchAll(/\bprocess\s*(?:\?\.\s*|\.\s*)(exit|env|argv)\b/g)) {
    uses.push({ what: `process.${m[1]}`, line: lineAt(bare, m.index) });
  }
  for (const m of code.matchAll(/\bprocess\s*\[\s*(['"`])(exit|env|argv)\1\s*\]/g)) {
    uses.push({ what: `process.${m[2]}`, line: lineAt(code, m.index) });
  }
  // const { env } = process;
  for (const m of bare.matchAll(/\{([^{}]*)\}\s*=\s*process\b/g)) {
    for (const name of ['exit', 'env', 'argv']) {
      if (new RegExp(`\\b${name}\\b`).test(m[1])) uses.push({ what: `process.${name}`, line: lineAt(bare, m.index) });
    }
  }
  // import { env } from 'node:process' / import process from 'node:process' is fine, its uses are caught above.
  for (const imp of readImports(source)) {
    if (imp.spec !== 'node:process' && imp.spec !== 'process') continue;
    for (const name of ['exit', 'env', 'argv']) {
      if (new RegExp(`[{,]\\s*${name}\\b`).test(imp.text)) uses.push({ what: `process.${name}`, line: imp.line });
    }
  }
  return uses;
}

// ---------------------------------------------------------------------------
// The checker checks itself (so a lexer or rule bug cannot pass silently)

test('checker: readImports finds every import form, ignores comments and strings, marks import type', () => {
  const source = [
    "import { a } from './a.js';",
    "import type { B } from '../config/config.js';",
    'import {',
    '  c,',
    '  type D,',
    "} from './c.js';",
    "import * as ns from 'node:net';",
    "import def, { e } from './e.js';",
    "export { f } from './f.js';",
    "export type { G } from './g.js';",
    "export * from './h.js';",
    "import './side-effect.js';",
    "const m = await import('./dynamic.js');",
    "// import { no } from './commented.js';",
    "/* import { no } from './block.js'; */",
    "const s = \"import { no } from './string.js'\";",
    "const re = /\\/\\//; import { afterRegex } from './after-regex.js';",
    "const t = `${x}`; import { afterTemplate } from './after-template.js';",
  ].join('\n');
  const got = readImports(source).map((i) => [i.spec, i.isTypeOnly, i.line]);
  assert.deepEqual(got, [
    ['./a.js', false, 1],
    ['../config/config.js', true, 2],
    ['./c.js', false, 3],
    ['node:net', false, 7],
    ['./e.js', false, 8],
    ['./f.js', false, 9],
    ['./g.js', true, 10],
    ['./h.js', false, 11],
    ['./side-effect.js', false, 12],
    ['./dynamic.js', false, 13],
    ['./after-regex.js', false, 17],
    ['./after-template.js', false, 18],
  ]);
});

test('checker: process uses are found in code but not in comments, strings or exitCode', () => {
  const source = [
    '// process.exit(1) in a comment',
    "const help = 'set process.env.X';",
    'process.exitCode = 1;',
    'process.exit(2);',
    'const a = process.env.HOME;',
    "const b = process['argv'];",
    'const { env } = process;',
    'const c = `${process.argv[1]}`;',
    "import { exit } from 'node:process';",
  ].join('\n');
  assert.deepEqual(
    findProcessUses(source).map((u) => `${u.line}:${u.what}`).sort(),
    ['4:process.exit', '5:process.env', '6:process.argv', '7:process.env', '8:process.argv', '9:process.exit'].sort(),
  );
});

test('checker: the rules flag known-bad edges and pass known-good ones', () => {
  const value = (spec) => ({ spec, isTypeOnly: false });
  const type = (spec) => ({ spec, isTypeOnly: true });
  const bad = [
    ['server/http-front.ts', value('../gateways/wsgi/wsgi-gateway.js')],
    ['server/http-front.ts', value('../config/config.js')],
    ['server/http-front.ts', value('../workers/pool.js')],
    ['router.ts', value('node:http')],
    ['router.ts', value('./log/logger.js')],
    ['router.ts', value('./config/config.js')],
    ['gateways/cgi/script.ts', value('../wsgi/exchange.js')],
    ['gateways/cgi/script.ts', value('../../workers/pool.js')],
    ['gateways/cgi/script.ts', value('../../server/http-front.js')],
    ['gateways/wsgi/exchange.ts', value('../../workers/other.js')],
    ['gateways/wsgi/exchange.ts', value('../../router.js')],
    ['gateways/cgi-env.ts', value('../workers/pool.js')],
    ['workers/worker.ts', value('../gateways/gateway.js')],
    ['workers/worker.ts', value('../server/listeners.js')],
    ['workers/protocol/frames.ts', value('../worker.js')],
    ['workers/protocol/frames.ts', value('../../log/logger.js')],
    ['workers/protocol/frames.ts', type('../../config/config.js')],
    ['workers/protocol/frames.ts', value('node:net')],
    ['workers/protocol/frames.ts', value('child_process')],
    ['config/load.ts', value('../cli/parse-argv.js')],
    ['config/load.ts', value('../log/logger.js')],
    ['config/load.ts', value('node:os')],
    ['config/load.ts', value('node:child_process')],
    ['gateways/wsgi/exchange.ts', value('left-pad')],
    ['cli/help.ts', value('../../outside.js')],
  ];
  for (const [from, imp] of bad) assert.notEqual(forbiddenReason(from, imp), null, `${from} → ${imp.spec} must be flagged`);
  const good = [
    ['main.ts', value('./gateways/wsgi/wsgi-gateway.js')],
    ['server/http-front.ts', type('../config/config.js')],
    ['server/http-front.ts', value('../router.js')],
    ['server/http-front.ts', value('./listeners.js')],
    ['server/http-front.ts', value('node:http')],
    ['router.ts', type('./config/config.js')],
    ['router.ts', type('./gateways/gateway.js')],
    ['gateways/cgi/script.ts', value('../cgi-env.js')],
    ['gateways/cgi/script.ts', value('./parse.js')],
    ['gateways/cgi/script.ts', value('node:child_process')],
    ['gateways/asgi/scope.ts', value('../../workers/protocol/frames.js')],
    ['gateways/wsgi/exchange.ts', value('../../workers/arbiter.js')],
    ['workers/worker.ts', value('./protocol/frames.js')],
    ['workers/arbiter.ts', value('../startup-error.js')],
    ['workers/protocol/messages.ts', value('./frames.js')],
    ['workers/protocol/messages.ts', value('node:buffer')],
    ['config/load.ts', value('node:fs/promises')],
    ['config/load.ts', value('./settings.js')],
    ['config/checks.ts', value('path')],
  ];
  for (const [from, imp] of good) assert.equal(forbiddenReason(from, imp), null, `${from} → ${imp.spec} must be allowed`);
});

// ---------------------------------------------------------------------------
// The tree

const FILES = listFiles(SRC);
const TS_FILES = FILES.filter((f) => f.endsWith('.ts'));
const SOURCES = new Map(TS_FILES.map((f) => [f, readFileSync(join(SRC, f), 'utf8')]));

test('the scan sees the tree (main.ts and its imports are found)', () => {
  assert.ok(TS_FILES.includes('main.ts'), 'src/main.ts exists');
  assert.ok(TS_FILES.length >= 10, `found ${TS_FILES.length} .ts files under src/`);
  assert.ok(readImports(SOURCES.get('main.ts')).length >= 3, 'main.ts imports are found');
});

test('every relative import resolves to a .ts file under src/', () => {
  const problems = [];
  for (const [file, source] of SOURCES) {
    for (const imp of readImports(source)) {
      const target = resolveTarget(file, imp.spec);
      if (target.kind === 'src' && !existsSync(join(SRC, target.path))) {
        problems.push(`src/${file}:${imp.line}: ${imp.text} → src/${target.path} does not exist`);
      }
    }
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

test('no forbidden import edge (STYLE.md §4)', () => {
  const problems = [];
  for (const [file, source] of SOURCES) {
    for (const imp of readImports(source)) {
      const reason = forbiddenReason(file, imp);
      if (reason !== null) problems.push(`src/${file}:${imp.line}: ${imp.text}\n    ${reason}`);
    }
  }
  assert.deepEqual(problems, [], `forbidden edges:\n${problems.join('\n')}`);
});

test('no barrel index.ts and no utils/common/helpers/misc folder under src/ (STYLE.md §1)', () => {
  const problems = [];
  for (const file of FILES) {
    const parts = file.split('/');
    if (/^index\.[cm]?ts$/.test(parts.at(-1))) problems.push(`src/${file}: barrel index file`);
    const grabBag = parts.slice(0, -1).find((d) => ['utils', 'common', 'helpers', 'misc'].includes(d.toLowerCase()));
    if (grabBag) problems.push(`src/${file}: lives in a folder named ${grabBag}/`);
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

test('process.exit only in src/main.ts', () => {
  const problems = [];
  for (const [file, source] of SOURCES) {
    if (file === 'main.ts') continue;
    for (const use of findProcessUses(source)) {
      if (use.what === 'process.exit') problems.push(`src/${file}:${use.line}: ${use.what}`);
    }
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

test('process.env and process.argv only in src/config/load.ts and src/main.ts', () => {
  const problems = [];
  for (const [file, source] of SOURCES) {
    if (file === 'main.ts' || file === 'config/load.ts') continue;
    const lines = source.split('\n');
    for (const use of findProcessUses(source)) {
      if (use.what === 'process.env' || use.what === 'process.argv') {
        problems.push(`src/${file}:${use.line}: ${use.what}    ${lines[use.line - 1].trim()}`);
      }
    }
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});
