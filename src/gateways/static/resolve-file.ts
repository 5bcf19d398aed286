/**
 * Request path segments → an entry inside the static root, one component at
 * a time: lstat each name, refuse a symlink unless symlinks are followed,
 * and when they are, follow it only if its realpath stays inside the root.
 * Anything that is neither a regular file nor a directory (FIFO, socket,
 * device) is refused: opening a FIFO would block a thread forever.
 *
 * Every refusal is "not found" to the client, whether the name is missing,
 * a symlink, or leads out of the root, so a response never tells whether a
 * file outside the root exists. The reason is for the debug log only.
 *
 * The calls are synchronous, on the event loop, as nginx makes them in its
 * own: for files the page cache holds they take a microsecond or two, where
 * a trip through libuv's thread pool costs tens (docs/static.md, Speed).
 *
 * Not here: decoding and the dot-segment rules (request-path.ts), opening
 * the file (serve-file.ts opens with O_NOFOLLOW and checks again with fstat).
 */
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';

export interface ResolveOptions {
  /** The root, symlinks resolved. */
  readonly root: string;
  readonly followSymlinks: boolean;
}

/** One name inside the root, symlinks already followed. */
export interface ResolvedEntry {
  readonly kind: 'file' | 'directory';
  /** The real directory the name was found in. */
  readonly directory: string;
  /** The name as requested (a symlink's own name, whose extension picks the Content-Type). */
  readonly name: string;
  /** Where the bytes are: `directory/name`, or the symlink's realpath. */
  readonly path: string;
}

export type Resolved = ResolvedEntry | { readonly kind: 'refused'; readonly reason: string };

/** File system answers that mean "no such entry here" (the rest are real errors). */
export const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

/** Walk `segments` down from the root; `[]` is the root directory itself. */
export function resolvePath(options: ResolveOptions, segments: readonly string[]): Resolved {
  let entry: ResolvedEntry = { kind: 'directory', directory: options.root, name: '', path: options.root };
  for (const segment of segments) {
    if (entry.kind !== 'directory') return { kind: 'refused', reason: `${entry.path} is not a directory` };
    const next = resolveEntry(options, entry.path, segment);
    if (next.kind === 'refused') return next;
    entry = next;
  }
  return entry;
}

/**
 * The entry `name` in the real directory `directory` (index files,
 * precompressed variants and listings use this too, so one set of rules
 * decides what can be served). Throws for errors other than "not found",
 * EACCES included: the caller answers those.
 */
export function resolveEntry(options: ResolveOptions, directory: string, name: string): Resolved {
  const candidate = join(directory, name);
  const stats = orNotFound(() => lstatSync(candidate, { throwIfNoEntry: false }));
  if (stats === null) return { kind: 'refused', reason: `no ${candidate}` };
  if (!stats.isSymbolicLink()) return classify(stats, directory, name, candidate);
  if (!options.followSymlinks) return { kind: 'refused', reason: `${candidate} is a symlink (follow_symlinks is off)` };
  const target = orNotFound(() => realpathSync(candidate));
  if (target === null) return { kind: 'refused', reason: `${candidate} is a dangling symlink` };
  if (!isInside(options.root, target)) return { kind: 'refused', reason: `${candidate} is a symlink out of the root` };
  const targetStats = orNotFound(() => statSync(target, { throwIfNoEntry: false }));
  if (targetStats === null) return { kind: 'refused', reason: `${candidate} vanished` };
  return classify(targetStats, directory, name, target);
}

/** `path` is `root` or below it; both are real paths. */
export function isInside(root: string, path: string): boolean {
  if (path === root) return true;
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function classify(stats: Stats, directory: string, name: string, path: string): Resolved {
  if (stats.isFile()) return { kind: 'file', directory, name, path };
  if (stats.isDirectory()) return { kind: 'directory', directory, name, path };
  return { kind: 'refused', reason: `${path} is neither a regular file nor a directory` };
}

/** The value, or null for "no such entry" (undefined from throwIfNoEntry, or one of NOT_FOUND_CODES). */
function orNotFound<T>(call: () => T | undefined): T | null {
  try {
    return call() ?? null;
  } catch (error) {
    if (NOT_FOUND_CODES.has((error as NodeJS.ErrnoException).code ?? '')) return null;
    throw error;
  }
}
