// The front-side worker codec (src/workers/protocol/frames.ts, messages.ts):
// golden bytes in both directions, and the stream decoder fed every input
// whole, byte by byte, in seeded random chunks and as one large frame in
// 64 KiB reads (gunicorn's treq.py, Go's fcgi_test.go streamTests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  END,
  FrameDecoder,
  FrameType,
  HEADER_BYTES,
  MAX_FRAME_BYTES,
  ProtocolError,
  encodeFrame,
  encodeU32,
} from '../../../dist/workers/protocol/frames.js';
import {
  decodeLogPayload,
  decodeRequestPayload,
  decodeResponsePayload,
  encodeRequestFrame,
  encodeRequestParts,
  encodeResponsePayload,
} from '../../../dist/workers/protocol/messages.js';
import { hex, prng } from '../../helpers/bytes.js';



// ---------------------------------------------------------------------------
// encodeFrame: exact bytes

const FRAME_GOLDEN = [
  {
    name: 'PING on stream 0 with a payload',
    args: [FrameType.PING, 0, 0, Buffer.from('hi')],
    bytes: '00000002 07 00 00000000 6869',
  },
  {
    name: 'CANCEL, empty payload (undefined)',
    args: [FrameType.CANCEL, 0, 7],
    bytes: '00000000 04 00 00000007',
  },
  {
    name: 'READY, empty Buffer payload',
    args: [FrameType.READY, 0, 0, Buffer.alloc(0)],
    bytes: '00000000 10 00 00000000',
  },
  {
    name: 'DATA with END on a big-endian stream id',
    args: [FrameType.DATA, END, 0x01020304, Buffer.from('abc')],
    bytes: '00000003 13 01 01020304 616263',
  },
  {
    name: 'CREDIT carrying a u32 (262144)',
    args: [FrameType.CREDIT, 0, 9, encodeU32(262144)],
    bytes: '00000004 05 00 00000009 00040000',
  },
  {
    name: 'READ with the largest stream id',
    args: [FrameType.READ, 0, 0xffffffff, encodeU32(65536)],
    bytes: '00000004 15 00 ffffffff 00010000',
  },
  {
    name: 'LOG: level 40 then UTF-8 text',
    args: [FrameType.LOG, 0, 3, Buffer.concat([Buffer.from([40]), Buffer.from('é', 'utf8')])],
    bytes: '00000003 17 00 00000003 28 c3a9',
  },
  {
    name: 'BODY END with binary payload',
    args: [FrameType.BODY, END, 0x100, Buffer.from([0x00, 0x80, 0xff])],
    bytes: '00000003 03 01 00000100 0080ff',
  },
  {
    name: 'HANDBACK, reserved flag bits passed through',
    args: [FrameType.HANDBACK, 0x81, 2],
    bytes: '00000000 16 81 00000002',
  },
];

for (const { name, args, bytes } of FRAME_GOLDEN) {
  test(`encodeFrame golden: ${name}`, () => {
    assert.equal(encodeFrame(...args).toString('hex'), hex(bytes).toString('hex'));
  });
}

test('encodeU32 is big-endian', () => {
  assert.equal(encodeU32(0).toString('hex'), '00000000');
  assert.equal(encodeU32(1).toString('hex'), '00000001');
  assert.equal(encodeU32(0xdeadbeef).toString('hex'), 'deadbeef');
});

test('constants: HEADER_BYTES is 10, MAX_FRAME_BYTES is 16 MiB, END is bit 0', () => {
  assert.equal(HEADER_BYTES, 10);
  assert.equal(MAX_FRAME_BYTES, 16 * 1024 * 1024);
  assert.equal(END, 0x01);
});

test('encodeRequestParts: a body over 4 KiB follows the head uncopied; the bytes are those of encodeRequestFrame', () => {
  const environ = [['REQUEST_METHOD', 'POST'], ['PATH_INFO', '/x']];
  for (const size of [0, 1, 4096, 4097, 70_000]) {
    const body = Buffer.alloc(size, 0x61);
    const parts = encodeRequestParts(9, environ, body, true);
    assert.equal(parts.length, size > 4096 ? 2 : 1, `${size}-byte body`);
    if (size > 4096) assert.equal(parts[1], body, 'the body itself, not a copy');
    assert.deepEqual(Buffer.concat(parts), encodeRequestFrame(9, environ, body, true));
    const [frame] = new FrameDecoder().push(Buffer.concat(parts));
    assert.equal(frame.stream, 9);
    assert.equal(frame.payload.length, 4 + 'REQUEST_METHOD\0POST\0PATH_INFO\0/x\0'.length + size);
  }
});

// ---------------------------------------------------------------------------
// FrameDecoder: every chunking of the same byte sequence gives the same frames

/** A plain, comparable view of a decoded frame. */
const view = (f) => ({ type: f.type, flags: f.flags, stream: f.stream, payload: Buffer.from(f.payload).toString('hex') });

const SEQUENCE_FRAMES = [
  ...FRAME_GOLDEN.map((g) => hex(g.bytes)),
  encodeRequestFrame(7, [['REQUEST_METHOD', 'POST'], ['PATH_INFO', Buffer.from([0x2f, 0x80, 0xff])]], Buffer.from('body'), false),
  encodeFrame(FrameType.BODY, END, 7, Buffer.alloc(300, 0x5a)),
  encodeFrame(FrameType.RESPONSE, END, 7, encodeResponsePayload('200 OK', [['A', 'b']], Buffer.from('x'))),
  encodeFrame(FrameType.STOP, 0, 0),
];
const SEQUENCE = Buffer.concat(SEQUENCE_FRAMES);
const EXPECTED = SEQUENCE_FRAMES.map((b) => ({
  type: b[4],
  flags: b[5],
  stream: b.readUInt32BE(6),
  payload: b.subarray(10).toString('hex'),
}));

/**
 * Feed `chunks` to a fresh decoder; after every push, `pendingBytes` must be
 * exactly what was fed minus what came out as frames.
 */
function decodeChunks(chunks) {
  const decoder = new FrameDecoder();
  const frames = [];
  let fed = 0;
  let consumed = 0;
  for (const chunk of chunks) {
    fed += chunk.length;
    for (const f of decoder.push(chunk)) {
      frames.push(view(f));
      consumed += HEADER_BYTES + f.payload.length;
    }
    assert.equal(decoder.pendingBytes, fed - consumed, `pendingBytes after ${fed} bytes fed`);
  }
  return { frames, pending: decoder.pendingBytes };
}

function randomChunks(buffer, rand, maxChunk) {
  const chunks = [];
  for (let at = 0; at < buffer.length; ) {
    const size = 1 + Math.floor(rand() * maxChunk);
    chunks.push(buffer.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

test('FrameDecoder: each golden frame decodes alone', () => {
  for (const g of FRAME_GOLDEN) {
    const b = hex(g.bytes);
    const { frames, pending } = decodeChunks([b]);
    assert.equal(pending, 0);
    assert.deepEqual(frames, [
      { type: g.args[0], flags: g.args[1], stream: g.args[2], payload: (g.args[3] ?? Buffer.alloc(0)).toString('hex') },
    ], g.name);
  }
});

test('FrameDecoder: the whole sequence in one push', () => {
  const { frames, pending } = decodeChunks([SEQUENCE]);
  assert.deepEqual(frames, EXPECTED);
  assert.equal(pending, 0);
});

test('FrameDecoder: byte by byte', () => {
  const chunks = [];
  for (let i = 0; i < SEQUENCE.length; i++) chunks.push(SEQUENCE.subarray(i, i + 1));
  const { frames, pending } = decodeChunks(chunks);
  assert.deepEqual(frames, EXPECTED);
  assert.equal(pending, 0);
});

test('FrameDecoder: every split point into two pushes', () => {
  for (let cut = 0; cut <= SEQUENCE.length; cut++) {
    const { frames } = decodeChunks([SEQUENCE.subarray(0, cut), SEQUENCE.subarray(cut)]);
    assert.deepEqual(frames, EXPECTED, `cut at ${cut}`);
  }
});

test('FrameDecoder: seeded random chunk sizes, 500 iterations', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const rand = prng(seed);
    // Mix tiny chunks (inside a header) with ones spanning several frames.
    const maxChunk = seed % 3 === 0 ? 4 : seed % 3 === 1 ? 37 : 400;
    const { frames, pending } = decodeChunks(randomChunks(SEQUENCE, rand, maxChunk));
    assert.deepEqual(frames, EXPECTED, `seed ${seed}`);
    assert.equal(pending, 0, `seed ${seed}`);
  }
});

test('FrameDecoder: a copy of each chunk (no aliasing between reads) decodes the same', () => {
  const rand = prng(4242);
  const chunks = randomChunks(SEQUENCE, rand, 23).map((c) => Buffer.from(c));
  assert.deepEqual(decodeChunks(chunks).frames, EXPECTED);
});

test('FrameDecoder: empty pushes change nothing', () => {
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(Buffer.alloc(0)), []);
  assert.equal(decoder.pendingBytes, 0);
  const frames = [];
  frames.push(...decoder.push(SEQUENCE.subarray(0, 5)));
  frames.push(...decoder.push(Buffer.alloc(0)));
  assert.equal(decoder.pendingBytes, 5);
  frames.push(...decoder.push(SEQUENCE.subarray(5)));
  frames.push(...decoder.push(Buffer.alloc(0)));
  assert.deepEqual(frames.map(view), EXPECTED);
  assert.equal(decoder.pendingBytes, 0);
});

const FIVE_MIB = 5 * 1024 * 1024;
const SIXTY_FOUR_KIB = 64 * 1024;

function bigPayload() {
  const rand = prng(77);
  const payload = Buffer.allocUnsafe(FIVE_MIB);
  for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE((rand() * 0x100000000) >>> 0, i);
  return payload;
}

for (const lead of [0, 3, 10, 11]) {
  test(`FrameDecoder: a 5 MiB frame in 64 KiB reads (first read ${lead || 'a full 64 KiB'} bytes), then a small frame`, () => {
    const payload = bigPayload();
    const wire = Buffer.concat([
      encodeFrame(FrameType.DATA, 0, 11, payload),
      encodeFrame(FrameType.DATA, END, 11, Buffer.from('tail')),
    ]);
    const chunks = [];
    let at = 0;
    if (lead > 0) {
      chunks.push(wire.subarray(0, lead));
      at = lead;
    }
    for (; at < wire.length; at += SIXTY_FOUR_KIB) chunks.push(wire.subarray(at, at + SIXTY_FOUR_KIB));

    const decoder = new FrameDecoder();
    const frames = [];
    let emptyPushes = 0;
    for (const chunk of chunks) {
      const out = decoder.push(chunk);
      if (out.length === 0) emptyPushes++;
      frames.push(...out);
    }
    assert.equal(frames.length, 2);
    assert.equal(frames[0].type, FrameType.DATA);
    assert.equal(frames[0].flags, 0);
    assert.equal(frames[0].stream, 11);
    assert.equal(frames[0].payload.length, FIVE_MIB);
    assert.ok(frames[0].payload.equals(payload), 'the 5 MiB payload arrives intact');
    assert.deepEqual(view(frames[1]), { type: FrameType.DATA, flags: END, stream: 11, payload: Buffer.from('tail').toString('hex') });
    assert.equal(decoder.pendingBytes, 0);
    // Nothing comes out before the big frame is complete.
    assert.ok(emptyPushes >= Math.floor(FIVE_MIB / SIXTY_FOUR_KIB) - 1);
  });
}

test('FrameDecoder: a frame of exactly MAX_FRAME_BYTES is not an error (header alone waits)', () => {
  const decoder = new FrameDecoder();
  const header = hex('01000000 13 00 00000001');
  assert.equal(header.readUInt32BE(0), MAX_FRAME_BYTES);
  assert.deepEqual(decoder.push(header), []);
  assert.equal(decoder.pendingBytes, HEADER_BYTES);
});

// ---------------------------------------------------------------------------
// FrameDecoder: errors

function assertProtocolError(fn, message) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof ProtocolError, `${message}: expected ProtocolError, got ${error?.name}: ${error?.message}`);
    assert.equal(error.code, 'XGI_PROTOCOL_ERROR');
    return true;
  }, message);
}

for (const type of [0x00, 0x09, 0x0f, 0x1d, 0x20, 0xff]) {
  test(`FrameDecoder: unknown type 0x${type.toString(16)} → ProtocolError (whole and byte by byte)`, () => {
    const frame = Buffer.concat([encodeFrame(type, 0, 1, Buffer.from('zz'))]);
    assertProtocolError(() => new FrameDecoder().push(frame), 'whole');
    // After valid frames in the same read, too.
    assertProtocolError(() => new FrameDecoder().push(Buffer.concat([SEQUENCE, frame])), 'after valid frames');
    const decoder = new FrameDecoder();
    assertProtocolError(() => {
      for (let i = 0; i < frame.length; i++) decoder.push(frame.subarray(i, i + 1));
    }, 'byte by byte');
  });
}

for (const length of [MAX_FRAME_BYTES + 1, 0x7fffffff, 0xffffffff]) {
  test(`FrameDecoder: length ${length} > MAX_FRAME_BYTES → ProtocolError from the header alone`, () => {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32BE(length, 0);
    header[4] = FrameType.DATA;
    header.writeUInt32BE(1, 6);
    assertProtocolError(() => new FrameDecoder().push(header), 'whole header');
    // Split across reads, it must throw by the time the header is complete.
    const decoder = new FrameDecoder();
    assertProtocolError(() => {
      for (let i = 0; i < HEADER_BYTES; i++) decoder.push(header.subarray(i, i + 1));
    }, 'header byte by byte');
    // Behind a valid frame held partially.
    const partial = new FrameDecoder();
    const first = encodeFrame(FrameType.PING, 0, 0, Buffer.from('abc'));
    partial.push(first.subarray(0, 7));
    assertProtocolError(() => partial.push(Buffer.concat([first.subarray(7), header])), 'after a held frame');
  });
}

// ---------------------------------------------------------------------------
// REQUEST: environ block

/** Every latin-1 character but NUL, the block's separator. */
const LATIN1_ALL = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join('');
const HIGH_BYTES = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));

test('encodeRequestFrame golden: header, envLength, key NUL value NUL ..., body', () => {
  const frame = encodeRequestFrame(
    7,
    [
      ['REQUEST_METHOD', 'GET'],
      ['PATH_INFO', Buffer.from([0x80, 0xff])],
      ['HTTP_X', 'é'],
    ],
    Buffer.from('hi'),
    true,
  );
  const expected = hex(`
    0000002f 02 01 00000007
    00000029
    524551554553545f4d4554484f44 00 474554 00
    504154485f494e464f 00 80ff 00
    485454505f58 00 e9 00
    6869`);
  assert.equal(frame.toString('hex'), expected.toString('hex'));
});

test('encodeRequestFrame golden: no body, not complete → no END, empty environ', () => {
  assert.equal(encodeRequestFrame(1, [], null, false).toString('hex'), hex('00000004 02 00 00000001 00000000').toString('hex'));
  assert.equal(encodeRequestFrame(2, [], Buffer.alloc(0), true).toString('hex'), hex('00000004 02 01 00000002 00000000').toString('hex'));
  assert.equal(
    encodeRequestFrame(3, [['A', '']], null, true).toString('hex'),
    hex('00000007 02 01 00000003 00000003 41 00 00').toString('hex'),
  );
});

test('encodeRequestFrame refuses NUL in a key or value (it is the separator)', () => {
  assertProtocolError(() => encodeRequestFrame(1, [['PATH_INFO', Buffer.from([0x2f, 0x00])]], null, true), 'NUL in a Buffer value');
  assertProtocolError(() => encodeRequestFrame(1, [['HTTP_X', 'a\0b']], null, true), 'NUL in a string value');
  assertProtocolError(() => encodeRequestFrame(1, [['A\0', 'x']], null, true), 'NUL in a key');
});

test('encodeRequestFrame → decodeRequestPayload round trip: latin-1 strings, Buffer values 0x80-0xff, body after', () => {
  const environ = [
    ['REQUEST_METHOD', 'PUT'],
    ['PATH_INFO', HIGH_BYTES],
    ['HTTP_X_ALL', LATIN1_ALL],
    ['HTTP_X_CAFE', 'café ÿ'],
    ['EMPTY', ''],
    ['EMPTY_BUFFER', Buffer.alloc(0)],
    ['QUERY_STRING', 'a=1&b=%C3%A9'],
  ];
  const body = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80]);
  const frame = encodeRequestFrame(99, environ, body, true);
  const [decoded] = new FrameDecoder().push(frame);
  assert.equal(decoded.type, FrameType.REQUEST);
  assert.equal(decoded.flags, END);
  assert.equal(decoded.stream, 99);
  const { environ: pairs, body: rest } = decodeRequestPayload(decoded.payload);
  assert.deepEqual(pairs, environ.map(([k, v]) => [k, typeof v === 'string' ? v : v.toString('latin1')]));
  // The raw bytes survive: each char code is the original byte.
  const pathInfo = pairs.find(([k]) => k === 'PATH_INFO')[1];
  assert.deepEqual(Buffer.from(pathInfo, 'latin1'), HIGH_BYTES);
  assert.equal(pairs.find(([k]) => k === 'HTTP_X_ALL')[1].length, 255);
  assert.equal(rest.toString('hex'), body.toString('hex'));
});

test('decodeRequestPayload: body may be empty, environ may be empty', () => {
  assert.deepEqual(decodeRequestPayload(hex('00000000')), { environ: [], body: Buffer.alloc(0) });
  const { environ, body } = decodeRequestPayload(hex('00000000 6869'));
  assert.deepEqual(environ, []);
  assert.equal(body.toString(), 'hi');
});

test('decodeRequestPayload: every truncation of the environ block → ProtocolError, never RangeError', () => {
  const payload = encodeRequestFrame(1, [['REQUEST_METHOD', 'GET'], ['PATH_INFO', HIGH_BYTES]], Buffer.from('body'), true)
    .subarray(HEADER_BYTES);
  const envEnd = 4 + payload.readUInt32BE(0);
  for (let cut = 0; cut < envEnd; cut++) {
    assertProtocolError(() => decodeRequestPayload(payload.subarray(0, cut)), `cut at ${cut} of ${envEnd}`);
  }
  // Cutting into the body only shortens the body.
  assert.equal(decodeRequestPayload(payload.subarray(0, envEnd + 2)).body.toString(), 'bo');
});

test('decodeRequestPayload: malformed blocks → ProtocolError', () => {
  const cases = {
    'envLength past the end': '000000ff 41 00 42 00',
    'no trailing NUL': '00000003 41 00 42',
    'a key without its value': '00000002 41 00',
    'three fields': '00000006 41 00 42 00 43 00',
  };
  for (const [name, bytes] of Object.entries(cases)) {
    assertProtocolError(() => decodeRequestPayload(hex(bytes)), name);
  }
});

// ---------------------------------------------------------------------------
// RESPONSE head

const RESPONSE_GOLDEN = hex(`
  0006 323030204f4b
  0002
  000c 436f6e74656e742d54797065 0000000a 746578742f706c61696e
  0007 582d4c6174696e 00000004 636166e9
  6f6b`);
const RESPONSE_HEAD_BYTES = RESPONSE_GOLDEN.length - 2;

test('decodeResponsePayload golden: status, alternating headers, body', () => {
  const head = decodeResponsePayload(RESPONSE_GOLDEN);
  assert.equal(head.status, '200 OK');
  assert.deepEqual(head.headers, ['Content-Type', 'text/plain', 'X-Latin', 'café']);
  assert.equal(head.body.toString(), 'ok');
});

test('decodeResponsePayload golden: no headers, no body, latin-1 status', () => {
  const head = decodeResponsePayload(hex('0009 343034204e6f7420e9 0000'));
  assert.equal(head.status, '404 Not é');
  assert.deepEqual(head.headers, []);
  assert.equal(head.body.length, 0);
});

test('encodeResponsePayload produces the golden bytes (symmetry)', () => {
  const bytes = encodeResponsePayload('200 OK', [['Content-Type', 'text/plain'], ['X-Latin', 'café']], Buffer.from('ok'));
  assert.equal(bytes.toString('hex'), RESPONSE_GOLDEN.toString('hex'));
});

test('decodeResponsePayload: every truncation of the head → ProtocolError, never RangeError', () => {
  for (let cut = 0; cut < RESPONSE_HEAD_BYTES; cut++) {
    assertProtocolError(() => decodeResponsePayload(RESPONSE_GOLDEN.subarray(0, cut)), `cut at ${cut} of ${RESPONSE_HEAD_BYTES}`);
  }
  assert.equal(decodeResponsePayload(RESPONSE_GOLDEN.subarray(0, RESPONSE_HEAD_BYTES)).body.length, 0);
});

test('decodeResponsePayload: lengths that overrun → ProtocolError', () => {
  const cases = {
    'status length past the end': '00ff 3230',
    'header count with no headers': '0003 323030 0005',
    'name length past the end': '0003 323030 0001 00ff 41',
    'huge value length': '0003 323030 0001 0001 41 ffffffff 00',
  };
  for (const [name, bytes] of Object.entries(cases)) {
    assertProtocolError(() => decodeResponsePayload(hex(bytes)), name);
  }
});

test('decodeLogPayload: level byte then UTF-8; empty → ProtocolError', () => {
  assert.deepEqual(decodeLogPayload(hex('28 c3a9 21')), { level: 40, text: 'é!' });
  assert.deepEqual(decodeLogPayload(hex('0a')), { level: 10, text: '' });
  assertProtocolError(() => decodeLogPayload(Buffer.alloc(0)), 'empty LOG');
});

// ---------------------------------------------------------------------------
// FrameDecoder({ streamData: true }): DATA frames that span reads come out in
// pieces, views into the reads; everything else as before

/** Merge consecutive DATA pieces of one frame back into the frame (END closes a frame; so does any other frame). */
function mergeDataPieces(frames) {
  const merged = [];
  let open = null;
  for (const f of frames) {
    if (f.type === FrameType.DATA) {
      if (open === null) {
        open = { type: f.type, flags: f.flags, stream: f.stream, parts: [f.payload] };
        merged.push(open);
      } else {
        assert.equal(f.stream, open.stream, 'a piece belongs to the frame in progress');
        open.parts.push(f.payload);
        open.flags = f.flags;
      }
      if (f.pieceEnds) open = null;
    } else {
      assert.equal(open, null, 'no other frame inside a DATA frame');
      merged.push({ type: f.type, flags: f.flags, stream: f.stream, parts: [f.payload] });
    }
  }
  return merged.map((m) => ({ type: m.type, flags: m.flags, stream: m.stream, payload: Buffer.concat(m.parts).toString('hex') }));
}

const DATA_FRAMES = [
  encodeFrame(FrameType.DATA, 0, 9, Buffer.alloc(70_000, 0x61)),
  encodeFrame(FrameType.DATA, 0, 9, Buffer.alloc(0)),
  encodeFrame(FrameType.CREDIT, 0, 9, Buffer.from([0, 0, 1, 0])),
  encodeFrame(FrameType.DATA, END, 9, Buffer.alloc(1_000, 0x62)),
  encodeFrame(FrameType.RESPONSE, 0, 11, Buffer.alloc(5_000, 0x63)),
  encodeFrame(FrameType.DATA, END, 11, Buffer.alloc(3, 0x64)),
];
const DATA_SEQUENCE = Buffer.concat(DATA_FRAMES);
const DATA_EXPECTED = DATA_FRAMES.map((b) => ({ type: b[4], flags: b[5], stream: b.readUInt32BE(6), payload: b.subarray(10).toString('hex') }));

/** Decode in streamData mode; marks where each DATA frame's pieces end (by counting its bytes). */
function decodeStreamed(chunks) {
  const decoder = new FrameDecoder({ streamData: true });
  const lengths = DATA_FRAMES.map((b) => b.readUInt32BE(0));
  const out = [];
  let frameIndex = 0;
  let got = 0;
  for (const chunk of chunks) {
    for (const f of decoder.push(chunk)) {
      if (f.type === FrameType.DATA) {
        // A piece is a view into the chunk it came in: no copy.
        if (f.payload.length > 0) assert.equal(f.payload.buffer, chunk.buffer, 'a DATA piece is a view into its read');
        got += f.payload.length;
        const pieceEnds = got === lengths[frameIndex];
        assert.equal((f.flags & END) !== 0, pieceEnds && (DATA_FRAMES[frameIndex][5] & END) !== 0, 'END only on the last piece');
        out.push({ ...f, pieceEnds });
        if (pieceEnds) {
          frameIndex++;
          got = 0;
        }
      } else {
        out.push(f);
        frameIndex++;
      }
    }
    assert.ok(decoder.pendingBytes <= HEADER_BYTES + 5_000, 'a DATA frame is never held');
  }
  return { frames: mergeDataPieces(out), pending: decoder.pendingBytes };
}

test('FrameDecoder streamData: whole, byte by byte, every two-way cut and random cuts give the same frames', () => {
  assert.deepEqual(decodeStreamed([DATA_SEQUENCE]).frames, DATA_EXPECTED);
  const cuts = [];
  for (let cut = 0; cut <= DATA_SEQUENCE.length; cut += 97) cuts.push([DATA_SEQUENCE.subarray(0, cut), DATA_SEQUENCE.subarray(cut)]);
  for (const pair of cuts) assert.deepEqual(decodeStreamed(pair).frames, DATA_EXPECTED);
  for (let seed = 1; seed <= 200; seed++) {
    const maxChunk = seed % 2 === 0 ? 11 : 9_000;
    const { frames, pending } = decodeStreamed(randomChunks(DATA_SEQUENCE, prng(seed), maxChunk));
    assert.deepEqual(frames, DATA_EXPECTED, `seed ${seed}`);
    assert.equal(pending, 0);
  }
});

test('FrameDecoder streamData: a 70,000-byte DATA frame in 64 KiB reads comes out as it arrives', () => {
  const decoder = new FrameDecoder({ streamData: true });
  const first = decoder.push(DATA_SEQUENCE.subarray(0, 65_536));
  assert.equal(first.length, 1);
  assert.equal(first[0].payload.length, 65_536 - HEADER_BYTES, 'the first read passes through at once');
  assert.equal(first[0].flags & END, 0);
  assert.equal(decoder.pendingBytes, 0);
});

test('FrameDecoder streamData: an unknown type in a header split across reads is still refused', () => {
  const decoder = new FrameDecoder({ streamData: true });
  const bad = Buffer.from([0, 0, 0, 1, 0x7f, 0, 0, 0, 0, 1, 0]);
  decoder.push(bad.subarray(0, 3));
  assert.throws(() => decoder.push(bad.subarray(3)), ProtocolError);
});
