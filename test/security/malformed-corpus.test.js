// Every request in test/fixtures/requests/ is refused with its status and the
// connection closes; a normal request on a new connection then succeeds.
// Sent whole, then again cut at seeded random points (llhttp must give the
// same answer however the bytes arrive: gunicorn's treq.py idea).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { openRaw, parseResponses, rawRequest } from '../helpers/raw-http.js';
import { readManifest, readRequest } from './request-files.js';

const LIMITS = [
  '--limit-request-line', '1024', '--limit-request-fields', '20', '--limit-request-field_size', '1024',
  '--limit-request-body', '1k', '--header-map', 'refuse',
];

/** Send `bytes` in the given pieces; resolve with everything the server wrote before it closed. */
async function exchange(port, pieces) {
  const conn = await openRaw(port);
  for (const piece of pieces) {
    if (conn.isClosed) break;
    conn.write(piece);
    if (pieces.length > 1) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  try {
    return await conn.waitForClose(5000);
  } finally {
    conn.destroy();
  }
}

/** A seeded cut of `bytes` into three pieces (mulberry32). */
function randomPieces(bytes, seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const cuts = [Math.floor(next() * bytes.length), Math.floor(next() * bytes.length)].sort((a, b) => a - b);
  return [bytes.subarray(0, cuts[0]), bytes.subarray(cuts[0], cuts[1]), bytes.subarray(cuts[1])].filter((p) => p.length > 0);
}

async function assertNormalRequestSucceeds(port) {
  const buffer = await rawRequest(port, 'GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const [response] = parseResponses(buffer);
  assert.equal(response?.status, 200, `a normal request after it must succeed; got ${buffer.toString('latin1').slice(0, 200)}`);
}

describe('malformed request corpus', () => {
  const scope = suiteScope();
  let xgi;
  const manifest = readManifest();
  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'hostile', '--log-level', 'debug', ...LIMITS]);
  });
  after(() => scope.close());

  test('the corpus has a case for every rule of issue 7', () => {
    const names = manifest.map((entry) => entry.file).join(' ');
    for (const rule of ['cl-and-te', 'cl-duplicate', 'te-xchunked', 'chunk-size-overflow', 'bare-lf', 'bare-cr', 'nul-in-header',
      'ctl-in-header', 'http09', 'absolute-form', 'unknown-method', 'request-line-too-long', 'too-many-header-fields',
      'header-field-too-large', 'content-length-over-limit', 'chunked-body-over-limit']) {
      assert.match(names, new RegExp(rule), `no case for ${rule}`);
    }
  });

  for (const entry of manifest) {
    test(`${entry.file}: ${entry.status} (${entry.why})`, async () => {
      const bytes = readRequest(entry.file);
      for (const pieces of [[bytes], randomPieces(bytes, bytes.length)]) {
        const buffer = await exchange(xgi.port, pieces);
        const responses = parseResponses(buffer);
        assert.equal(responses[0]?.status, entry.status,
          `${pieces.length} piece(s): expected ${entry.status}, got ${JSON.stringify(buffer.toString('latin1').slice(0, 300))}`);
        assert.equal(responses.length, 1, 'exactly one response, then the connection closes');
        assert.equal(responses[0].headers.connection, 'close');
        await assertNormalRequestSucceeds(xgi.port);
      }
    });
  }

  test('the worker served only the normal requests, and is the same one', async () => {
    assert.equal(xgi.workerPids().length, 1, xgi.stderr);
    assert.doesNotMatch(xgi.stderr, /Traceback|internal error/);
    await assertNormalRequestSucceeds(xgi.port);
  });
});
