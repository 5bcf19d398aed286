#!/usr/bin/env node
// `npm test`: every test/**/*.test.js file through node's built-in runner.
// Listed explicitly because Node 20's --test does not expand globs and would
// otherwise also run test/helpers/ as tests.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : find(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const root = new URL('..', import.meta.url).pathname;
const files = find(join(root, 'test')).map((f) => relative(root, f)).sort();
const extra = process.argv.slice(2);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...extra, ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
