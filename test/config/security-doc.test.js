// docs/security.md is written by hand; its defaults must be the settings
// table's (src/config/settings.ts). Every row of its "Limits" table that
// names a flag must name that setting's config key and show its default, the
// derived whole-head bound must be the sum of the defaults, and the defaults
// the "Header spoofing" and "Proxies" sections state must be the table's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SETTING_ENTRIES, SETTINGS } from '../../dist/config/settings.js';

const DOC = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');

/** The rows of the first table under `## heading`, as arrays of trimmed cells (header and rule dropped). */
function tableUnder(heading) {
  const from = DOC.indexOf(`\n## ${heading}\n`);
  assert.ok(from >= 0, `docs/security.md has a "## ${heading}" section`);
  const lines = DOC.slice(from).split('\n').slice(2);
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  return lines.slice(start + 2, end).map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
}

const UNITS = { bytes: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, s: 1 };

/** "4094 bytes (gunicorn's)", "823,094 bytes", "1 GiB", "30 s", "1000": the number in the unit of the setting. */
function docNumber(cell) {
  const match = /^([\d,]+)(?: (bytes|KiB|MiB|GiB|s))?(?: \(.*\))?$/.exec(cell);
  assert.ok(match, `a default docs/security.md shows as a number: ${JSON.stringify(cell)}`);
  return Number(match[1].replaceAll(',', '')) * UNITS[match[2] ?? 'bytes'];
}

/** A setting's default as a number: "4094", "30", "1g" (k, m, g = 1024^n, as --limit-request-body reads it). */
function settingNumber(setting) {
  assert.equal(setting.default.length, 1);
  const match = /^(\d+)([kmg]?)$/.exec(setting.default[0]);
  assert.ok(match, `a numeric default: ${setting.default[0]}`);
  return Number(match[1]) * 1024 ** ' kmg'.indexOf(match[2] || ' ');
}

const settingOfFlag = (flag) => SETTING_ENTRIES.find(([, setting]) => setting.flags.includes(flag));

test('docs/security.md "Limits": every flag\'s config key and default are the settings table\'s', () => {
  const rows = tableUnder('Limits');
  assert.ok(rows.length >= 10, `the table was found (${rows.length} rows)`);
  const checked = new Set();
  const seenFlags = new Set();
  for (const [limit, flagCell, defaultCell] of rows) {
    const flag = /`(--[\w-]+)`/.exec(flagCell)?.[1];
    if (flag === undefined) continue; // (derived): checked below
    const found = settingOfFlag(flag);
    assert.ok(found, `${limit}: ${flag} is a flag of the settings table`);
    const [name, setting] = found;
    const key = /\(`(\w+)`\)/.exec(flagCell)?.[1];
    if (!seenFlags.has(flag)) {
      // The first row of a flag names its config key; a later row for the same flag may leave it out.
      assert.ok(key !== undefined, `${limit}: the first row of ${flag} names its config key: ${JSON.stringify(flagCell)}`);
      seenFlags.add(flag);
    }
    if (key !== undefined) assert.equal(key, setting.fileKey, `${limit}: the config key of ${flag}`);
    assert.equal(docNumber(defaultCell), settingNumber(setting), `${limit}: docs/security.md says ${defaultCell}, ${name} has ${setting.default[0]}`);
    checked.add(name);
  }
  for (const name of ['limitRequestLine', 'limitRequestFields', 'limitRequestFieldSize', 'limitRequestBody', 'headerTimeout',
    'bodyTimeout', 'keepAlive', 'workerConnections', 'queueLimit', 'queueTimeout']) {
    assert.ok(checked.has(name), `the Limits table has a row for ${name}`);
  }
});

test('docs/security.md "Limits": the whole-head bound is line + fields x field size at the defaults', () => {
  const derived = tableUnder('Limits').find(([, flagCell]) => flagCell.startsWith('(derived)'));
  assert.ok(derived, 'a (derived) row');
  const expected = settingNumber(SETTINGS.limitRequestLine)
    + settingNumber(SETTINGS.limitRequestFields) * settingNumber(SETTINGS.limitRequestFieldSize);
  assert.equal(docNumber(derived[2]), expected);
  assert.ok(DOC.includes(`(${Math.floor(expected / 1000)} KB with the defaults)`), 'the note on the bound agrees');
});

test('docs/security.md: the --header-map and proxy defaults it states are the settings table\'s', () => {
  const [headerMapDefault] = tableUnder('Header spoofing').find(([value]) => value.endsWith('(default)')) ?? [];
  assert.equal(headerMapDefault, `\`${SETTINGS.headerMap.default[0]}\` (default)`);
  assert.ok(DOC.includes(`\`--forwarded-allow-ips\` (default \`${SETTINGS.forwardedAllowIps.default[0]}\``), 'the --forwarded-allow-ips default');
  assert.ok(DOC.includes(`\`--proxy-allow-from\` (default \`${SETTINGS.proxyAllowFrom.default[0]}\``), 'the --proxy-allow-from default');
  assert.ok(DOC.includes(`\`$${SETTINGS.forwardedAllowIps.env.name}\``), 'the --forwarded-allow-ips environment variable');
});
