// Fuzzing the config loader (src/config/load.ts with the real command-line
// parser): random command lines made of real flags, near-misses and junk,
// with random PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS and XGI_CMD_ARGS.
// loadConfig never throws and always answers one of its four kinds: a
// frozen Config, help, version, or a list of problems in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

test('loadConfig: any command line and environment give run, help, version or problems, never a throw', () => {
  fc.assert(fc.property(argv, env, (words, variables) => {
    const result = loadConfig({ argv: words, env: variables, cwd: tmpdir(), commandLine: COMMAND_LINE, version: VERSION });
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
  }), fuzzOptions(500));
});
