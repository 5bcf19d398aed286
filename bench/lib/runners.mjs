// How one server is measured in each kind of scenario. Every runner starts
// the server, warms it up, measures for options.duration seconds (bounded),
// samples the RSS of the server's whole process tree meanwhile, and returns
// flat metrics for the tables.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { withServer } from './server-run.mjs';
import { composeScript, runWrk } from './wrk.mjs';
import { measureTree, spawnTracked, startSampler, stopTree, track } from './process-tree.mjs';
import { FLOORS } from './scenarios.mjs';

const CLIENTS = new URL('../clients/', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (kb) => kb / 1024;

function wrkSettings(env, scenario, url, seconds, path = '/') {
  return {
    url: url + path,
    script: composeScript(env.tmpDir, scenario.lua),
    seconds,
    connections: env.options.connections,
    threads: env.options.wrkThreads,
  };
}

/** Warm-up then one measured wrk run with the tree's RSS sampled. */
async function measureWrk(env, scenario, server, path) {
  await runWrk(wrkSettings(env, scenario, server.url, env.options.warmup, path));
  const sampler = startSampler(server.pid);
  let result;
  try {
    result = await runWrk(wrkSettings(env, scenario, server.url, env.options.duration, path));
  } finally {
    result = { ...result, memory: sampler.stop() };
  }
  return result;
}

function wrkMetrics(r) {
  return { rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, rssPeakMb: mb(r.memory.rssKb), errorDetail: r.errorDetail };
}

function mixedMetrics(r) {
  const x = r.extra;
  const e = r.errorDetail;
  const ms = (us) => (us == null ? null : us / 1000);
  return {
    ...wrkMetrics(r),
    errors: e.connect + e.read + e.write + e.timeout + x.non2xx + x.unmatched,
    fastCount: x.fast_us.count,
    slowCount: x.slow_us.count,
    fastP50Ms: ms(x.fast_us.p50),
    fastP99Ms: ms(x.fast_us.p99),
    fastP999Ms: ms(x.fast_us.p999),
    slowP50Ms: ms(x.slow_us.p50),
    slowP99Ms: ms(x.slow_us.p99),
  };
}

/** Runs a client script; resolves its READY and DONE lines as objects. */
function startClient(name, args) {
  const child = spawnTracked(name, process.execPath, [join(CLIENTS, name), ...args], { pipe: true });
  const lines = { READY: null, DONE: null };
  const waiting = { READY: [], DONE: [] };
  createInterface({ input: child.stdout }).on('line', (line) => {
    const space = line.indexOf(' ');
    const tag = line.slice(0, space);
    if (tag in lines) {
      lines[tag] = JSON.parse(line.slice(space + 1));
      for (const resolve of waiting[tag]) resolve(lines[tag]);
    }
  });
  const wait = (tag, timeoutMs) =>
    new Promise((resolve, reject) => {
      if (lines[tag]) return resolve(lines[tag]);
      waiting[tag].push(resolve);
      child.exitPromise.then(() => setTimeout(() => reject(new Error(`${name} ended without ${tag}`)), 50).unref());
      setTimeout(() => reject(new Error(`${name}: no ${tag} within ${timeoutMs / 1000} s`)), timeoutMs).unref();
    });
  return { child, wait };
}

async function runWrkKind(env, scenario, serverId) {
  const settings = { app: scenario.app };
  return withServer(env, serverId, settings, async (server) => {
    const r = await measureWrk(env, scenario, server, '/');
    return scenario.kind === 'mixed' ? mixedMetrics(r) : wrkMetrics(r);
  });
}

async function runTransfer(env, scenario, serverId) {
  return withServer(env, serverId, { app: scenario.app }, async (server) => {
    await runWrk(wrkSettings(env, { lua: 'hello.lua' }, server.url, env.options.warmup));
    await sleep(500);
    const before = measureTree(server.pid);
    const sampler = startSampler(server.pid, { intervalMs: 250 });
    const args = ['--port', String(server.port), '--mode', scenario.mode, '--bytes', String(scenario.bytes)];
    args.push('--concurrency', '4', '--seconds', String(env.options.duration));
    const client = startClient('transfer.mjs', args);
    let done;
    try {
      done = await client.wait('DONE', (env.options.duration + 180) * 1000);
    } finally {
      await stopTree(client.child, { graceMs: 1000 });
    }
    const peak = sampler.stop();
    return {
      mbPerSec: done.mbPerSec,
      transfers: done.transfers,
      errors: done.errors,
      lastError: done.lastError,
      rssBeforeMb: mb(before.rssKb),
      rssPeakMb: mb(peak.rssKb),
      rssGrowthMb: mb(peak.rssKb - before.rssKb),
    };
  });
}

async function runSlow(env, scenario, serverId) {
  return withServer(env, serverId, { app: scenario.app }, async (server) => {
    const alone = await measureWrk(env, scenario, server, '/');
    const seconds = env.options.duration + 6;
    const args = ['--port', String(server.port), '--count', String(scenario.slowCount), '--seconds', String(seconds)];
    const client = startClient('slow-clients.mjs', args);
    let withSlow;
    let slow;
    try {
      const ready = await client.wait('READY', 10000);
      await sleep(1000);
      const sampler = startSampler(server.pid);
      try {
        withSlow = await runWrk(wrkSettings(env, scenario, server.url, env.options.duration));
      } finally {
        withSlow = { ...withSlow, memory: sampler.stop() };
      }
      slow = { ready, done: await client.wait('DONE', seconds * 1000 + 10000) };
    } finally {
      await stopTree(client.child, { graceMs: 1000 });
    }
    return {
      rpsAlone: alone.rps,
      p99AloneMs: alone.p99Ms,
      rps: withSlow.rps,
      p99Ms: withSlow.p99Ms,
      kept: alone.rps > 0 ? withSlow.rps / alone.rps : 0,
      errors: withSlow.errors,
      slowOpen: slow.done.openAtEnd,
      slowReopened: slow.done.closedByServer,
      rssPeakMb: mb(withSlow.memory.rssKb),
    };
  });
}

/**
 * How long a server sits without a request before its idle RSS is read: xgi's
 * front gives back the memory V8 grew under load after 6 to 12 s without one
 * (src/idle-memory.ts), and idle means idle for a while.
 */
const IDLE_SETTLE_MS = 14_000;

async function runIdle(env, scenario, serverId) {
  const settings = { app: scenario.app, keepAliveSeconds: scenario.keepAliveSeconds, maxConnections: scenario.maxConnections };
  return withServer(env, serverId, settings, async (server) => {
    await runWrk(wrkSettings(env, scenario, server.url, env.options.warmup));
    await sleep(1000);
    const warmPeak = await samplePeak(server.pid, 1000);
    const args = ['--port', String(server.port), '--count', String(scenario.idleCount), '--hold', '3'];
    const client = startClient('idle-conns.mjs', args);
    let ready;
    let done;
    let heldPeak;
    try {
      ready = await client.wait('READY', 45000);
      const held = startSampler(server.pid, { intervalMs: 250, withPss: true });
      done = await client.wait('DONE', 20000);
      heldPeak = held.stop();
    } finally {
      await stopTree(client.child, { graceMs: 1000 });
    }
    await sleep(IDLE_SETTLE_MS);
    const idlePeak = await samplePeak(server.pid, 1000);
    return {
      rssWarmMb: mb(warmPeak.rssKb),
      rssIdleMb: mb(idlePeak.rssKb),
      pssIdleMb: mb(idlePeak.pssKb),
      rssHeldMb: mb(heldPeak.rssKb),
      pssHeldMb: mb(heldPeak.pssKb),
      rssGrowthMb: mb(heldPeak.rssKb - warmPeak.rssKb),
      pssGrowthMb: mb(heldPeak.pssKb - warmPeak.pssKb),
      open: ready.open,
      failed: ready.failed + (ready.notTried ?? 0),
      openAtEnd: done.openAtEnd,
      processes: idlePeak.processes,
    };
  });
}

/** The peak RSS and PSS of a server's processes over `ms`. */
async function samplePeak(pid, ms) {
  const sampler = startSampler(pid, { intervalMs: 250, withPss: true });
  await sleep(ms);
  return sampler.stop();
}

async function runCgi(env, scenario, serverId) {
  const settings = { readyPath: `/cgi-bin/${scenario.script}` };
  return withServer(env, serverId, settings, async (server) => {
    return wrkMetrics(await measureWrk(env, scenario, server, `/cgi-bin/${scenario.script}`));
  });
}

/** GETs path once and checks that the body is exactly the file's bytes. */
function checkStaticBody(port, path, expected) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200 || !body.equals(expected)) {
          reject(new Error(`GET ${path}: status ${res.statusCode}, ${body.length} bytes, not the ${expected.length} bytes of the file`));
        } else {
          resolve();
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', reject);
  });
}

async function runStatic(env, scenario, serverId) {
  const path = `/${scenario.file}`;
  const settings = { staticDir: env.staticDir, readyPath: path };
  return withServer(env, serverId, settings, async (server) => {
    await checkStaticBody(server.port, path, readFileSync(join(env.staticDir, scenario.file)));
    const r = await measureWrk(env, scenario, server, path);
    return { ...wrkMetrics(r), wireMbPerSec: r.mbPerSec };
  });
}

function runSpawnLoop(env, script, seconds, loops) {
  return new Promise((resolve, reject) => {
    const args = [join(env.cgiDir, script), String(seconds), String(loops)];
    const child = execFile(env.spawnLoop, args, { timeout: (seconds + 30) * 1000, killSignal: 'SIGKILL' }, (err, stdout) => {
      if (err) return reject(err);
      resolve(JSON.parse(stdout));
    });
    track('spawn-loop', child);
  });
}

async function runFloor(env, scenario, serverId) {
  if (!env.spawnLoop) throw new Error('no C compiler (cc): run bench/setup.sh');
  const { loops } = FLOORS[serverId];
  await runSpawnLoop(env, scenario.script, Math.min(1, env.options.warmup), loops);
  const r = await runSpawnLoop(env, scenario.script, env.options.duration, loops);
  return { rps: r.execs / r.seconds, errors: r.errors, p50Ms: null, p99Ms: null, rssPeakMb: null };
}

const RUNNERS = { wrk: runWrkKind, mixed: runWrkKind, transfer: runTransfer, slow: runSlow, idle: runIdle, cgi: runCgi, static: runStatic };

/** Measures one server in one scenario; the metrics, or throws. */
export function measure(env, scenario, serverId) {
  if (serverId in FLOORS) return runFloor(env, scenario, serverId);
  return RUNNERS[scenario.kind](env, scenario, serverId);
}
