// --reload's watcher on real files: a change to a watched file is reported
// once; an unchanged one never; a file that appears counts as a change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reloader, RELOAD_POLL_MS } from '../../dist/workers/reloader.js';
import { readRssBytes } from '../../dist/workers/memory.js';

test('Reloader: reports the changed file, once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xgi-reloader-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [a, b, later] = ['a.py', 'b.py', 'later.txt'].map((name) => join(dir, name));
  writeFileSync(a, 'x = 1\n');
  writeFileSync(b, 'y = 1\n');
  const changes = [];
  const reloader = new Reloader((file) => changes.push(file));
  t.after(() => reloader.stop());
  reloader.watch([a, b, later]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  writeFileSync(a, 'x = 22\n');
  await new Promise((resolve) => setTimeout(resolve, RELOAD_POLL_MS * 2.5));
  assert.deepEqual(changes, [a]);
  writeFileSync(later, 'now it exists');
  await new Promise((resolve) => setTimeout(resolve, RELOAD_POLL_MS * 1.5));
  assert.deepEqual(changes, [a, later]);
});

test('readRssBytes: a live process has an RSS; a gone one has none', async () => {
  const rss = await readRssBytes(process.pid);
  assert.ok(rss !== null && rss > 10 * 1024 * 1024, `${rss}`);
  assert.equal(await readRssBytes(2147483), null);
});
