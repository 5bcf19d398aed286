// The PROXY protocol parser (src/server/proxy-protocol.ts) on golden bytes
// from HAProxy's proxy-protocol.txt: v1 and v2, whole and in every prefix
// (a prefix is always "more", never a wrong answer), and what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PROXY_HEADER_BYTES, parseProxyHeader } from '../../dist/server/proxy-protocol.js';

const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header: command (0 LOCAL, 1 PROXY), family/transport byte, address block, TLV bytes. */
function v2(command, familyTransport, addresses, tlvs = Buffer.alloc(0)) {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(addresses.length + tlvs.length);
  return Buffer.concat([SIGNATURE, Buffer.from([0x20 | command, familyTransport]), length, addresses, tlvs]);
}

const IPV4_BLOCK = Buffer.from([192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x01, 0xbb]); // 192.0.2.1:56324 → 198.51.100.2:443
const IPV6_BLOCK = Buffer.concat([
  Buffer.from('20010db8000000000000000000000001', 'hex'), Buffer.from('20010db8000000000000000000000002', 'hex'),
  Buffer.from([0x30, 0x39, 0x00, 0x50]),
]);

const VALID = [
  ['v1 TCP4', Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n'), { address: '192.0.2.1', port: 56324 }],
  ['v1 TCP6', Buffer.from('PROXY TCP6 2001:db8::1 2001:db8::2 12345 80\r\n'), { address: '2001:db8::1', port: 12345 }],
  ['v1 UNKNOWN', Buffer.from('PROXY UNKNOWN\r\n'), null],
  ['v1 UNKNOWN with addresses', Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n'), null],
  ['v2 PROXY TCP4', v2(1, 0x11, IPV4_BLOCK), { address: '192.0.2.1', port: 56324 }],
  ['v2 PROXY TCP6', v2(1, 0x21, IPV6_BLOCK), { address: '2001:db8::1', port: 12345 }],
  ['v2 PROXY TCP4 with TLVs', v2(1, 0x11, IPV4_BLOCK, Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63])), { address: '192.0.2.1', port: 56324 }],
  ['v2 LOCAL (health check)', v2(0, 0x00, Buffer.alloc(0)), null],
  ['v2 PROXY UNSPEC', v2(1, 0x00, Buffer.alloc(0)), null],
  ['v2 PROXY UDP4', v2(1, 0x12, IPV4_BLOCK), null],
  ['v2 PROXY UNIX', v2(1, 0x31, Buffer.alloc(216)), null],
  ['v2 IPv4-mapped IPv6', v2(1, 0x21, Buffer.concat([Buffer.from('00000000000000000000ffffc0000201', 'hex'), Buffer.alloc(16), Buffer.from([0, 7, 0, 80])])),
    { address: '::ffff:192.0.2.1', port: 7 }],
];

for (const [name, header, source] of VALID) {
  test(`${name}: parsed, and the request after it is left alone`, () => {
    const request = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    assert.deepEqual(parseProxyHeader(Buffer.concat([header, request])), { kind: 'header', length: header.length, source });
    for (let n = 0; n < header.length; n++) {
      assert.equal(parseProxyHeader(header.subarray(0, n)).kind, 'more', `prefix of ${n} bytes`);
    }
  });
}

const INVALID = [
  ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\n'), /does not begin with a PROXY protocol header/],
  ['v1 lower case', Buffer.from('proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), /does not begin/],
  ['v1 bad family', Buffer.from('PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n'), /malformed PROXY v1/],
  ['v1 IPv6 under TCP4', Buffer.from('PROXY TCP4 ::1 ::1 1 2\r\n'), /malformed PROXY v1/],
  ['v1 bad address', Buffer.from('PROXY TCP4 1.2.3.999 5.6.7.8 1 2\r\n'), /malformed PROXY v1/],
  ['v1 port too large', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'), /malformed PROXY v1/],
  ['v1 leading zero port', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n'), /malformed PROXY v1/],
  ['v1 double space', Buffer.from('PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n'), /malformed PROXY v1/],
  ['v1 bare LF', Buffer.from(`PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n${'x'.repeat(120)}`), /longer than 107/],
  ['v1 too long', Buffer.from(`PROXY UNKNOWN ${'x'.repeat(100)}\r\n`), /longer than 107/],
  ['v2 version 1', Buffer.concat([SIGNATURE, Buffer.from([0x11, 0x11, 0, 12]), IPV4_BLOCK]), /version 1/],
  ['v2 command 2', Buffer.concat([SIGNATURE, Buffer.from([0x22, 0x11, 0, 12]), IPV4_BLOCK]), /unknown command/],
  ['v2 family 4', Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x41, 0, 12]), IPV4_BLOCK]), /unknown family/],
  ['v2 short address block', Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x21, 0, 12]), IPV4_BLOCK]), /36 needed/],
];

for (const [name, bytes, reason] of INVALID) {
  test(`refused: ${name}`, () => {
    const parsed = parseProxyHeader(bytes);
    assert.equal(parsed.kind, 'invalid');
    assert.match(parsed.reason, reason);
  });
}

test('a v2 header may be as long as its u16 length says, and no longer', () => {
  const header = v2(1, 0x11, IPV4_BLOCK, Buffer.alloc(0xffff - 12));
  assert.equal(header.length, MAX_PROXY_HEADER_BYTES);
  assert.equal(parseProxyHeader(header).kind, 'header');
});
