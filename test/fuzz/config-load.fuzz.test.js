// Fuzzing the config loader (src/config/load.ts with the real command-line
// parser): random command lines made of real flags, near-misses and junk,
// with random PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS and XGI_CMD_ARGS.
// loadConfig never throws and always answers one of its four kinds: a
// frozen Config, help, version, or a list of problems in words. Then random
// config files (-c), TOML-ish and JSON, made of the real keys, sections and
// junk: a Config or problems, never a throw. Every case takes < 200 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../../dist/config/load.js';
import { COMMAND_LINE } from '../../dist/cli/parse-argv.js';
import { SETTING_ENTRIES } from '../../dist/config/settings.js';
import { fuzzOptions } from './fuzz-options.js';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
const FLAGS = SETTING_ENTRIES.flatMap(([, setting]) => setting.flags);

const junk = fc.string({ unit: fc.integer({ min: 0, max: 0x2fff }).map((c) => String.fromCharCode(c)), maxLength: 12 });
const value = fc.oneof(
  fc.constantFrom('0', '1', '-1', '4', '65536', '99999999999999999999', '1k', '2g', '1x', '', '-', '.', '/', '/tmp', 'wsgi:app',
    'unix:', 'unix:/tmp/x.sock', 'fd://3', 'fd://1', '[::1]:80', '::1', '127.0.0.1:0', 'a=b', '=', '*', '10.0.0.0/8',
    '10.0.0.0/33', 'drop', 'refuse', 'dangerous', 'gthread', 'debug', '/cgi-bin=/tmp', 'mod:factory(1, "x")',
    '/etc/passwd/x', '/cgi-bin=/etc/passwd/x', 'x'.repeat(300), 'a\0b', '/proc/1/root/x'),
  junk,
);
const word = fc.oneof(
  fc.constantFrom(...FLAGS),
  fc.constantFrom(...FLAGS).chain((flag) => value.map((v) => `${flag}=${v}`)),
  fc.constantFrom('--', '-', '--no-such-flag', '-wx', '-hv', '--bind=', '-w4'),
  value,
);
const argv = fc.array(word, { maxLength: 10 });
const env = fc.record({
  PORT: value, WEB_CONCURRENCY: value, FORWARDED_ALLOW_IPS: value,
  XGI_CMD_ARGS: fc.oneof(argv.map((words) => words.join(' ')), junk, fc.constantFrom('"unclosed', "a 'b c' \\", '\\')),
}, { requiredKeys: [] });

/** Generous for parsing a few hundred bytes: this catches a hang or a blow-up, not a slow machine. */
const CASE_BOUND_MS = 200;

/** loadConfig, timed: one case taking CASE_BOUND_MS or more fails. */
function timedLoad(input) {
  const started = performance.now();
  const result = loadConfig({ cwd: tmpdir(), commandLine: COMMAND_LINE, version: VERSION, ...input });
  const elapsedMs = performance.now() - started;
  assert.ok(elapsedMs < CASE_BOUND_MS, `one case took ${elapsedMs.toFixed(1)} ms (bound ${CASE_BOUND_MS} ms)`);
  return result;
}

/** One of the four kinds, each well formed. */
function assertAnswer(result) {
  switch (result.kind) {
    case 'run':
      assert.ok(Object.isFrozen(result.config) && Object.isFrozen(result.config.server.limits));
      assert.ok(result.config.server.limits.headerFields >= 1 && result.config.server.limits.headerFields <= 32768);
      break;
    case 'invalid':
      assert.ok(result.problems.length > 0);
      assert.ok(result.problems.every((p) => typeof p === 'string' && p.length > 0));
      break;
    default:
      assert.ok(result.kind === 'help' || result.kind === 'version', JSON.stringify(result));
  }
}

test('loadConfig: any command line and environment give run, help, version or problems, never a throw', () => {
  fc.assert(fc.property(argv, env, (words, variables) => {
    assertAnswer(timedLoad({ argv: words, env: variables }));
  }), fuzzOptions(500));
});

// Config files: the settings' own keys, the keys of apps, routes and listeners, sections, and junk.
const FILE_KEYS = SETTING_ENTRIES.map(([, setting]) => setting.fileKey).filter((key) => key !== null);
const TABLE_KEYS = ['type', 'module', 'dir', 'program', 'root', 'index', 'env', 'workers', 'threads', 'timeout', 'preload',
  'max_processes', 'list_directories', 'max_age', 'cache_seconds', 'app', 'path', 'host', 'method', 'bind', 'certfile', 'keyfile'];
const key = fc.oneof(
  fc.constantFrom(...FILE_KEYS),
  fc.constantFrom(...TABLE_KEYS),
  fc.constantFrom('wokers', 'limit_request_line.x', '"quoted key"', 'a-b', '_', '1', 'apps.a.type', 'routes'),
  fc.stringMatching(/^[a-z_]{1,12}$/),
);
const tomlScalar = fc.oneof(
  fc.integer({ min: -5, max: 70000 }).map(String),
  fc.constantFrom('0', '-1', '99999999999999999999', '1.5', 'inf', 'nan', '0x10', '1_000', '1e3', 'true', 'false',
    '1979-05-27T07:32:00Z', '1979-05-27', '07:32:00'),
  value.map((v) => JSON.stringify(v)),
  fc.constantFrom('"wsgi"', '"cgi"', '"static"', '"w:app"', '"/"', '"."', '"10m"', '"1g"', '"refuse"', '"10.0.0.0/8,::1"',
    '"unix:/tmp/x.sock"', '"127.0.0.1:0"', "'literal'", '"""multi\nline"""', '"\\u0000"', '"unclosed'),
);
const tomlValue = fc.oneof(
  { weight: 4, arbitrary: tomlScalar },
  { weight: 1, arbitrary: fc.array(tomlScalar, { maxLength: 3 }).map((items) => `[${items.join(', ')}]`) },
  { weight: 1, arbitrary: fc.array(fc.tuple(key, tomlScalar), { maxLength: 3 }).map((pairs) => `{ ${pairs.map(([k, v]) => `${k} = ${v}`).join(', ')} }`) },
  { weight: 1, arbitrary: junk },
);
const tomlLine = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, fc.constantFrom(' = ', '=', ' == ', ' : '), tomlValue).map(([k, eq, v]) => `${k}${eq}${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('[apps.a]', '[apps.b]', '[[routes]]', '[[listeners]]', '[apps]', '[routes]', '[x.y.z]', '[[apps.a]]', '[', '# comment', '') },
  { weight: 1, arbitrary: junk },
);
const tomlDocument = fc.tuple(fc.boolean(), fc.array(tomlLine, { maxLength: 12 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([withApp, lines, eol]) => [...(withApp ? ['wsgi_app = "w:app"'] : []), ...lines].join(eol));
const jsonDocument = fc.oneof(
  fc.dictionary(key.map((k) => k.replace(/"/g, '')), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }),
  fc.jsonValue({ maxDepth: 2 }),
).map((doc) => JSON.stringify(doc));
const configFile = fc.oneof(
  { weight: 4, arbitrary: tomlDocument.map((text) => ['xgi.toml', Buffer.from(text, 'utf8')]) },
  { weight: 1, arbitrary: jsonDocument.map((text) => ['xgi.json', Buffer.from(text, 'utf8')]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('xgi.toml', 'xgi.json'), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))) },
);

test('loadConfig -c FILE: any config file gives a Config or problems, never a throw', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-fuzz-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kinds = { run: 0, invalid: 0 };
  fc.assert(fc.property(configFile, fc.array(word, { maxLength: 3 }), ([name, bytes], words) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const result = timedLoad({ argv: ['-c', path, ...words], env: {} });
    assertAnswer(result);
    if (words.length === 0) {
      assert.ok(result.kind === 'run' || result.kind === 'invalid', result.kind);
      kinds[result.kind]++;
      if (result.kind === 'run') assert.equal(result.config.configFile, path);
    }
  }), fuzzOptions(300));
  assert.ok(kinds.invalid > 0, `the generator reaches the checks: ${JSON.stringify(kinds)}`);
});
