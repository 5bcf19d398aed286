#!/usr/bin/env node
// `npm run bench`: every scenario against xgi and the anchors, one server at a
// time, on 127.0.0.1, every load bounded in time; results into
// bench/results/ and BENCHMARKS.md. See bench/README.md.

import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseOptions, USAGE } from './lib/options.mjs';
import { SCENARIOS, FLOORS, estimateSeconds } from './lib/scenarios.mjs';
import { SERVERS, whyUnavailable, collectVersions } from './lib/servers.mjs';
import { measure } from './lib/runners.mjs';
import { primaryMetric } from './lib/report.mjs';
import { writeResults } from './lib/outputs.mjs';
import { killAllStarted, runningCount } from './lib/process-tree.mjs';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const BENCH = join(ROOT, 'bench');

function labelOf(id) {
  return FLOORS[id]?.label ?? SERVERS[id].label;
}

// --servers names that also cover other rows: xgi its CGI and static rows,
// lighttpd its static-file row
const COVERS = { xgi: ['xgi-cgi', 'xgi-static'], lighttpd: ['lighttpd-static'] };

function serverMatches(filter, id) {
  if (!filter) return true;
  return filter.some((f) => f === id || COVERS[f]?.includes(id) || (f === 'floor' && id in FLOORS));
}

function plan(options) {
  const known = new Set(SCENARIOS.map((s) => s.id));
  for (const id of options.only ?? []) if (!known.has(id)) throw new Error(`unknown scenario ${id} (see --list)`);
  const serverIds = new Set([...Object.keys(SERVERS), ...Object.keys(FLOORS), 'floor']);
  for (const id of options.servers ?? []) if (!serverIds.has(id)) throw new Error(`unknown server ${id} (see --list)`);
  return SCENARIOS.filter((s) => !options.only || options.only.includes(s.id))
    .map((s) => ({ scenario: s, servers: s.servers.filter((id) => serverMatches(options.servers, id)) }))
    .filter((p) => p.servers.length);
}

function describeServers(steps, workers) {
  const out = {};
  for (const { servers } of steps) {
    for (const id of servers) {
      if (id in SERVERS) out[id] = { label: SERVERS[id].label, describe: SERVERS[id].describe(workers) };
      else out.floor = { label: 'floor', describe: 'bench/cgi/spawn-loop.c built with `cc -O2`: posix_spawn, read the output, waitpid, in a loop (×2: two such loops side by side)' };
    }
  }
  return out;
}

function printEstimate(steps, options) {
  const seconds = steps.reduce((t, p) => t + p.servers.reduce((u, id) => u + estimateSeconds(p.scenario, id, options), 0) * options.rounds, 0);
  const measurements = steps.reduce((n, p) => n + p.servers.length, 0) * options.rounds;
  console.log(`xgi bench: ${steps.length} scenarios, ${measurements} measurements, ${options.duration} s each after ${options.warmup} s warm-up`);
  console.log(`estimated time: ${seconds < 120 ? `~${seconds} s` : `~${Math.ceil(seconds / 60)} min`}`);
}

function printList() {
  console.log('scenarios:');
  for (const s of SCENARIOS) console.log(`  ${s.id.padEnd(14)} ${s.title}  [${s.servers.join(', ')}]`);
  console.log('servers:');
  for (const [id, s] of Object.entries(SERVERS)) console.log(`  ${id.padEnd(14)} ${s.label} (${s.kind})`);
  for (const [id, f] of Object.entries(FLOORS)) console.log(`  ${id.padEnd(14)} ${f.label}`);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function checkPrerequisites(xgiRoot) {
  if (!existsSync(join(xgiRoot, 'dist/main.js'))) throw new Error(`xgi is not built in ${xgiRoot}: npx tsc -p tsconfig.json (npm run bench does it)`);
  if (newestMtime(join(xgiRoot, 'src')) > newestMtime(join(xgiRoot, 'dist'))) {
    console.warn('warning: src/ is newer than dist/: the run measures the last build (npm run bench builds first)');
  }
  try {
    execFileSync('wrk', ['-v'], { stdio: 'ignore' });
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error('wrk is not installed: run bench/setup.sh');
  }
}

function prepareTmp(needsCgi, staticFiles) {
  const tmpDir = mkdtempSync(join(os.tmpdir(), 'xgi-bench-'));
  chmodSync(tmpDir, 0o755); // Apache's children (www-data) read the apps and scripts
  const appsDir = join(tmpDir, 'apps');
  const cgiDir = join(tmpDir, 'cgi-bin');
  cpSync(join(BENCH, 'apps'), appsDir, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  cpSync(join(BENCH, 'cgi'), cgiDir, { recursive: true, filter: (src) => !src.endsWith('.c') });
  for (const dir of [appsDir, cgiDir]) {
    chmodSync(dir, 0o755);
    for (const name of readdirSync(dir)) chmodSync(join(dir, name), dir === cgiDir ? 0o755 : 0o644);
  }
  let spawnLoop = null;
  if (needsCgi) {
    try {
      spawnLoop = join(tmpDir, 'spawn-loop');
      execFileSync('cc', ['-O2', '-o', spawnLoop, join(BENCH, 'cgi/spawn-loop.c')], { stdio: 'pipe' });
    } catch (err) {
      console.warn(`warning: cannot build bench/cgi/spawn-loop.c (${err.message.split('\n')[0]}): no floor rows`);
      spawnLoop = null;
    }
  }
  // the static scenarios' files: random bytes, the same files for every
  // server, readable by nginx's www-data workers
  const staticDir = join(tmpDir, 'static');
  mkdirSync(staticDir, { mode: 0o755 });
  for (const { file, bytes } of staticFiles) writeFileSync(join(staticDir, file), randomBytes(bytes), { mode: 0o644 });
  return { tmpDir, appsDir, cgiDir, spawnLoop, staticDir };
}

function measureWorkCost(appsDir) {
  const code = `import sys, timeit; sys.path.insert(0, ${JSON.stringify(appsDir)}); import work
print(min(timeit.repeat(work.work, number=2000, repeat=5)) / 2000 * 1e6)`;
  try {
    return Number(execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8', timeout: 60000 }).trim());
  } catch {
    return null;
  }
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? '?';
  return { cpu, cores: os.cpus().length, memGb: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() };
}

function localStamp(date) {
  const p = (n) => String(n).padStart(2, '0');
  return {
    day: `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`,
    time: `${p(date.getHours())}:${p(date.getMinutes())}`,
  };
}

function describe(metrics) {
  const f = (v, d = 2) => (typeof v === 'number' ? v.toFixed(d) : '—');
  const parts = [];
  if (metrics.rps != null) parts.push(`${Math.round(metrics.rps).toLocaleString('en-US')} req/s`);
  if (metrics.rpsAlone != null) parts.push(`(alone ${Math.round(metrics.rpsAlone).toLocaleString('en-US')}, kept ${f(metrics.kept * 100, 0)}%)`);
  if (metrics.p50Ms != null) parts.push(`p50 ${f(metrics.p50Ms)} ms`, `p99 ${f(metrics.p99Ms)} ms`);
  if (metrics.fastP99Ms != null) parts.push(`fast p99 ${f(metrics.fastP99Ms)} ms`, `slow p50 ${f(metrics.slowP50Ms)} ms`);
  if (metrics.mbPerSec != null) parts.push(`${f(metrics.mbPerSec, 0)} MB/s`, `${metrics.transfers} transfers`, `RSS +${f(metrics.rssGrowthMb, 1)} MB`);
  if (metrics.rssIdleMb != null) {
    parts.push(`warm ${f(metrics.rssWarmMb, 1)} MB`, `idle ${f(metrics.rssIdleMb, 1)} MB`, `with conns ${f(metrics.rssHeldMb, 1)} MB (+${f(metrics.rssGrowthMb, 1)})`, `open ${metrics.open}/${metrics.openAtEnd}`);
  }
  if (metrics.errors != null) parts.push(`errors ${metrics.errors}`);
  if (metrics.rssPeakMb != null && metrics.mbPerSec == null) parts.push(`RSS ${f(metrics.rssPeakMb, 1)} MB`);
  return parts.join(', ');
}

function median(runs, kind) {
  const ok = runs.filter((r) => r.metrics);
  if (!ok.length) return runs[runs.length - 1];
  const { key, higherIsBetter } = primaryMetric(kind);
  const sorted = [...ok].sort((a, b) => (a.metrics[key] ?? 0) - (b.metrics[key] ?? 0));
  const pick = sorted[higherIsBetter ? Math.floor(sorted.length / 2) : Math.ceil(sorted.length / 2) - 1];
  return { ...pick, runs: ok.map((r) => r.metrics[key]) };
}

async function runAll(options, steps, env) {
  const total = steps.reduce((n, p) => n + p.servers.length * options.rounds, 0);
  let done = 0;
  const scenarios = [];
  for (const { scenario, servers } of steps) {
    console.log(`\n== ${scenario.id}: ${scenario.title}`);
    const runs = new Map(servers.map((id) => [id, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (const id of servers) {
        const why = id in FLOORS ? (env.spawnLoop ? null : 'cannot build bench/cgi/spawn-loop.c (cc): run bench/setup.sh') : whyUnavailable(id, env);
        done++;
        const tag = `[${done}/${total}] ${scenario.id} · ${labelOf(id)}`;
        if (why) {
          runs.get(id).push({ skipped: why });
          console.log(`${tag}: skipped (${why})`);
          continue;
        }
        try {
          const metrics = await measure(env, scenario, id);
          runs.get(id).push({ metrics });
          console.log(`${tag}: ${describe(metrics)}`);
        } catch (err) {
          runs.get(id).push({ error: err.message });
          console.log(`${tag}: FAILED ${err.message}`);
        }
      }
    }
    const rows = servers.map((id) => ({ server: id, label: labelOf(id), ...median(runs.get(id), scenario.kind) }));
    const { servers: _s, lua: _l, ...described } = scenario;
    scenarios.push({ ...described, rows });
  }
  return scenarios;
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) return console.log(USAGE);
  const steps = plan(options);
  if (!steps.length) throw new Error('nothing to run: check --only and --servers');
  if (options.list) {
    printList();
    return printEstimate(steps, options);
  }
  const xgiRoot = resolve(options.xgi ?? ROOT);
  checkPrerequisites(xgiRoot);
  printEstimate(steps, options);

  const env = {
    root: ROOT,
    xgiRoot,
    options,
    workers: options.workers,
    ...prepareTmp(
      steps.some((p) => p.scenario.kind === 'cgi'),
      steps.filter((p) => p.scenario.kind === 'static').map((p) => p.scenario),
    ),
  };
  const cleanup = () => {
    killAllStarted();
    rmSync(env.tmpDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers started by this run`);
      cleanup();
      process.exit(130);
    });
  }

  const started = new Date();
  try {
    const isPartial = Boolean(options.only || options.servers);
    const { day, time } = localStamp(started);
    const versions = collectVersions(xgiRoot);
    const meta = {
      date: `${day} ${time}`,
      quick: options.quick,
      partial: isPartial,
      command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      options,
      machine: machine(),
      versions: { ...versions, xgi: xgiRoot === ROOT ? versions.xgi : `${versions.xgi} from ${xgiRoot}` },
      servers: describeServers(steps, options.workers),
      workCostUs: steps.some((p) => p.scenario.id === 'work') ? measureWorkCost(env.appsDir) : null,
    };
    const scenarios = await runAll(options, steps, env);
    const stem = `${day}${options.quick ? '-quick' : ''}${isPartial ? '-partial' : ''}`;
    const updateBenchmarksMd = options.benchmarksMd ?? (!options.quick && !isPartial);
    const outDir = options.out ?? join(BENCH, 'results');
    const written = writeResults({ meta, scenarios }, { outDir, root: ROOT, stem, updateBenchmarksMd });
    console.log(`\nwrote ${written.join(', ')}${updateBenchmarksMd ? '' : ' (BENCHMARKS.md left alone: quick or partial run; --benchmarks-md to update it)'}`);
    console.log(`took ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    if (runningCount()) console.warn(`warning: ${runningCount()} started processes were still running: killing them`);
    cleanup();
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exitCode = 1;
});
