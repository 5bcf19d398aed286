// Fuzzing the PROXY protocol parser (src/server/proxy-protocol.ts), which
// reads bytes from the network before anything else does: any bytes give
// 'more', a header or a reason, never a throw; a header never claims more
// bytes than it was given or than the protocol allows; and the answer on a
// prefix agrees with the answer on the whole (what connection-gate.ts
// relies on when the header arrives in pieces).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { MAX_PROXY_HEADER_BYTES, parseProxyHeader } from '../../dist/server/proxy-protocol.js';
import { fuzzOptions } from './fuzz-options.js';

const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

const v1 = fc.tuple(
  fc.constantFrom('TCP4', 'TCP6', 'UNKNOWN', 'UDP4', 'tcp4', ''),
  fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })),
  fc.oneof(fc.ipV4(), fc.ipV6()),
  fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), fc.constantFrom('01', '-1', '')),
  fc.integer({ min: 0, max: 65535 }).map(String),
  fc.constantFrom('\r\n', '\n', ' \r\n', ''),
).map(([family, source, destination, sport, dport, end]) => Buffer.from(`PROXY ${family} ${source} ${destination} ${sport} ${dport}${end}`, 'latin1'));

const v2 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 300 }))
  .map(([versionCommand, family, length, rest]) => {
    const head = Buffer.alloc(4);
    head[0] = versionCommand;
    head[1] = family;
    head.writeUInt16BE(length, 2);
    return Buffer.concat([SIGNATURE, head, Buffer.from(rest)]);
  });

const input = fc.tuple(fc.oneof(v1, v2, fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b))), fc.uint8Array({ maxLength: 40 }))
  .map(([header, after]) => Buffer.concat([header, Buffer.from(after)]));

test('parseProxyHeader: any bytes, and every prefix of them, give one consistent answer', () => {
  fc.assert(fc.property(input, (bytes) => {
    const whole = parseProxyHeader(bytes);
    assert.ok(['more', 'invalid', 'header'].includes(whole.kind));
    if (whole.kind === 'header') {
      assert.ok(whole.length > 0 && whole.length <= bytes.length && whole.length <= MAX_PROXY_HEADER_BYTES);
      if (whole.source !== null) {
        assert.notEqual(isIP(whole.source.address), 0, whole.source.address);
        assert.ok(Number.isInteger(whole.source.port) && whole.source.port >= 0 && whole.source.port <= 65535);
      }
    }
    for (let n = 0; n <= bytes.length; n++) {
      const prefix = parseProxyHeader(bytes.subarray(0, n));
      if (whole.kind === 'header' && n >= whole.length) assert.deepEqual(prefix, whole);
      else if (whole.kind === 'header') assert.equal(prefix.kind, 'more', `prefix ${n} of a ${whole.length}-byte header`);
      else assert.notEqual(prefix.kind, 'header', 'a prefix cannot be a header the whole is not');
    }
  }), fuzzOptions(400));
});
