// Fuzzing the front's side of the worker wire protocol
// (src/workers/protocol/frames.ts, messages.ts): whatever bytes a broken or
// hostile worker sends, in whatever pieces, the decoders return values or
// throw ProtocolError, never anything else, and hold at most one frame.
// Valid frames survive any cutting unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, FrameType, HEADER_BYTES, MAX_FRAME_BYTES, ProtocolError, encodeFrame } from '../../dist/workers/protocol/frames.js';
import {
  decodeRequestPayload, decodeResponsePayload, encodeRequestFrame, encodeResponsePayload,
} from '../../dist/workers/protocol/messages.js';
import { cutAt, fuzzOptions } from './fuzz-options.js';

const CODES = Object.values(FrameType);

/** A frame header with a plausible (or not) type and a small length, then some payload: reaches past the length check. */
const frameLike = fc.record({
  type: fc.oneof(fc.constantFrom(...CODES), fc.integer({ min: 0, max: 255 })),
  flags: fc.integer({ min: 0, max: 255 }),
  stream: fc.nat(),
  payload: fc.uint8Array({ maxLength: 64 }),
  lie: fc.integer({ min: -8, max: 8 }),
}).map(({ type, flags, stream, payload, lie }) => {
  const frame = encodeFrame(type, flags, stream, Buffer.from(payload));
  frame.writeUInt32BE(Math.max(0, payload.length + lie), 0); // a length that may not match
  return frame;
});

const stream = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  fc.array(fc.oneof(frameLike, fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b))), { maxLength: 8 }).map((parts) => Buffer.concat(parts)),
);

/** Decode `pieces`; returns the frames, or the ProtocolError; anything else fails the property. */
function decodeAll(pieces, options = {}) {
  const decoder = new FrameDecoder(options);
  const frames = [];
  try {
    for (const piece of pieces) {
      frames.push(...decoder.push(piece));
      assert.ok(decoder.pendingBytes <= HEADER_BYTES + MAX_FRAME_BYTES, 'holds at most one frame');
    }
  } catch (error) {
    if (error instanceof ProtocolError) return { error };
    throw error;
  }
  return { frames, pending: decoder.pendingBytes };
}

test('FrameDecoder: any bytes in any pieces give frames or ProtocolError, and the same ones however cut', () => {
  fc.assert(fc.property(stream, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
    const whole = decodeAll([bytes]);
    const cut = decodeAll(cutAt(bytes, cuts));
    if (whole.error === undefined) {
      assert.equal(cut.error, undefined);
      assert.deepEqual(cut.frames.map(describe), whole.frames.map(describe));
      assert.equal(cut.pending, whole.pending);
    } else {
      // Cut up, an error may come later or not at all (the bad header is still incomplete), never a different frame.
      if (cut.frames !== undefined) assert.ok(cut.frames.length <= bytes.length / HEADER_BYTES + 1);
    }
  }), fuzzOptions(300));
});

const describe = (frame) => [frame.type, frame.flags, frame.stream, Buffer.from(frame.payload).toString('hex')];

test('FrameDecoder: valid frames come back unchanged from any cutting', () => {
  const valid = fc.record({
    type: fc.constantFrom(...CODES), flags: fc.integer({ min: 0, max: 255 }), stream: fc.nat(),
    payload: fc.uint8Array({ maxLength: 300 }),
  });
  fc.assert(fc.property(fc.array(valid, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
    const bytes = Buffer.concat(frames.map((f) => encodeFrame(f.type, f.flags, f.stream, Buffer.from(f.payload))));
    const { frames: decoded, pending } = decodeAll(cutAt(bytes, cuts));
    assert.deepEqual(decoded.map(describe), frames.map((f) => [f.type, f.flags, f.stream, Buffer.from(f.payload).toString('hex')]));
    assert.equal(pending, 0);
  }), fuzzOptions(300));
});

test('FrameDecoder streamData: any bytes in any pieces give the same bytes per stream and type as whole frames, or ProtocolError', () => {
  /** Every frame's payload bytes, in order, keyed by type and stream: what a consumer of a byte stream sees. */
  const bytesOf = (frames) => {
    const out = new Map();
    for (const f of frames) {
      const key = `${f.type}/${f.stream}`;
      out.set(key, (out.get(key) ?? '') + Buffer.from(f.payload).toString('hex'));
    }
    return [...out].sort();
  };
  let withoutError = 0;
  fc.assert(fc.property(stream, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
    const whole = decodeAll([bytes]);
    const cut = decodeAll(cutAt(bytes, cuts), { streamData: true });
    // As for whole frames above: no error whole means no error streamed and cut up; an error
    // whole may come later or not at all when cut up (the bad header still incomplete).
    if (whole.error === undefined) assert.equal(cut.error, undefined, 'streamed and cut up, no error where whole frames had none');
    if (whole.error !== undefined) {
      if (cut.frames !== undefined) assert.ok(cut.frames.length <= bytes.length + 1, 'at most one piece per byte (and an END)');
      return;
    }
    withoutError += 1;
    const complete = whole.frames;
    // Pieces of a DATA frame still arriving are out already; compare only what whole frames delivered.
    const streamedBytes = new Map(bytesOf(cut.frames));
    for (const [key, hexBytes] of bytesOf(complete)) assert.ok((streamedBytes.get(key) ?? '').startsWith(hexBytes), key);
  }), fuzzOptions(300));
  assert.ok(withoutError > 0, 'some cases decoded without error, so the comparison ran');
});

/** Run `decode`; it may return or throw ProtocolError, nothing else. */
function decodesOrRefuses(decode, bytes) {
  try {
    return decode(bytes);
  } catch (error) {
    if (error instanceof ProtocolError) return null;
    throw error;
  }
}

test('decodeResponsePayload and decodeRequestPayload: any bytes give a value or ProtocolError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (raw) => {
    const bytes = Buffer.from(raw);
    const head = decodesOrRefuses(decodeResponsePayload, bytes);
    if (head !== null) {
      assert.equal(typeof head.status, 'string');
      assert.equal(head.headers.length % 2, 0);
      assert.ok(head.headers.every((h) => typeof h === 'string'), 'every header name and value is a string');
    }
    const request = decodesOrRefuses(decodeRequestPayload, bytes);
    if (request !== null) assert.ok(request.environ.every(([k, v]) => !k.includes('\0') && !v.includes('\0')));
  }), fuzzOptions(500));
});

const latin1 = fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });

test('RESPONSE and REQUEST payloads round-trip', () => {
  fc.assert(fc.property(latin1, fc.array(fc.tuple(latin1, latin1), { maxLength: 8 }), fc.uint8Array({ maxLength: 64 }), (status, headers, body) => {
    const head = decodeResponsePayload(encodeResponsePayload(status, headers, Buffer.from(body)));
    assert.equal(head.status, status);
    assert.deepEqual(head.headers, headers.flat());
    assert.deepEqual([...head.body], [...body]);
    const frame = encodeRequestFrame(1, headers, Buffer.from(body), true);
    const request = decodeRequestPayload(frame.subarray(HEADER_BYTES));
    assert.deepEqual(request.environ, headers);
    assert.deepEqual([...request.body], [...body]);
  }), fuzzOptions(300));
});
