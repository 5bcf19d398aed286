// A CGI script sees the client the front decided on: a trusted proxy's
// X-Forwarded-For / -Proto and a PROXY-less peer alike (issue 7 for CGI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCgi } from './start-cgi.js';

async function envOf(xgi, headers) {
  const res = await xgi.get('/cgi-bin/env.py', { headers });
  assert.equal(res.status, 200);
  return JSON.parse(res.text).env;
}

test('X-Forwarded-For and -Proto from a trusted peer set REMOTE_ADDR and HTTPS', async (t) => {
  const xgi = await startCgi(t);
  const env = await envOf(xgi, { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' });
  assert.equal(env.REMOTE_ADDR, '203.0.113.9');
  assert.equal(env.HTTPS, 'on');
  const plain = await envOf(xgi, {});
  assert.equal(plain.REMOTE_ADDR, '127.0.0.1');
  assert.equal(plain.HTTPS, undefined);
});

test('from an untrusted peer the forwarding headers change nothing', async (t) => {
  const xgi = await startCgi(t, ['--forwarded-allow-ips', '192.0.2.1']);
  const env = await envOf(xgi, { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' });
  assert.equal(env.REMOTE_ADDR, '127.0.0.1');
  assert.equal(env.HTTPS, undefined);
});
