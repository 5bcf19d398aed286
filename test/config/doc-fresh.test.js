// docs/configuration.md is generated from the settings table; it must match
// what scripts/build-config-doc.mjs renders now (gunicorn's build_settings_doc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOC_PATH, renderConfigDoc } from '../../scripts/build-config-doc.mjs';
import { SETTING_ENTRIES } from '../../dist/config/settings.js';

test('docs/configuration.md is what the settings table generates', () => {
  const committed = readFileSync(DOC_PATH, 'utf8');
  assert.ok(
    committed === renderConfigDoc(),
    'docs/configuration.md is stale: run `npx tsc -p tsconfig.json && node scripts/build-config-doc.mjs`',
  );
});

test('the generated doc lists every flag, env var, config key and default of every setting', () => {
  const doc = renderConfigDoc();
  for (const [name, setting] of SETTING_ENTRIES) {
    for (const flag of setting.flags) assert.ok(doc.includes(`\`${flag}`), `${name}: ${flag}`);
    if (setting.env !== null) assert.ok(doc.includes(`\`${setting.env.name}\``), `${name}: ${setting.env.name}`);
    if (setting.fileKey !== null) assert.ok(doc.includes(`\`${setting.fileKey}\``), `${name}: ${setting.fileKey}`);
    if (setting.arity === 'value' || setting.arity === 'repeatable') {
      assert.ok(doc.includes(`- **Default:** ${setting.defaultDoc}\n`), `${name}: default`);
    }
    assert.ok(doc.includes(setting.help), `${name}: help`);
  }
});
