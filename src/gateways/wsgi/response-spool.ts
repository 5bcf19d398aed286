/**
 * A response body on its way to a slow client, kept off the worker's back:
 * what the client cannot take yet waits here (memory up to `memoryBytes`,
 * then a temporary file up to `maxFileBytes`, as nginx's proxy buffering
 * does), so the worker is credited and moves on to its next request. Only
 * past both limits does the worker wait (write() returns false).
 *
 * Order is kept: bytes leave in the order they came, memory first, then the
 * file. The file is created on first need and removed when the response is
 * over, however it ends.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { unlink } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';

export interface SpoolLimits {
  /** Bytes held in memory while the client is slow. */
  readonly memoryBytes: number;
  /** Bytes held in the temporary file on top of that (0: no file). */
  readonly maxFileBytes: number;
  /** Where temporary files go. */
  readonly dir: string;
}

const READ_CHUNK_BYTES = 256 * 1024;
let nextFileId = 0;

export class ResponseSpool {
  readonly #res: ServerResponse;
  readonly #limits: SpoolLimits;
  readonly #memory: Buffer[] = [];
  #memoryBytes = 0;
  #file: FileHandle | null = null;
  /** Set at the first byte for the file: order then runs memory → file. */
  #isSpilling = false;
  #filePath = '';
  /** Promise chain keeping file writes and reads in order. */
  #fileOps: Promise<unknown> = Promise.resolve();
  #fileWritten = 0;
  #fileRead = 0;
  /** End of what completed writes have put in the file. */
  #fileDurable = 0;
  /** Bytes handed to the file but not yet written: they still take memory. */
  #writeBacklog = 0;
  #isClientBlocked = false;
  #isEnded = false;
  #isClosed = false;
  #isPumping = false;
  #onRoom: (() => void) | null = null;
  #onError: ((error: Error) => void) | null = null;

  constructor(res: ServerResponse, limits: SpoolLimits) {
    this.#res = res;
    this.#limits = limits;
  }

  /** Bytes waiting here for the client. */
  get heldBytes(): number {
    return this.#memoryBytes + (this.#fileWritten - this.#fileRead);
  }

  /** Called once room frees up after write() returned false. */
  onRoom(listener: () => void): void {
    this.#onRoom = listener;
  }

  /** Called if the temporary file fails (disk full): the response cannot be completed. */
  onError(listener: (error: Error) => void): void {
    this.#onError = listener;
  }

  /** Queue body bytes; false when the spool is full and the sender must wait for onRoom. */
  write(chunk: Buffer): boolean {
    if (this.#isClosed) return true;
    if (this.heldBytes === 0 && !this.#isClientBlocked) {
      if (!this.#res.write(chunk)) this.#blockOnClient();
      return true;
    }
    if (!this.#isSpilling && this.#memoryBytes + chunk.length <= this.#limits.memoryBytes) {
      this.#memory.push(chunk);
      this.#memoryBytes += chunk.length;
      return true;
    }
    if (this.#fileWritten - this.#fileRead + chunk.length > this.#limits.maxFileBytes) {
      this.#memory.push(chunk); // kept, but the sender must now wait
      this.#memoryBytes += chunk.length;
      return false;
    }
    this.#appendToFile(chunk);
    // The disk is slower than the worker: bytes not yet written are memory too.
    return this.#writeBacklog <= this.#limits.memoryBytes;
  }

  /** No more bytes will come: end the response once everything held has left. */
  end(): void {
    this.#isEnded = true;
    if (this.heldBytes === 0 && !this.#isClientBlocked) this.#finish();
  }

  /** The response is over early (client gone, app failed): drop everything. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#memory.length = 0;
    this.#memoryBytes = 0;
    this.#releaseFile();
  }

  #blockOnClient(): void {
    this.#isClientBlocked = true;
    this.#res.once('drain', this.#onDrain);
  }

  readonly #onDrain = (): void => {
    this.#isClientBlocked = false;
    void this.#pump();
  };

  /** Move held bytes to the client until it pushes back or nothing is held. */
  async #pump(): Promise<void> {
    if (this.#isPumping) return;
    this.#isPumping = true;
    try {
      while (!this.#isClosed && !this.#isClientBlocked && this.heldBytes > 0) {
        const chunk = this.#memory.length > 0 && (!this.#isSpilling || this.#memoryIsOlder())
          ? this.#takeMemory()
          : await this.#readFile();
        if (chunk === null || this.#isClosed) break;
        if (!this.#res.write(chunk)) this.#blockOnClient();
        this.#announceRoom();
      }
      if (!this.#isClosed && this.heldBytes === 0 && !this.#isClientBlocked && this.#isEnded) this.#finish();
    } finally {
      this.#isPumping = false;
    }
  }

  /** Memory holds the older bytes while the file is still empty of unread data. */
  #memoryIsOlder(): boolean {
    return this.#fileWritten === this.#fileRead;
  }

  #takeMemory(): Buffer {
    const chunk = this.#memory.shift() as Buffer;
    this.#memoryBytes -= chunk.length;
    return chunk;
  }

  #appendToFile(chunk: Buffer): void {
    // From now on new bytes go to the file, even while it is still opening.
    this.#isSpilling = true;
    // Bytes already in memory are older: they must reach the file first.
    const pending = this.#memory.splice(0);
    this.#memoryBytes = 0;
    pending.push(chunk);
    const data = pending.length === 1 ? chunk : Buffer.concat(pending);
    const at = this.#fileWritten;
    this.#fileWritten += data.length;
    this.#writeBacklog += data.length;
    this.#fileOps = this.#fileOps.then(async () => {
      const file = await this.#openFile();
      if (file !== null) await file.write(data, 0, data.length, at);
      this.#fileDurable = at + data.length;
      this.#writeBacklog -= data.length;
      this.#announceRoom();
    }).catch((error: Error) => this.#fail(error));
  }

  async #readFile(): Promise<Buffer | null> {
    // Read only what a completed write put there: appends queued meanwhile
    // may still be on their way to the disk.
    while (this.#fileDurable === this.#fileRead) {
      const ops = this.#fileOps;
      await ops;
      if (this.#isClosed || (this.#fileDurable === this.#fileRead && ops === this.#fileOps)) return null;
    }
    const file = this.#file;
    if (file === null || this.#isClosed) return null;
    const length = Math.min(READ_CHUNK_BYTES, this.#fileDurable - this.#fileRead);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await file.read(buffer, 0, length, this.#fileRead);
    this.#fileRead += bytesRead;
    if (this.#fileRead === this.#fileWritten && this.#memoryBytes === 0) this.#rewindFile();
    return buffer.subarray(0, bytesRead);
  }

  /** Everything in the file was read: start over at offset 0 to keep it small. */
  #rewindFile(): void {
    this.#fileRead = 0;
    this.#fileWritten = 0;
    this.#fileDurable = 0;
    const file = this.#file;
    if (file !== null) this.#fileOps = this.#fileOps.then(() => file.truncate(0)).catch((e: Error) => this.#fail(e));
  }

  async #openFile(): Promise<FileHandle | null> {
    if (this.#isClosed) return null;
    if (this.#file === null) {
      this.#filePath = join(this.#limits.dir, `xgi-spool-${process.pid}-${nextFileId++}`);
      this.#file = await open(this.#filePath, 'w+', 0o600);
      unlink(this.#filePath, () => undefined); // unlinked at once: nothing to clean up if we die
    }
    return this.#file;
  }

  #announceRoom(): void {
    if (this.#onRoom === null || this.#writeBacklog > this.#limits.memoryBytes / 2) return;
    if (this.#fileWritten - this.#fileRead < this.#limits.maxFileBytes / 2 || this.heldBytes === 0) {
      const listener = this.#onRoom;
      listener();
    }
  }

  #finish(): void {
    this.#releaseFile();
    this.#res.end();
  }

  #releaseFile(): void {
    const file = this.#file;
    this.#file = null;
    if (file !== null) this.#fileOps = this.#fileOps.then(() => file.close()).catch(() => undefined);
  }

  #fail(error: Error): void {
    if (this.#isClosed) return;
    this.close();
    this.#onError?.(error);
  }
}
