// LiveSet (src/server/live-set.ts): the front's set of requests in flight,
// an array with swap-remove where each member keeps its index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveSet } from '../../dist/server/live-set.js';

const member = (name) => ({ name, liveSlot: -1 });
const names = (set) => set.snapshot().map((m) => m.name).sort();

test('LiveSet: add, has, delete from the middle and the end, size', () => {
  const set = new LiveSet();
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(member);
  for (const m of [a, b, c, d]) set.add(m);
  set.add(b); // twice: still once
  assert.equal(set.size, 4);
  assert.equal(set.delete(b), true);
  assert.equal(set.has(b), false);
  assert.equal(b.liveSlot, -1);
  assert.deepEqual(names(set), ['a', 'c', 'd']);
  assert.equal(set.delete(b), false, 'a second delete does nothing');
  assert.equal(set.delete(d), true);
  assert.equal(set.delete(a), true);
  assert.deepEqual(names(set), ['c']);
  assert.equal(set.has(c), true);
  set.add(b);
  assert.deepEqual(names(set), ['b', 'c']);
  assert.equal(set.size, 2);
});

test('LiveSet: every member found and removed in any order, across many adds', () => {
  const set = new LiveSet();
  const live = new Set();
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const all = Array.from({ length: 200 }, (_, i) => member(`m${i}`));
  for (let round = 0; round < 5000; round++) {
    const m = all[next() % all.length];
    if (live.has(m)) {
      assert.equal(set.delete(m), true);
      live.delete(m);
    } else {
      set.add(m);
      live.add(m);
    }
    assert.equal(set.size, live.size);
  }
  for (const m of all) assert.equal(set.has(m), live.has(m), m.name);
  assert.deepEqual(names(set), [...live].map((m) => m.name).sort());
});

test('LiveSet: snapshot is a copy, so members can be deleted while walking it', () => {
  const set = new LiveSet();
  const ms = ['a', 'b', 'c'].map(member);
  for (const m of ms) set.add(m);
  for (const m of set.snapshot()) set.delete(m);
  assert.equal(set.size, 0);
  for (const m of ms) assert.equal(m.liveSlot, -1);
});
