// The front gives memory back when its traffic stops (src/idle-memory.ts):
// after a burst of requests and IDLE_MS without one, it runs a full GC, the
// V8 heap it logs shrinks, and so does its resident set. Without the GC, V8
// keeps the young generation it grew under load for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi } from './helpers/start-xgi.js';
import { startLoad, summarize } from './helpers/load.js';
import { rssBytes } from './helpers/memory.js';
import { sleep } from './helpers/processes.js';

const IDLE_GC = /Idle for 6 s: garbage collected, V8 heap ([\d.]+) -> ([\d.]+) MiB/g;
const MIB = 1048576;

test('after a burst of requests and 6 s without one, the front collects garbage and its RSS falls', { timeout: 50_000 }, async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'supervision', '-w', '2', '--log-level', 'debug'], { workers: 2 });
  await sleep(7000);
  assert.doesNotMatch(xgi.stderr, IDLE_GC, 'no GC before any request');

  const load = startLoad(xgi, { concurrency: 48, durationMs: 3000, pathFor: (token) => `/echo?token=${token}` });
  const { ok, failed } = summarize(await load.done);
  assert.equal(failed.length, 0);
  assert.ok(ok.length > 1000, `only ${ok.length} requests in the burst`);
  const rssAfterLoad = rssBytes(xgi.pid);

  const first = await xgi.waitForLine(IDLE_GC, 15_000);
  // The first GC may keep the young generation whole (V8 shrinks it only when
  // the allocation rate since the GC before, under load, was low); the next does.
  const last = Number(first[2]) < Number(first[1]) - 2 ? first : await xgi.waitForLine(IDLE_GC, 10_000, 1);
  const [before, after] = [first[1], last[2]];
  assert.ok(Number(after) < Number(before) - 2, `V8 heap ${before} -> ${after} MiB`);
  await sleep(1500); // V8 unmaps the freed pages in the background
  const rssIdle = rssBytes(xgi.pid);
  t.diagnostic(`${ok.length} requests; V8 heap ${before} -> ${after} MiB; RSS ${(rssAfterLoad / MIB).toFixed(1)} -> ${(rssIdle / MIB).toFixed(1)} MiB`);
  assert.ok(rssIdle < rssAfterLoad - 2 * MIB, `RSS ${(rssAfterLoad / MIB).toFixed(1)} -> ${(rssIdle / MIB).toFixed(1)} MiB`);
});
