/**
 * Which file a request runs: for a directory mount, the path is walked one
 * segment at a time below the mount's directory, and the first segment that
 * names an executable regular file is the script; the segments after it are
 * PATH_INFO (RFC 3875 §4.1.5, Apache's ScriptAlias). For a program mount the
 * program is the script and the whole path below the prefix is PATH_INFO.
 *
 * Refused with 403 or 404, and never read: directories, files without an
 * execute bit, sockets and devices, names that are not exactly the bytes
 * of a file, and symbolic links (unless allowed, and then only those that
 * resolve inside the directory). The hostile spellings were already refused
 * by script-path.ts. Not here: running the script, or its environment.
 *
 * The walk uses lstatSync: a stat on a local directory costs microseconds,
 * less than a round trip through libuv's thread pool would.
 */
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename } from 'node:path';
import type { CgiMount } from '../../config/config.js';
import { joinPathInfo, type PathRefusal, type PathSegment } from './script-path.js';

export interface ResolvedScript {
  /** Absolute path of the executable (SCRIPT_FILENAME). */
  readonly filename: string;
  /** The mount prefix plus the segments that named the script (SCRIPT_NAME). */
  readonly scriptName: string;
  /** The segments after the script, decoded (PATH_INFO): '' or `/...`. */
  readonly pathInfo: string;
  /** The name starts with `nph-`: its output is the raw HTTP response. */
  readonly isNph: boolean;
}

export type Resolution = ({ readonly ok: true } & ResolvedScript) | ({ readonly ok: false } & PathRefusal);

/** The one program of a program mount. */
export function resolveProgram(mount: CgiMount, segments: readonly PathSegment[]): Resolution {
  return {
    ok: true,
    filename: mount.path,
    scriptName: mount.prefix,
    pathInfo: joinPathInfo(segments),
    isNph: basename(mount.path).startsWith('nph-'),
  };
}

/** Walk `segments` below a directory mount; `root` is the mount's directory with symlinks resolved. */
export function resolveInDirectory(mount: CgiMount, segments: readonly PathSegment[], areSymlinksAllowed: boolean): Resolution {
  const root = mount.path;
  let dir = root;
  let scriptName = mount.prefix;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as PathSegment;
    if (segment.text === '' || !segment.isExactText) return refuse(404, 'no such script');
    const candidate = `${dir}/${segment.text}`;
    const found = statEntry(candidate, root, areSymlinksAllowed);
    if ('status' in found) return { ok: false, ...found };
    scriptName += '/' + segment.text;
    if (found.stats.isDirectory()) {
      dir = found.path;
      continue;
    }
    if (!found.stats.isFile()) return refuse(403, 'not a regular file');
    if ((found.stats.mode & 0o111) === 0) return refuse(403, 'not executable');
    return {
      ok: true,
      filename: candidate,
      scriptName,
      pathInfo: joinPathInfo(segments.slice(i + 1)),
      isNph: segment.text.startsWith('nph-'),
    };
  }
  return refuse(403, 'a directory, not a script');
}

interface Entry {
  /** Where the walk goes on from: the entry itself, or its target for an allowed symlink. */
  readonly path: string;
  readonly stats: Stats;
}

function statEntry(candidate: string, root: string, areSymlinksAllowed: boolean): Entry | PathRefusal {
  let stats: Stats | undefined;
  try {
    stats = lstatSync(candidate, { throwIfNoEntry: false });
  } catch (error) {
    // ENAMETOOLONG, EACCES on a directory xgi may not search, ELOOP: all "not a script here".
    return { status: 404, reason: `cannot look it up (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (stats === undefined) return { status: 404, reason: 'no such script' };
  if (!stats.isSymbolicLink()) return { path: candidate, stats };
  if (!areSymlinksAllowed) return { status: 403, reason: 'symbolic link (see --cgi-allow-symlinks)' };
  let target: string;
  try {
    target = realpathSync(candidate);
  } catch {
    return { status: 404, reason: 'dangling symbolic link' };
  }
  if (!target.startsWith(root + '/')) return { status: 403, reason: 'symbolic link out of the directory' };
  const targetStats = statSync(target, { throwIfNoEntry: false });
  return targetStats === undefined ? { status: 404, reason: 'dangling symbolic link' } : { path: target, stats: targetStats };
}

function refuse(status: 403 | 404, reason: string): Resolution {
  return { ok: false, status, reason };
}
