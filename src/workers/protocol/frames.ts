/**
 * The worker wire protocol, front side: a pure codec for the frames of
 * docs/protocol.md. Bytes in, values out; no sockets, no timers, no logging.
 * The Python mirror is python/_xgi_worker/protocol.py.
 *
 *   0               4       5       6               10
 *   +---------------+-------+-------+---------------+=====================+
 *   | length (u32)  | type  | flags | stream (u32)  | payload (length B)  |
 *   +---------------+-------+-------+---------------+=====================+
 */

export const HEADER_BYTES = 10;
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Flag bit 0: last frame of a request body or of a response. */
export const END = 0x01;

/** The registry of frame types: one name per code, used by both directions. */
export const FrameType = {
  CONFIG: 0x01,
  REQUEST: 0x02,
  BODY: 0x03,
  CANCEL: 0x04,
  CREDIT: 0x05,
  STOP: 0x06,
  PING: 0x07,
  FORK: 0x08,
  READY: 0x10,
  BOOT_ERROR: 0x11,
  RESPONSE: 0x12,
  DATA: 0x13,
  ABORT: 0x14,
  READ: 0x15,
  HANDBACK: 0x16,
  LOG: 0x17,
  PONG: 0x18,
  HELLO: 0x19,
  FORKED: 0x1a,
  CHILD_EXIT: 0x1b,
  MODULES: 0x1c,
} as const;
export type FrameTypeName = keyof typeof FrameType;
export type FrameTypeCode = (typeof FrameType)[FrameTypeName];

const NAMES = new Map<number, FrameTypeName>(
  Object.entries(FrameType).map(([name, code]) => [code, name as FrameTypeName]),
);

/** The name of a frame type code, or undefined for an unknown code. */
export function frameTypeName(code: number): FrameTypeName | undefined {
  return NAMES.get(code);
}

/** A frame as read off the wire; `payload` is a view into the read buffer. */
export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

export class ProtocolError extends Error {
  readonly code = 'XGI_PROTOCOL_ERROR';
}

/** Encode one frame header into `target` at `offset`. */
export function writeHeader(
  target: Buffer,
  offset: number,
  type: number,
  flags: number,
  stream: number,
  length: number,
): void {
  target.writeUInt32BE(length, offset);
  target[offset + 4] = type;
  target[offset + 5] = flags;
  target.writeUInt32BE(stream, offset + 6);
}

/** Encode a whole frame. */
export function encodeFrame(type: number, flags: number, stream: number, payload?: Buffer): Buffer {
  const length = payload === undefined ? 0 : payload.length;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  writeHeader(frame, 0, type, flags, stream, length);
  if (payload !== undefined) payload.copy(frame, HEADER_BYTES);
  return frame;
}

/** A u32 payload, as in CREDIT and READ. */
export function encodeU32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(value, 0);
  return b;
}

/**
 * Incremental decoder: feed it whatever the socket delivered, get back every
 * complete frame. Holds at most one partial frame between calls, and copies
 * only the bytes of a frame that spans reads, never the rest of the read.
 *
 * With `streamData`, a DATA frame that spans reads comes out in pieces as
 * its bytes arrive, views into the reads with no copy (each piece a DATA
 * frame; END only on the last), and nothing of it is held. A response body
 * is a byte stream, so its consumer cannot tell; every other frame comes
 * whole.
 */
export class FrameDecoder {
  readonly #isDataStreamed: boolean;
  /** A partial frame (or header): its pieces, joined once it is complete. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** Total bytes of the held frame, once its header is known. */
  #neededBytes = 0;
  /** A DATA frame being passed through in pieces: payload bytes still to come. */
  #dataLeft = 0;
  #dataFlags = 0;
  #dataStream = 0;

  constructor(options: { readonly streamData?: boolean } = {}) {
    this.#isDataStreamed = options.streamData === true;
  }

  /** Decode all complete frames in `held + chunk`; throws ProtocolError on a bad header. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let offset = 0;
    if (this.#dataLeft > 0) offset = this.#passData(chunk, 0, frames);
    if (this.#heldBytes > 0) {
      offset = this.#completeHeld(chunk, offset, frames);
      if (offset < 0) return frames;
    }
    while (chunk.length - offset >= HEADER_BYTES) {
      const length = readLength(chunk, offset);
      const type = checkType(chunk[offset + 4] as number);
      const end = offset + HEADER_BYTES + length;
      if (end > chunk.length) {
        if (this.#isDataStreamed && type === FrameType.DATA) {
          this.#startData(chunk, offset, length);
          this.#passData(chunk, offset + HEADER_BYTES, frames);
          return frames;
        }
        this.#neededBytes = HEADER_BYTES + length;
        break;
      }
      frames.push({
        type,
        flags: chunk[offset + 5] as number,
        stream: chunk.readUInt32BE(offset + 6),
        payload: chunk.subarray(offset + HEADER_BYTES, end),
      });
      offset = end;
    }
    if (offset < chunk.length) {
      this.#held = [chunk.subarray(offset)];
      this.#heldBytes = chunk.length - offset;
    }
    return frames;
  }

  /** Bytes held of a frame not yet complete (a streamed DATA frame holds none). */
  get pendingBytes(): number {
    return this.#heldBytes;
  }

  /**
   * Add `chunk` from `offset` to the held frame. Returns where the rest of
   * `chunk` begins once the held frame is out (or became a streamed DATA
   * frame), or -1 when all of `chunk` was taken and it is still incomplete.
   */
  #completeHeld(chunk: Buffer, offset: number, frames: Frame[]): number {
    if (this.#heldBytes < HEADER_BYTES) {
      // Only the header's missing bytes: the rest of the read is not copied.
      const take = Math.min(HEADER_BYTES - this.#heldBytes, chunk.length - offset);
      this.#hold(chunk.subarray(offset, offset + take));
      offset += take;
      if (this.#heldBytes < HEADER_BYTES) return -1;
      const header = Buffer.concat(this.#held, HEADER_BYTES);
      this.#held = [header];
      const length = readLength(header, 0);
      const type = checkType(header[4] as number);
      if (this.#isDataStreamed && type === FrameType.DATA) {
        this.#startData(header, 0, length);
        this.#clearHeld();
        return this.#passData(chunk, offset, frames);
      }
      this.#neededBytes = HEADER_BYTES + length;
    }
    const take = Math.min(this.#neededBytes - this.#heldBytes, chunk.length - offset);
    this.#hold(chunk.subarray(offset, offset + take));
    offset += take;
    if (this.#heldBytes < this.#neededBytes) return -1;
    const data = Buffer.concat(this.#held, this.#heldBytes);
    this.#clearHeld();
    frames.push({ type: data[4] as number, flags: data[5] as number, stream: data.readUInt32BE(6), payload: data.subarray(HEADER_BYTES) });
    return offset;
  }

  #hold(piece: Buffer): void {
    if (piece.length === 0) return;
    this.#held.push(piece);
    this.#heldBytes += piece.length;
  }

  #clearHeld(): void {
    this.#held = [];
    this.#heldBytes = 0;
    this.#neededBytes = 0;
  }

  #startData(header: Buffer, offset: number, length: number): void {
    this.#dataLeft = length;
    this.#dataFlags = header[offset + 5] as number;
    this.#dataStream = header.readUInt32BE(offset + 6);
  }

  /** The streamed DATA frame's next piece from `chunk` at `offset`; returns where the rest begins. */
  #passData(chunk: Buffer, offset: number, frames: Frame[]): number {
    const take = Math.min(this.#dataLeft, chunk.length - offset);
    this.#dataLeft -= take;
    const isLast = this.#dataLeft === 0;
    // An empty piece only to carry END (a header that came alone is not worth a frame).
    if (take > 0 || isLast) {
      frames.push({
        type: FrameType.DATA,
        flags: isLast ? this.#dataFlags : this.#dataFlags & ~END,
        stream: this.#dataStream,
        payload: chunk.subarray(offset, offset + take),
      });
    }
    return offset + take;
  }
}

function checkType(type: number): number {
  if (!NAMES.has(type)) throw new ProtocolError(`unknown frame type 0x${type.toString(16)}`);
  return type;
}

function readLength(data: Buffer, offset: number): number {
  const length = data.readUInt32BE(offset);
  if (length > MAX_FRAME_BYTES) {
    throw new ProtocolError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  return length;
}
