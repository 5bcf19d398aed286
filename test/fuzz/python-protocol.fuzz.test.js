// Fuzzing the worker's side of the wire protocol (python/_xgi_worker/protocol.py):
// fast-check makes the inputs here (random bytes, and frames with plausible
// headers and lying lengths), one python3 runs them all through
// test/fuzz/python_protocol_harness.py. No exception but ProtocolError, the
// same frames however the bytes are cut, a decoder that never holds more
// than one frame, no case slow, and bounded memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { FrameType, encodeFrame } from '../../dist/workers/protocol/frames.js';
import { encodeRequestFrame, encodeResponsePayload } from '../../dist/workers/protocol/messages.js';
import { fuzzOptions } from './fuzz-options.js';

const PYTHONPATH = fileURLToPath(new URL('../../python', import.meta.url));
const HARNESS = fileURLToPath(new URL('./python_protocol_harness.py', import.meta.url));
const PYTHON = process.env.XGI_TEST_PYTHON ?? 'python3';

const latin1 = fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 20 });

/** Structured payloads (environ blocks, response heads) with a byte flipped or cut off: reaches deep into the decoders. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 96 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.array(fc.tuple(latin1, latin1), { maxLength: 4 }), fc.uint8Array({ maxLength: 8 }))
    .map(([pairs, body]) => encodeRequestFrame(0, pairs, Buffer.from(body), true).subarray(10)),
  fc.tuple(latin1, fc.array(fc.tuple(latin1, latin1), { maxLength: 4 }))
    .map(([status, headers]) => encodeResponsePayload(status, headers, Buffer.alloc(0))),
).chain((bytes) => fc.tuple(fc.constant(bytes), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat()).map(([b, at, value, cut]) => {
  const copy = Buffer.from(b);
  if (copy.length > 0 && value % 3 === 0) copy[at % copy.length] = value;
  return value % 5 === 0 ? copy.subarray(0, cut % (copy.length + 1)) : copy;
}));

const frameLike = fc.record({
  type: fc.oneof(fc.constantFrom(...Object.values(FrameType)), fc.integer({ min: 0, max: 255 })),
  flags: fc.integer({ min: 0, max: 255 }), stream: fc.nat(), payload, lie: fc.integer({ min: -4, max: 4 }),
}).map(({ type, flags, stream, payload: body, lie }) => {
  const frame = encodeFrame(type, flags, stream, body);
  frame.writeUInt32BE(Math.max(0, body.length + lie), 0);
  return frame;
});

const input = fc.oneof(payload, fc.array(frameLike, { maxLength: 5 }).map((frames) => Buffer.concat(frames)));
const caseArbitrary = fc.record({ bytes: input, cuts: fc.array(fc.nat(), { maxLength: 5 }) });

test('protocol.py decoders: any bytes give frames, values or ProtocolError, never anything else', () => {
  const { numRuns, seed } = fuzzOptions(1500);
  const cases = fc.sample(caseArbitrary, seed === undefined ? { numRuns } : { numRuns, seed })
    .map(({ bytes, cuts }) => ({ hex: bytes.toString('hex'), cuts }));
  const result = spawnSync(PYTHON, [HARNESS], {
    input: JSON.stringify(cases),
    env: { ...process.env, PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: Math.max(60_000, numRuns * 5),
  });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, result.stderr);
  const stats = JSON.parse(result.stdout);
  assert.equal(stats.cases, cases.length);
  assert.deepEqual(stats.failures.slice(0, 3), [], 'inputs the Python decoders mishandled');
  assert.ok(stats.slowestMs < 1000, `a case took ${stats.slowestMs} ms`);
  assert.ok(stats.maxPending < 4096, `a decoder held ${stats.maxPending} bytes of inputs under 4 KiB`);
  assert.ok(stats.maxRssKb < 256 * 1024, `python3 peaked at ${stats.maxRssKb} KiB`);
});
