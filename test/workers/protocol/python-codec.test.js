// The Python mirror (python/_xgi_worker/protocol.py) agrees byte for byte with
// the front's codec (src/workers/protocol/frames.ts, messages.ts): Python
// encodes, TS compares; TS encodes, Python decodes whole, byte by byte and in
// seeded random chunks. Each case runs a real `python3 -c` with PYTHONPATH at
// the repository's python/ folder; inputs go in as JSON on stdin and results
// come back as JSON on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { prng } from '../../helpers/bytes.js';
import {
  END,
  FrameDecoder,
  FrameType,
  MAX_FRAME_BYTES,
  encodeFrame,
  encodeU32,
} from '../../../dist/workers/protocol/frames.js';
import {
  decodeLogPayload,
  decodeRequestPayload,
  decodeResponsePayload,
  encodeRequestFrame,
  encodeResponsePayload,
} from '../../../dist/workers/protocol/messages.js';

const PYTHONPATH = fileURLToPath(new URL('../../../python', import.meta.url));
const PYTHON = process.env.XGI_TEST_PYTHON ?? 'python3';

/** Shared prelude: JSON in, helpers to pass bytes as hex, JSON out. */
const PRELUDE = `
import json, sys, random
from _xgi_worker import protocol as p
data = json.load(sys.stdin)
def b(h): return bytes.fromhex(h)
def value(v): return b(v["hex"]) if isinstance(v, dict) else v
def out(x): sys.stdout.write(json.dumps(x))
def error_name(fn):
    try:
        fn()
    except Exception as e:
        return type(e).__module__ + "." + type(e).__name__ + ": " + str(e)
    return None
`;

/** Run `script` (after the prelude) with `input` as JSON on stdin; return its JSON output. */
function python(script, input = null) {
  const result = spawnSync(PYTHON, ['-c', PRELUDE + script], {
    input: JSON.stringify(input),
    env: { ...process.env, PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, `python3 failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** JSON form of an environ value: strings as-is, Buffers as {hex}. */
const jsonValue = (v) => (typeof v === 'string' ? v : { hex: v.toString('hex') });

/** Every latin-1 character but NUL, the environ block's separator. */
const LATIN1_ALL = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join('');
const HIGH_BYTES = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));


// ---------------------------------------------------------------------------
// Python encodes, TS compares

const FRAME_CASES = [
  ...Object.values(FrameType).map((type, i) => ({ type, flags: i % 2 === 0 ? 0 : END, stream: i * 0x01010101, payload: '' })),
  { type: FrameType.PING, flags: 0, stream: 0, payload: '6869' },
  { type: FrameType.DATA, flags: END, stream: 0xffffffff, payload: '0080ff' },
  { type: FrameType.BODY, flags: 0x81, stream: 7, payload: 'ab'.repeat(70000) },
  { type: FrameType.CREDIT, flags: 0, stream: 9, payload: encodeU32(262144).toString('hex') },
];

test('encode_frame == encodeFrame for every frame type, flags, streams and payloads', () => {
  const pythonHex = python(`out([p.encode_frame(c["type"], c["flags"], c["stream"], b(c["payload"])).hex() for c in data])`, FRAME_CASES);
  assert.equal(pythonHex.length, FRAME_CASES.length);
  FRAME_CASES.forEach((c, i) => {
    const ts = encodeFrame(c.type, c.flags, c.stream, Buffer.from(c.payload, 'hex')).toString('hex');
    assert.equal(pythonHex[i], ts, `case ${i}: type 0x${c.type.toString(16)} stream ${c.stream}`);
  });
});

test('encode_u32 == encodeU32', () => {
  const values = [0, 1, 255, 65536, 262144, 0xdeadbeef, 0xffffffff];
  const pythonHex = python(`out([p.encode_u32(v).hex() for v in data])`, values);
  assert.deepEqual(pythonHex, values.map((v) => encodeU32(v).toString('hex')));
});

const ENVIRON_CASES = [
  { environ: [], body: '' },
  { environ: [['REQUEST_METHOD', 'GET']], body: '' },
  {
    environ: [
      ['REQUEST_METHOD', 'POST'],
      ['PATH_INFO', HIGH_BYTES],
      ['HTTP_X_ALL', LATIN1_ALL],
      ['HTTP_X_CAFE', 'café'],
      ['EMPTY', ''],
      ['EMPTY_BYTES', Buffer.alloc(0)],
      ['wsgi.url_scheme', 'https'],
    ],
    body: '00ff0d0a80',
  },
  { environ: [['HTTP_LONG', 'x'.repeat(70000)]], body: '61'.repeat(1000) },
];

test('encode_environ == encodeRequestFrame payload (latin-1 strings, bytes values, body after)', () => {
  const input = ENVIRON_CASES.map((c) => ({ environ: c.environ.map(([k, v]) => [k, jsonValue(v)]), body: c.body }));
  const pythonHex = python(`out([p.encode_environ([(k, value(v)) for k, v in c["environ"]], b(c["body"])).hex() for c in data])`, input);
  ENVIRON_CASES.forEach((c, i) => {
    const body = c.body === '' ? null : Buffer.from(c.body, 'hex');
    const ts = encodeRequestFrame(1, c.environ, body, true).subarray(10).toString('hex');
    assert.equal(pythonHex[i], ts, `environ case ${i}`);
  });
});

const RESPONSE_CASES = [
  { status: '200 OK', headers: [], body: '' },
  { status: '200 OK', headers: [['Content-Type', 'text/plain'], ['X-Latin', 'café']], body: '6f6b' },
  { status: '404 Not Found é', headers: [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['X-All', LATIN1_ALL.slice(32)]], body: '00ff' },
  { status: '500 ' + 'x'.repeat(300), headers: [['X-Long', 'v'.repeat(70000)]], body: '' },
];

test('encode_response_head + body == encodeResponsePayload, and decodeResponsePayload reads it', () => {
  const pythonHex = python(`out([p.encode_response_head(c["status"], [tuple(h) for h in c["headers"]]).hex() + c["body"] for c in data])`, RESPONSE_CASES);
  RESPONSE_CASES.forEach((c, i) => {
    const ts = encodeResponsePayload(c.status, c.headers, Buffer.from(c.body, 'hex')).toString('hex');
    assert.equal(pythonHex[i], ts, `response case ${i}`);
    const head = decodeResponsePayload(Buffer.from(pythonHex[i], 'hex'));
    assert.equal(head.status, c.status);
    assert.deepEqual(head.headers, c.headers.flat());
    assert.equal(head.body.toString('hex'), c.body);
  });
});

test('the worker\'s checked and remembered status and headers encode as encodeResponsePayload, the first time and the next', () => {
  // wsgi.py keeps the (name, value) pairs it found valid with their encoding;
  // a second response with the same ones must come out the same, and a bad
  // pair must be refused every time, never remembered.
  const pythonHex = python(`
from _xgi_worker import wsgi
results = []
for c in data:
    headers = [tuple(h) for h in c["headers"]]
    for _ in range(2):
        length, encoded = wsgi.check_headers(headers)
        results.append(p.encode_head(wsgi.check_status(c["status"]), encoded).hex() + c["body"])
bad = [[("X", "a\\r\\nb")], [("X y", "b")], [("Connection", "close")], [("X", ["a"])], [("Content-Length", "x")], [("X", "\\u20ac")]]
refused = []
for headers in bad:
    for _ in range(2):
        try:
            wsgi.check_headers(headers)
            refused.append(False)
        except wsgi.AppError:
            refused.append(True)
out({"results": results, "refused": refused})`, RESPONSE_CASES.slice(0, 2));
  RESPONSE_CASES.slice(0, 2).forEach((c, i) => {
    const ts = encodeResponsePayload(c.status, c.headers, Buffer.from(c.body, 'hex')).toString('hex');
    assert.equal(pythonHex.results[2 * i], ts, `response case ${i}, first time`);
    assert.equal(pythonHex.results[2 * i + 1], ts, `response case ${i}, remembered`);
  });
  assert.deepEqual(pythonHex.refused, Array(12).fill(true));
});

test('encode_log is read by decodeLogPayload (level byte, UTF-8 text)', () => {
  const cases = [[10, 'debug'], [40, 'Traceback …\n  File "app.py"'], [50, ''], [20, 'ünïcödé ✓']];
  const pythonHex = python(`out([p.encode_log(lvl, text).hex() for lvl, text in data])`, cases);
  cases.forEach(([level, text], i) => {
    assert.deepEqual(decodeLogPayload(Buffer.from(pythonHex[i], 'hex')), { level, text });
  });
});

test('a stream of Python-encoded frames decodes in the TS FrameDecoder, byte by byte', () => {
  const pythonHex = python(`
frames = [
    p.encode_frame(p.READY, 0, 0),
    p.encode_frame(p.RESPONSE, 0, 7, p.encode_response_head("200 OK", [("A", "b")]) + b"first"),
    p.encode_frame(p.DATA, p.END, 7, bytes(range(256))),
    p.encode_frame(p.READ, 0, 8, p.encode_u32(65536)),
    p.encode_frame(p.LOG, 0, 0, p.encode_log(30, "careful")),
    p.encode_frame(p.HANDBACK, 0, 9),
]
out(b"".join(frames).hex())`);
  const wire = Buffer.from(pythonHex, 'hex');
  const decoder = new FrameDecoder();
  const frames = [];
  for (let i = 0; i < wire.length; i++) frames.push(...decoder.push(wire.subarray(i, i + 1)));
  assert.deepEqual(
    frames.map((f) => [f.type, f.flags, f.stream]),
    [
      [FrameType.READY, 0, 0],
      [FrameType.RESPONSE, 0, 7],
      [FrameType.DATA, END, 7],
      [FrameType.READ, 0, 8],
      [FrameType.LOG, 0, 0],
      [FrameType.HANDBACK, 0, 9],
    ],
  );
  const head = decodeResponsePayload(frames[1].payload);
  assert.deepEqual([head.status, head.headers, head.body.toString()], ['200 OK', ['A', 'b'], 'first']);
  assert.equal(frames[2].payload.length, 256);
  assert.equal(frames[3].payload.readUInt32BE(0), 65536);
  assert.deepEqual(decodeLogPayload(frames[4].payload), { level: 30, text: 'careful' });
  assert.equal(decoder.pendingBytes, 0);
});

// ---------------------------------------------------------------------------
// TS encodes, Python decodes

const REQUEST_ENVIRON = [
  ['REQUEST_METHOD', 'POST'],
  ['PATH_INFO', HIGH_BYTES],
  ['HTTP_X_ALL', LATIN1_ALL],
  ['HTTP_X_CAFE', 'café'],
  ['EMPTY', ''],
  ['QUERY_STRING', 'a=1&b=%C3%A9'],
];
const REQUEST_BODY = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80, 0x41]);

function tsWire() {
  const big = Buffer.allocUnsafe(200_000);
  const rand = prng(5);
  for (let i = 0; i < big.length; i++) big[i] = Math.floor(rand() * 256);
  const frames = [
    encodeFrame(FrameType.CONFIG, 0, 0, Buffer.from(JSON.stringify({ maxInFlight: 4 }))),
    encodeRequestFrame(7, REQUEST_ENVIRON, REQUEST_BODY, false),
    encodeFrame(FrameType.BODY, 0, 7, big),
    encodeFrame(FrameType.BODY, END, 7, Buffer.from('last')),
    encodeFrame(FrameType.CREDIT, 0, 7, encodeU32(262144)),
    encodeFrame(FrameType.CANCEL, 0, 8),
    encodeFrame(FrameType.PING, 0, 0, Buffer.from([0x00, 0x80, 0xff])),
    encodeFrame(FrameType.STOP, 0, 0),
  ];
  const expected = frames.map((f) => [f[4], f[5], f.readUInt32BE(6), f.subarray(10).toString('hex')]);
  return { wire: Buffer.concat(frames), expected };
}

const FEED_SCRIPT = `
wire = b(data["wire"])
def feed(chunks):
    d = p.FrameDecoder()
    frames = []
    for c in chunks:
        frames.extend(d.feed(c))
    return [[t, f, s, bytes(pl).hex()] for t, f, s, pl in frames], d.pending_bytes
results = {}
results["whole"] = feed([wire])
results["bytes"] = feed([wire[i:i + 1] for i in range(len(wire))]) if data["byte_by_byte"] else None
rng = random.Random(data["seed"])
random_runs = []
for _ in range(data["iterations"]):
    chunks, at = [], 0
    limit = rng.choice((3, 17, 4096, 70000))
    while at < len(wire):
        n = rng.randint(1, limit)
        chunks.append(wire[at:at + n])
        at += n
    random_runs.append(feed(chunks))
results["random"] = random_runs
out(results)
`;

test('Python FrameDecoder.feed decodes TS-encoded frames whole, byte by byte and in random chunks', () => {
  const { wire, expected } = tsWire();
  // Byte by byte over the 200 KB BODY costs Python O(n²) copies; that run
  // uses a wire without it, the whole and random runs use the full one.
  const full = python(FEED_SCRIPT, { wire: wire.toString('hex'), byte_by_byte: false, seed: 1234, iterations: 40 });
  assert.deepEqual(full.whole, [expected, 0]);
  full.random.forEach((run, i) => assert.deepEqual(run, [expected, 0], `random run ${i}`));

  const smallFrames = [
    encodeFrame(FrameType.CONFIG, 0, 0, Buffer.from('{}')),
    encodeRequestFrame(7, REQUEST_ENVIRON, REQUEST_BODY, true),
    encodeFrame(FrameType.CANCEL, 0, 8),
    encodeFrame(FrameType.PING, END, 0xffffffff, Buffer.from([0x80, 0xff])),
  ];
  const smallWire = Buffer.concat(smallFrames);
  const smallExpected = smallFrames.map((f) => [f[4], f[5], f.readUInt32BE(6), f.subarray(10).toString('hex')]);
  const bytes = python(FEED_SCRIPT, { wire: smallWire.toString('hex'), byte_by_byte: true, seed: 9, iterations: 200 });
  assert.deepEqual(bytes.whole, [smallExpected, 0]);
  assert.deepEqual(bytes.bytes, [smallExpected, 0]);
  bytes.random.forEach((run, i) => assert.deepEqual(run, [smallExpected, 0], `random run ${i}`));
});

test('Python decode_request reads encodeRequestFrame: latin-1 strings, raw bytes 0x80-0xff, body after', () => {
  const frame = encodeRequestFrame(7, REQUEST_ENVIRON, REQUEST_BODY, true);
  const result = python(`
d = p.FrameDecoder()
[(t, f, s, payload)] = d.feed(b(data))
environ, body = p.decode_request(payload)
out({"head": [t, f, s], "environ": environ, "body": bytes(body).hex(),
     "types": sorted({type(k).__name__ for k in environ} | {type(v).__name__ for v in environ.values()}),
     "path_info_bytes": environ["PATH_INFO"].encode("latin-1").hex()})`, frame.toString('hex'));
  assert.deepEqual(result.head, [FrameType.REQUEST, END, 7]);
  assert.deepEqual(result.types, ['str'], 'keys and values are native str (PEP 3333)');
  assert.deepEqual(result.environ, Object.fromEntries(REQUEST_ENVIRON.map(([k, v]) => [k, typeof v === 'string' ? v : v.toString('latin1')])));
  assert.equal(result.path_info_bytes, HIGH_BYTES.toString('hex'));
  assert.equal(result.body, REQUEST_BODY.toString('hex'));
  // And TS reads its own frame back the same way.
  assert.deepEqual(Object.fromEntries(decodeRequestPayload(frame.subarray(10)).environ), result.environ);
});

test('Python decode_request: environ with no body, and an empty environ', () => {
  const cases = [
    encodeRequestFrame(1, [['A', 'b']], null, false).subarray(10),
    encodeRequestFrame(2, [], Buffer.from('xyz'), true).subarray(10),
  ];
  const result = python(`out([[e, bytes(bd).hex()] for e, bd in (p.decode_request(b(h)) for h in data)])`, cases.map((c) => c.toString('hex')));
  assert.deepEqual(result, [[{ A: 'b' }, ''], [{}, Buffer.from('xyz').toString('hex')]]);
});

// ---------------------------------------------------------------------------
// Python decoder errors

const PROTOCOL_ERROR = /^_xgi_worker\.protocol\.ProtocolError: /;

test('Python FrameDecoder raises ProtocolError on unknown frame types (whole and byte by byte)', () => {
  const types = [0x00, 0x09, 0x0f, 0x1d, 0x20, 0xff];
  const frames = types.map((t) => encodeFrame(t, 0, 1, Buffer.from('zz')).toString('hex'));
  const result = python(`
def whole(h): p.FrameDecoder().feed(b(h))
def bytewise(h):
    d = p.FrameDecoder()
    for i in range(len(b(h))): d.feed(b(h)[i:i + 1])
out([[error_name(lambda: whole(h)), error_name(lambda: bytewise(h))] for h in data])`, frames);
  result.forEach(([whole, bytewise], i) => {
    assert.match(String(whole), PROTOCOL_ERROR, `type 0x${types[i].toString(16)} whole`);
    assert.match(String(bytewise), PROTOCOL_ERROR, `type 0x${types[i].toString(16)} byte by byte`);
  });
});

test('Python FrameDecoder raises ProtocolError on a length > MAX_FRAME_BYTES from the header alone', () => {
  const headers = [MAX_FRAME_BYTES + 1, 0x7fffffff, 0xffffffff].map((length) => {
    const h = Buffer.alloc(10);
    h.writeUInt32BE(length, 0);
    h[4] = FrameType.REQUEST;
    h.writeUInt32BE(1, 6);
    return h.toString('hex');
  });
  const exact = Buffer.alloc(10);
  exact.writeUInt32BE(MAX_FRAME_BYTES, 0);
  exact[4] = FrameType.REQUEST;
  const result = python(`
d = p.FrameDecoder()
exact = [d.feed(b(data["exact"])), d.pending_bytes]
out({"errors": [error_name(lambda: p.FrameDecoder().feed(b(h))) for h in data["headers"]], "exact": exact,
     "max": p.MAX_FRAME_BYTES})`, { headers, exact: exact.toString('hex') });
  assert.equal(result.max, MAX_FRAME_BYTES);
  for (const error of result.errors) assert.match(String(error), PROTOCOL_ERROR);
  assert.deepEqual(result.exact, [[], 10], 'a frame of exactly MAX_FRAME_BYTES waits for its payload');
});

test('Python decode_request: every truncation of the environ block raises ProtocolError (no struct.error)', () => {
  const payload = encodeRequestFrame(1, [['REQUEST_METHOD', 'GET'], ['PATH_INFO', HIGH_BYTES]], Buffer.from('body'), true).subarray(10);
  const envEnd = 4 + payload.readUInt32BE(0);
  const result = python(`
pl = b(data["payload"])
out([error_name(lambda: p.decode_request(pl[:cut])) for cut in range(data["env_end"])])`, { payload: payload.toString('hex'), env_end: envEnd });
  result.forEach((error, cut) => assert.match(String(error), PROTOCOL_ERROR, `cut at ${cut}`));
});

test('both decoders reject every truncation of a response head with ProtocolError', () => {
  const payload = encodeResponsePayload('200 OK', [['Content-Type', 'text/plain'], ['X-Latin', 'café']], Buffer.alloc(0));
  // TS side, for reference: every strict prefix throws.
  const tsErrors = [];
  for (let cut = 0; cut < payload.length; cut++) {
    try {
      decodeResponsePayload(payload.subarray(0, cut));
      tsErrors.push(null);
    } catch (error) {
      tsErrors.push(error.constructor.name);
    }
  }
  assert.ok(tsErrors.every((e) => e === 'ProtocolError'), `TS: ${JSON.stringify(tsErrors)}`);
  const pyErrors = python(`
pl = b(data)
out([error_name(lambda: p.decode_response(pl[:cut])) for cut in range(len(pl))])`, payload.toString('hex'));
  const accepted = pyErrors.map((e, cut) => (PROTOCOL_ERROR.test(String(e)) ? null : cut)).filter((c) => c !== null);
  assert.deepEqual(accepted, [], `Python decode_response accepted truncated heads at these cut points (of ${payload.length})`);
});
