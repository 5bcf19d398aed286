// Who the client is (src/server/forwarded.ts, address-trust.ts) as a table:
// headers and peer in, client/scheme/host out. The end-to-end behaviour is
// in test/security/forwarded.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressTrust } from '../../dist/server/address-trust.js';
import { parseForwarded, resolveClient } from '../../dist/server/forwarded.js';

const PEER = { address: '127.0.0.1', port: '5000', forwardedHost: null };

test('addressTrust: addresses, CIDR networks, IPv4-mapped peers, *, and Unix peers', () => {
  const trust = addressTrust(['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']);
  for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::1', '10.200.3.4', 'fd12::1', undefined]) {
    assert.equal(trust.trusts(address), true, String(address));
  }
  for (const address of ['127.0.0.2', '11.0.0.1', 'fe80::1', 'not an address']) assert.equal(trust.trusts(address), false, address);
  assert.equal(addressTrust(['*']).trusts('203.0.113.9'), true);
  assert.equal(addressTrust([]).trusts('127.0.0.1'), false);
});

const CASES = [
  ['no forwarding headers', {}, null],
  ['X-Forwarded-For alone', { 'x-forwarded-for': '203.0.113.7' }, ['203.0.113.7', '', 'http', null]],
  ['X-Forwarded-For with port', { 'x-forwarded-for': '203.0.113.7:1234' }, ['203.0.113.7', '1234', 'http', null]],
  ['X-Forwarded-For bracketed IPv6 with port', { 'x-forwarded-for': '[2001:db8::1]:99' }, ['2001:db8::1', '99', 'http', null]],
  ['spoofed leftmost hop', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' }, ['203.0.113.7', '', 'http', null]],
  ['trusted hops skipped', { 'x-forwarded-for': '203.0.113.7, 127.0.0.1' }, ['203.0.113.7', '', 'http', null]],
  ['garbage hop ends the walk at the last trusted one', { 'x-forwarded-for': '203.0.113.7, garbage, 127.0.0.1' }, ['127.0.0.1', '', 'http', null]],
  ['garbage only: the peer stays', { 'x-forwarded-for': 'unknown' }, ['127.0.0.1', '5000', 'http', null]],
  ['proto https', { 'x-forwarded-proto': 'https' }, ['127.0.0.1', '5000', 'https', null]],
  ['proto list: the nearest proxy\'s value', { 'x-forwarded-proto': 'https, http' }, ['127.0.0.1', '5000', 'http', null]],
  ['X-Forwarded-Ssl on', { 'x-forwarded-ssl': 'on' }, ['127.0.0.1', '5000', 'https', null]],
  ['X-Forwarded-Protocol ssl', { 'x-forwarded-protocol': 'ssl' }, ['127.0.0.1', '5000', 'https', null]],
  ['host', { 'x-forwarded-host': 'a.example:81' }, ['127.0.0.1', '5000', 'http', 'a.example:81']],
  ['invalid host ignored', { 'x-forwarded-host': 'a b' }, ['127.0.0.1', '5000', 'http', null]],
  ['Forwarded quoted IPv6', { forwarded: 'for="[2001:db8::17]:4711";proto=https;host="h.example"' }, ['2001:db8::17', '4711', 'https', 'h.example']],
  ['Forwarded wins', { forwarded: 'for=198.51.100.5', 'x-forwarded-for': '203.0.113.7' }, ['198.51.100.5', '', 'http', null]],
  ['malformed Forwarded: X-Forwarded-For counts', { forwarded: 'for=', 'x-forwarded-for': '203.0.113.7' }, ['203.0.113.7', '', 'http', null]],
  ['Forwarded obfuscated node', { forwarded: 'for=_hidden, for=127.0.0.1' }, ['127.0.0.1', '', 'http', null]],
];

for (const [name, headers, expected] of CASES) {
  test(`resolveClient from a trusted peer: ${name}`, () => {
    const resolved = resolveClient(headers, PEER, addressTrust(['127.0.0.1']));
    if (expected === null) {
      assert.equal(resolved, null);
      return;
    }
    assert.equal(resolved.ok, true, resolved.reason);
    const { client, urlScheme } = resolved;
    assert.deepEqual([client.address, client.port, urlScheme, client.forwardedHost], expected);
  });
}

test('resolveClient: disagreeing scheme headers are refused; an untrusted peer changes nothing', () => {
  const conflict = resolveClient({ 'x-forwarded-proto': 'https', 'x-forwarded-ssl': 'off' }, PEER, addressTrust(['127.0.0.1']));
  assert.equal(conflict.ok, false);
  assert.match(conflict.reason, /disagree/);
  assert.equal(resolveClient({ 'x-forwarded-for': '203.0.113.7' }, PEER, addressTrust(['10.0.0.1'])), null);
});

test('parseForwarded: quoted-string escapes, several headers joined, bad syntax is null', () => {
  const view = parseForwarded('for="198.51.100.1";by=x;proto="ht\\tps", for=192.0.2.1;host=last.example');
  assert.deepEqual(view.hops, [{ address: '198.51.100.1', port: '' }, { address: '192.0.2.1', port: '' }]);
  assert.equal(view.host, 'last.example');
  for (const bad of ['for', 'for=a b', 'for="unterminated', '=x', 'for=1.2.3.4 junk']) assert.equal(parseForwarded(bad), null, bad);
});
