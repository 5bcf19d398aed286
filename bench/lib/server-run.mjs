// One server's life for one measurement: a free loopback port, its own
// directory (config, logs), start, wait until it answers, hand it over, stop
// it by pid. Never touches a system instance.

import http from 'node:http';
import net from 'node:net';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVERS } from './servers.mjs';
import { spawnTracked, stopTree } from './process-tree.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let runCounter = 0;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function getStatus(port, path) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function logTail(path) {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).slice(-6).join('\n');
  } catch {
    return '';
  }
}

async function waitReady(child, port, path, logPath, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before answering:\n${logTail(logPath)}`);
    }
    if ((await getStatus(port, path)) === 200) return;
    await sleep(200);
  }
  throw new Error(`did not answer 200 on ${path} within ${timeoutMs / 1000} s:\n${logTail(logPath)}`);
}

/**
 * Starts server `id` with `settings` (app, cgiDir, keepAliveSeconds, ...),
 * waits for 200 on readyPath, runs fn({ pid, port, url }), stops the server.
 */
export async function withServer(env, id, settings, fn) {
  const server = SERVERS[id];
  const port = await freePort();
  const dir = join(env.tmpDir, `${String(++runCounter).padStart(3, '0')}-${id}`);
  mkdirSync(dir);
  chmodSync(dir, 0o755); // Apache's children run as www-data
  const ctx = { root: env.root, xgiRoot: env.xgiRoot, appsDir: env.appsDir, cgiDir: env.cgiDir, workers: env.workers, port, dir, ...settings };
  const { command, args, cwd } = server.command(ctx);
  const logPath = join(dir, 'server.log');
  const child = spawnTracked(id, command, args, { cwd: cwd ?? dir, logPath });
  try {
    await waitReady(child, port, settings.readyPath ?? '/', logPath, 30000);
    const result = await fn({ pid: child.pid, port, url: `http://127.0.0.1:${port}` });
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited during the run (${child.exitCode ?? child.signalCode}): ${logTail(logPath).split('\n').pop()}`);
    }
    return result;
  } finally {
    await stopTree(child, { signal: server.stopSignal ?? 'SIGTERM' });
  }
}
