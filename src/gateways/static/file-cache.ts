/**
 * What the static gateway learned from the file system, kept for a short
 * while (`cache_seconds`, 1 s by default): how a request path resolved,
 * which precompressed variants sit beside a file, and the bytes and stat of
 * small files. lighttpd's stat cache does the same (entries valid for one
 * second), nginx's open_file_cache likewise with `open_file_cache_valid`.
 * Without it every request costs half a dozen system calls (an lstat per
 * path component and per variant, open, fstat, read, close); with it a hot
 * small file costs none but the socket write.
 *
 * The price is staleness: a file changed on disk may be served as it was for
 * up to `cache_seconds`; 0 turns the cache off. Only the result of the path
 * rules is cached, never a way around them: a path is cached after it was
 * resolved by resolve-file.ts, so traversal and symlink checks have run.
 */

/**
 * A file small enough to keep in memory, as one name with one coding is sent:
 * its bytes and what the head says about them (built once, not per request).
 */
export interface CachedFile {
  readonly size: number;
  readonly body: Buffer;
  readonly representation: Representation;
}

/** The head of a 200 without Content-Length, and the validators it carries. */
export interface Representation {
  readonly head: OutgoingHttpHeaders;
  readonly validators: Validators;
}
import type { OutgoingHttpHeaders } from 'node:http';
import type { Validators } from './conditional.js';

/** Files up to this size are kept whole (nginx's default output buffer is 32 KiB; most assets are smaller than this). */
export const SMALL_FILE_BYTES = 64 * 1024;
/** Memory for kept files, per static app; the oldest go first past it. */
const MAX_CACHED_BYTES = 32 * 1024 * 1024;
/** Entries per map; past it the oldest go first (hostile clients may ask for many missing paths). */
const MAX_ENTRIES = 10_000;

/** A map whose entries are good for `ttlMs` after they were set. */
export class FreshCache<V> {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();
  readonly #sizeOf: (value: V) => number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(ttlMs: number, sizing: { readonly sizeOf: (value: V) => number; readonly maxBytes: number } | null = null) {
    this.#ttlMs = ttlMs;
    this.#sizeOf = sizing?.sizeOf ?? (() => 0);
    this.#maxBytes = sizing?.maxBytes ?? Infinity;
  }

  get(key: string, nowMs: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > nowMs) return entry.value;
    this.#delete(key, entry.value);
    return undefined;
  }

  set(key: string, value: V, nowMs: number): void {
    if (this.#ttlMs <= 0) return;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#delete(key, old.value);
    this.#entries.set(key, { value, expiresAt: nowMs + this.#ttlMs });
    this.#bytes += this.#sizeOf(value);
    // Map order is insertion order: the first entries are the oldest.
    for (const [oldestKey, oldest] of this.#entries) {
      if (this.#entries.size <= MAX_ENTRIES && this.#bytes <= this.#maxBytes) break;
      this.#delete(oldestKey, oldest.value);
    }
  }

  #delete(key: string, value: V): void {
    this.#entries.delete(key);
    this.#bytes -= this.#sizeOf(value);
  }
}

/** The kept files of one static app. */
export function createFileCache(ttlMs: number): FreshCache<CachedFile> {
  return new FreshCache<CachedFile>(ttlMs, { sizeOf: (file) => file.body.length, maxBytes: MAX_CACHED_BYTES });
}
