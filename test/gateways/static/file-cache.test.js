// FreshCache (file-cache.ts), alone: entries good for the TTL and not after,
// nothing kept with a TTL of 0, and the bounds (bytes, entries) dropping the
// oldest first, so that a hostile client asking for many paths cannot grow it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FreshCache, createFileCache } from '../../../dist/gateways/static/file-cache.js';

test('an entry is fresh until its TTL is up, then gone', () => {
  const cache = new FreshCache(1000);
  cache.set('a', 1, 0);
  assert.equal(cache.get('a', 999), 1);
  assert.equal(cache.get('a', 1000), undefined);
  assert.equal(cache.get('a', 10), undefined, 'an expired entry is removed, not revived');
});

test('a TTL of 0 keeps nothing', () => {
  const cache = new FreshCache(0);
  cache.set('a', 1, 0);
  assert.equal(cache.get('a', 0), undefined);
});

test('past its byte bound the oldest files go first, and setting a key again replaces it', () => {
  const cache = createFileCache(60_000);
  const file = (mb) => ({ size: mb, body: Buffer.alloc(mb * 1024 * 1024), representation: { head: {}, validators: { etag: '"x"', lastModifiedMs: 0 } } });
  for (let i = 0; i < 4; i++) cache.set(`f${i}`, file(10), 0); // 40 MiB offered, 32 MiB kept at most
  assert.equal(cache.get('f0', 1), undefined, 'the oldest went');
  for (const key of ['f1', 'f2', 'f3']) assert.ok(cache.get(key, 1), key);
  cache.set('f1', file(1), 2);
  cache.set('f4', file(10), 2);
  // 1 + 10 + 10 + 10 MiB: all fit only if replacing f1 gave back its 10 MiB.
  for (const key of ['f1', 'f2', 'f3', 'f4']) assert.ok(cache.get(key, 3), `${key} kept`);
});

test('past 10,000 entries the oldest go first', () => {
  const cache = new FreshCache(60_000);
  for (let i = 0; i <= 10_000; i++) cache.set(`p${i}`, i, 0);
  assert.equal(cache.get('p0', 1), undefined);
  assert.equal(cache.get('p1', 1), 1);
  assert.equal(cache.get('p10000', 1), 10_000);
});
