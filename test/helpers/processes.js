// Process-tree helpers for supervision tests, read from /proc: who descends
// from whom, and waiting (bounded) for a condition. Nothing here kills.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isAlive } from './start-xgi.js';

/** Parent pid of `pid`, or null when it is gone. */
export function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** Every live process below `pid` (children, grandchildren, ...). */
export function descendants(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const parent = parentOf(Number(name));
    if (parent === null) continue;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(Number(name));
  }
  const found = [];
  const walk = (p) => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found.filter(isAlive);
}

/** Poll `predicate` every 25 ms until it holds; throws after timeoutMs. */
export async function waitUntil(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The inode of the socket listening on 127.0.0.1:`port` (from /proc/net/tcp),
 * and which fds of `pid` hold it; null when nothing listens there.
 */
export function listeningSocket(pid, port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[1] === `0100007F:${hexPort}` && f[3] === '0A') // 0A: LISTEN
    .map((f) => Number(f[9]));
  if (inodes.length !== 1) return inodes.length === 0 ? null : { inode: inodes, fds: [] };
  const fds = readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inodes[0]}]`;
    } catch {
      return false;
    }
  }).map(Number);
  return { inode: inodes[0], fds };
}
