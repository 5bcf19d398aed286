// router.ts: routes tried in order, the first whose host, method and path
// prefix all hold wins; a prefix matches whole segments and becomes
// SCRIPT_NAME; host patterns are exact, *.domain (not the domain) or *.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRouter, hostName } from '../dist/router.js';

const gateway = (name) => ({ name, handle() {}, close: async () => {} });
const route = (name, { hosts = [], prefix = '', methods = [] } = {}) => ({ hosts, prefix, methods, gateway: gateway(name) });

function whoServes(router, path, { host = 'example.org', method = 'GET' } = {}) {
  const match = router.match({ host, path, method });
  return match === null ? null : [match.gateway.name, match.scriptName];
}

test('the first matching route wins, in the order given, not the longest prefix', () => {
  const router = createRouter([route('short', { prefix: '/a' }), route('long', { prefix: '/a/b' }), route('default')]);
  assert.deepEqual(whoServes(router, '/a/b/c'), ['short', '/a']);
  assert.deepEqual(whoServes(router, '/x'), ['default', '']);
});

test('a prefix matches at segment boundaries, before a query, and a trailing slash in it is ignored', () => {
  const router = createRouter([route('api', { prefix: '/api/' })]);
  for (const path of ['/api', '/api/', '/api/x', '/api?q=1']) assert.deepEqual(whoServes(router, path), ['api', '/api'], path);
  for (const path of ['/apix', '/ap', '/', '/x/api']) assert.equal(whoServes(router, path), null, path);
});

test('methods: any of the listed ones', () => {
  const router = createRouter([route('writes', { methods: ['POST', 'PUT'] }), route('rest')]);
  assert.deepEqual(whoServes(router, '/', { method: 'PUT' }), ['writes', '']);
  assert.deepEqual(whoServes(router, '/', { method: 'GET' }), ['rest', '']);
  assert.deepEqual(whoServes(router, '/', { method: 'post' }), ['rest', ''], 'methods are case-sensitive (RFC 9110 §9.1)');
});

test('hosts: exact, *.domain for subdomains only, * for any; case, port and a trailing dot do not matter', () => {
  const router = createRouter([
    route('exact', { hosts: ['example.com'] }),
    route('sub', { hosts: ['*.example.com'] }),
    route('v6', { hosts: ['[::1]'] }),
    route('any', { hosts: ['*'], prefix: '/any' }),
  ]);
  assert.deepEqual(whoServes(router, '/', { host: 'EXAMPLE.com:8080' }), ['exact', '']);
  assert.deepEqual(whoServes(router, '/', { host: 'example.com.' }), ['exact', '']);
  assert.deepEqual(whoServes(router, '/', { host: 'a.b.example.com' }), ['sub', '']);
  assert.deepEqual(whoServes(router, '/', { host: '[::1]:8000' }), ['v6', '']);
  assert.equal(whoServes(router, '/', { host: 'notexample.com' }), null, '*.example.com is not a suffix match on the name');
  assert.equal(whoServes(router, '/', { host: 'evil.com' }), null);
  assert.deepEqual(whoServes(router, '/any/x', { host: '' }), ['any', '/any']);
});

test('hostName: lower case, no port, no trailing dot; IPv6 literals keep their brackets', () => {
  assert.equal(hostName('Example.COM:443'), 'example.com');
  assert.equal(hostName('example.com.'), 'example.com');
  assert.equal(hostName('[::1]:80'), '[::1]');
  assert.equal(hostName('[::1]'), '[::1]');
  assert.equal(hostName(''), '');
});

test('gateways: each once, whatever the number of routes to it', () => {
  const one = gateway('one');
  const router = createRouter([{ hosts: [], prefix: '/a', methods: [], gateway: one }, { hosts: [], prefix: '/b', methods: [], gateway: one }]);
  assert.deepEqual(router.gateways, [one]);
});
