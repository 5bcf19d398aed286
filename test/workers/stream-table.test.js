// StreamTable (src/workers/stream-table.ts): one worker's streams in flight,
// in sending order, looked up by id as frames come back in any order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamTable } from '../../dist/workers/stream-table.js';

const sink = (name, isBlockedOnClient = false) => ({ name, isBlockedOnClient });

test('StreamTable: ids 1, 2, 3 ... in sending order; found, deleted and missed in any order', () => {
  const table = new StreamTable();
  const sinks = Array.from({ length: 40 }, (_, i) => sink(`s${i}`));
  const ids = sinks.map((s) => table.open(s));
  assert.deepEqual(ids, sinks.map((_, i) => i + 1));
  assert.equal(table.size, 40);
  // Answers come back out of order (threads): delete every third, then the rest backwards.
  for (let i = 0; i < 40; i += 3) table.delete(ids[i]);
  for (let i = 0; i < 40; i++) {
    assert.equal(table.has(ids[i]), i % 3 !== 0, `stream ${ids[i]}`);
    assert.equal(table.get(ids[i]), i % 3 === 0 ? undefined : sinks[i]);
  }
  assert.equal(table.get(41), undefined);
  assert.equal(table.get(0), undefined);
  table.delete(1); // already gone: nothing happens
  assert.equal(table.size, 26);
  for (let i = 39; i >= 0; i--) table.delete(ids[i]);
  assert.equal(table.size, 0);
  assert.equal(table.oldestSentAt, Infinity);
  assert.equal(table.open(sink('next')), 41, 'ids go on rising');
});

test('StreamTable: oldest, stalled and silent follow sending order', async () => {
  const table = new StreamTable();
  const first = table.open(sink('a'));
  await new Promise((resolve) => setTimeout(resolve, 30));
  const second = table.open(sink('b'));
  const now = performance.now();
  assert.ok(now - table.oldestSentAt >= 25);
  assert.equal(table.isStalled(now, 20, 1), true, 'the first has run over 20 ms');
  assert.equal(table.isStalled(now, 20, 2), false, 'the second has not');
  assert.equal(table.isSilentFor(20, now, now - 25), true);
  assert.equal(table.isSilentFor(20, now, now - 5), false, 'heard from lately');
  table.delete(first);
  assert.equal(table.isStalled(now, 20, 1), false);
  assert.equal(table.isSilentFor(20, now, now - 25), false, 'the one left is young');
  table.delete(second);
  const waiting = table.open(sink('c', true));
  assert.equal(table.isSilentFor(0, performance.now() + 50, 0), false, 'a stream waiting on its client is never silent');
  table.delete(waiting);
});

test('StreamTable: takeStarted takes what is at or below the mark, takeAll the rest', () => {
  const table = new StreamTable();
  const sinks = Array.from({ length: 6 }, (_, i) => sink(`s${i}`));
  for (const s of sinks) table.open(s);
  table.delete(2);
  assert.deepEqual(table.takeStarted(4).map((s) => s.name), ['s0', 's2', 's3']);
  assert.deepEqual(table.takeAll().map(([id, s]) => [id, s.name]), [[5, 's4'], [6, 's5']]);
  assert.equal(table.size, 0);
});
