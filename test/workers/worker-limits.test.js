// Recycling limits with jitter (gunicorn: max_requests + randint(0, jitter)),
// and the boot back-off: pure functions, exact values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickLimits } from '../../dist/workers/worker-limits.js';
import { BootBackoff } from '../../dist/workers/boot-backoff.js';

const NONE = { maxRequests: 0, maxRequestsJitter: 0, maxWorkerLifetimeMs: 0, maxWorkerLifetimeJitterMs: 0 };

test('pickLimits: 0 means never; jitter adds 0..J, both ends included', () => {
  assert.deepEqual(pickLimits(NONE, () => 0.5), { maxRequests: Infinity, lifetimeMs: Infinity });
  const config = { ...NONE, maxRequests: 1000, maxRequestsJitter: 50, maxWorkerLifetimeMs: 3_600_000, maxWorkerLifetimeJitterMs: 60_000 };
  assert.deepEqual(pickLimits(config, () => 0), { maxRequests: 1000, lifetimeMs: 3_600_000 });
  assert.deepEqual(pickLimits(config, () => 0.999999), { maxRequests: 1050, lifetimeMs: 3_660_000 });
});

test('BootBackoff: 0.1 s, doubling, capped at 10 s; READY resets it', () => {
  const backoff = new BootBackoff();
  assert.equal(backoff.delayMs(0), 0);
  const delays = Array.from({ length: 9 }, () => backoff.failed(0));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
  assert.equal(backoff.failures, 9);
  assert.equal(backoff.delayMs(4000), 6000);
  backoff.succeeded();
  assert.equal(backoff.delayMs(0), 0);
  assert.equal(backoff.failed(0), 100);
});
