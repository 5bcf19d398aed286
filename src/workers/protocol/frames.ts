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
 * complete frame. Holds at most one partial frame between calls.
 */
export class FrameDecoder {
  /** Chunks of a frame not yet complete, concatenated only once it is. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** Total bytes of the incomplete frame, once its header is known. */
  #neededBytes = 0;

  /** Decode all complete frames in `held + chunk`; throws ProtocolError on a bad header. */
  push(chunk: Buffer): Frame[] {
    let data = chunk;
    if (this.#heldBytes > 0) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      // A large frame arrives in many reads: join them once, not per read.
      if (this.#neededBytes === 0 && this.#heldBytes >= HEADER_BYTES) {
        this.#neededBytes = HEADER_BYTES + this.#peekLength();
      }
      if (this.#heldBytes < Math.max(this.#neededBytes, HEADER_BYTES)) return [];
      data = Buffer.concat(this.#held, this.#heldBytes);
      this.#held = [];
      this.#heldBytes = 0;
      this.#neededBytes = 0;
    }
    const frames: Frame[] = [];
    let offset = 0;
    while (data.length - offset >= HEADER_BYTES) {
      const length = readLength(data, offset);
      const end = offset + HEADER_BYTES + length;
      if (end > data.length) {
        this.#neededBytes = HEADER_BYTES + length;
        break;
      }
      const type = data[offset + 4] as number;
      if (!NAMES.has(type)) throw new ProtocolError(`unknown frame type 0x${type.toString(16)}`);
      frames.push({
        type,
        flags: data[offset + 5] as number,
        stream: data.readUInt32BE(offset + 6),
        payload: data.subarray(offset + HEADER_BYTES, end),
      });
      offset = end;
    }
    if (offset < data.length) {
      const rest = data.subarray(offset);
      this.#held = [rest];
      this.#heldBytes = rest.length;
    }
    return frames;
  }

  /** Bytes held of a frame not yet complete. */
  get pendingBytes(): number {
    return this.#heldBytes;
  }

  #peekLength(): number {
    const head = Buffer.concat(this.#held, this.#heldBytes).subarray(0, HEADER_BYTES);
    return readLength(head, 0);
  }
}

function readLength(data: Buffer, offset: number): number {
  const length = data.readUInt32BE(offset);
  if (length > MAX_FRAME_BYTES) {
    throw new ProtocolError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  return length;
}
