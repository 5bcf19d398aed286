// --help is rendered from the settings table; --version from package.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readPackageVersion, renderHelp, renderVersion } from '../../dist/cli/help.js';
import { SETTING_ENTRIES } from '../../dist/config/settings.js';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

test('--version is "xgi" and the package.json version', () => {
  assert.equal(readPackageVersion(), VERSION);
  assert.equal(renderVersion(), `xgi ${VERSION}\n`);
});

test('--help starts with the usage line and lists every flag with its metavar and default', () => {
  const help = renderHelp();
  assert.ok(help.startsWith('usage: xgi [OPTIONS] [APP_MODULE]\n'));
  // Help text is wrapped; compare with whitespace collapsed.
  const flat = help.replace(/\s+/g, ' ');
  for (const [name, setting] of SETTING_ENTRIES) {
    for (const flag of setting.flags) {
      const spelled = setting.metavar && setting.arity !== 'switch' ? `${flag} ${setting.metavar}` : flag;
      assert.ok(flat.includes(spelled), `${name}: ${spelled}`);
    }
    assert.ok(flat.includes(setting.help.replace(/\s+/g, ' ')), `${name}: help`);
    if (setting.arity === 'value' || setting.arity === 'repeatable') {
      assert.ok(flat.includes(`[default: ${setting.defaultDoc}`.replace(/\s+/g, ' ')), `${name}: default`);
    }
  }
  assert.match(flat, /-w INT, --workers INT The number of worker processes handling requests\. \[default: 1; env WEB_CONCURRENCY\]/);
});

test('--help fits in 79 columns except for unbreakable words', () => {
  for (const line of renderHelp().split('\n')) {
    assert.ok(line.length <= 79 || !line.trim().includes(' '), line);
  }
});
