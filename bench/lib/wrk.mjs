// One wrk run, bounded in time, with the scenario's Lua script followed by
// bench/lua/report.lua, whose done() prints the figures as one JSON line.

import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { track } from './process-tree.mjs';

const LUA_DIR = new URL('../lua/', import.meta.url).pathname;

/** Writes scenario.lua + report.lua into dir; returns the path. */
export function composeScript(dir, luaName) {
  const path = join(dir, `wrk-${luaName}`);
  if (!existsSync(path)) {
    const body = readFileSync(join(LUA_DIR, luaName), 'utf8') + '\n' + readFileSync(join(LUA_DIR, 'report.lua'), 'utf8');
    writeFileSync(path, body);
  }
  return path;
}

function parseReport(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no report:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('BENCH_JSON '.length));
}

/** Figures the tables use, from the report's raw fields. */
export function summarize(report) {
  const seconds = report.duration_us / 1e6;
  const e = report.errors;
  const socketErrors = e.connect + e.read + e.write + e.timeout;
  return {
    requests: report.requests,
    rps: seconds > 0 ? report.requests / seconds : 0,
    p50Ms: report.latency_us.p50 / 1000,
    p99Ms: report.latency_us.p99 / 1000,
    errors: socketErrors + e.status,
    errorDetail: e,
    mbPerSec: seconds > 0 ? report.bytes / seconds / 1e6 : 0,
    extra: report.extra ?? null,
  };
}

/**
 * Runs wrk against url for `seconds`; resolves to summarize(report).
 * Killed (SIGKILL) if it has not finished 30 s after its deadline.
 */
export function runWrk({ url, script, seconds, connections, threads, env }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '5s', '-s', script, url];
  return new Promise((resolve, reject) => {
    const child = execFile(
      'wrk',
      args,
      { env: { ...process.env, ...env }, timeout: (seconds + 30) * 1000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`wrk ${args.join(' ')} failed: ${err.message}\n${stderr}`));
          return;
        }
        try {
          resolve(summarize(parseReport(stdout)));
        } catch (e) {
          reject(e);
        }
      },
    );
    track('wrk', child);
  });
}
