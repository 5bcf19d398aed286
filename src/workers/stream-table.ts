/**
 * The streams in flight on one worker, in sending order: their ids (1, 2, 3
 * ... per worker, which is what lets the started mark be one number), when
 * each was sent, and the questions the pool and the arbiter ask of them
 * (how old, stalled, silent). Once the worker is gone, `settle` splits them
 * by the started mark.
 */
import type { StreamSink } from './worker.js';

const MAX_STREAM_ID = 0xffffffff;

interface Entry {
  readonly id: number;
  readonly sink: StreamSink;
  readonly sentAt: number;
}

export class StreamTable {
  // An array in sending order, not a Map: a Map that is added to and
  // deleted from on every request rehashes into a new table every few
  // requests, and V8 links each old table to its successor. Once one table
  // is promoted to the old generation, that link keeps every later table,
  // and the requests in it, alive through young-generation GCs until the
  // next full GC: at 25k req/s about 2.4 MB promoted per scavenge and 4 ms
  // pauses instead of 0.5. An array spliced in place keeps no such link.
  // There are at most --max-in-flight streams (plus a few cancelled ones
  // waiting for their END), so the splice is short.
  /** Ids ascending until the ids wrap. */
  #entries: Entry[] = [];
  #nextId = 1;
  /** Set once the ids wrapped: they no longer follow sending order. */
  #hasWrapped = false;

  get size(): number {
    return this.#entries.length;
  }

  get hasWrapped(): boolean {
    return this.#hasWrapped;
  }

  /** performance.now() when the oldest unanswered stream was sent, or Infinity. */
  get oldestSentAt(): number {
    return this.#entries.length > 0 ? (this.#entries[0] as Entry).sentAt : Infinity;
  }

  open(sink: StreamSink): number {
    const id = this.#nextId;
    if (id >= MAX_STREAM_ID) {
      this.#nextId = 1;
      this.#hasWrapped = true;
    } else {
      this.#nextId = id + 1;
    }
    this.#entries.push({ id, sink, sentAt: performance.now() });
    return id;
  }

  get(id: number): StreamSink | undefined {
    const at = this.#indexOf(id);
    return at < 0 ? undefined : (this.#entries[at] as Entry).sink;
  }

  has(id: number): boolean {
    return this.#indexOf(id) >= 0;
  }

  delete(id: number): void {
    const at = this.#indexOf(id);
    if (at >= 0) this.#entries.splice(at, 1);
  }

  /**
   * True when there has been a stream out for longer than limitMs and the
   * worker has said nothing for that long, while no stream waits on a slow client.
   */
  isSilentFor(limitMs: number, now: number, lastHeardAt: number): boolean {
    if (this.#entries.length === 0 || now - lastHeardAt < limitMs) return false;
    for (const { sink, sentAt } of this.#entries) {
      if (sink.isBlockedOnClient) return false;
      if (now - sentAt >= limitMs) return true;
    }
    return false;
  }

  /** True when `threads` streams have each been out longer than stallMs. */
  isStalled(now: number, stallMs: number, threads: number): boolean {
    if (this.#entries.length < threads) return false;
    let old = 0;
    // Sending order: stop at the first stream still young.
    for (const { sentAt } of this.#entries) {
      if (now - sentAt <= stallMs) return false;
      if (++old >= threads) return true;
    }
    return false;
  }

  /** Take out the streams at or below `mark` (the app had them). */
  takeStarted(mark: number): StreamSink[] {
    const started: StreamSink[] = [];
    const kept: Entry[] = [];
    for (const entry of this.#entries) {
      if (entry.id > mark) kept.push(entry);
      else started.push(entry.sink);
    }
    this.#entries = kept;
    return started;
  }

  /** Take out every stream left: [id, sink]. */
  takeAll(): Array<[number, StreamSink]> {
    const all = this.#entries.map(({ id, sink }): [number, StreamSink] => [id, sink]);
    this.#entries = [];
    return all;
  }

  /** Where `id` is, or -1: a binary search while the ids ascend, a scan once they wrapped. */
  #indexOf(id: number): number {
    const entries = this.#entries;
    if (this.#hasWrapped) return entries.findIndex((entry) => entry.id === id);
    let low = 0;
    let high = entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = (entries[middle] as Entry).id;
      if (found === id) return middle;
      if (found < id) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}
