// Fuzzing the whole front with mutated requests against a real xgi: valid
// requests and the malformed corpus (test/fixtures/requests/), with bytes
// flipped, inserted, deleted or lines repeated. Whatever arrives, the answer
// is a 2xx, 404 or a 4xx refusal, or a closed connection: never a 5xx,
// never a hang, never a dead worker or front.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';
import { APPS, startXgi, suiteScope } from '../helpers/start-xgi.js';
import { parseResponses, rawRequest } from '../helpers/raw-http.js';
import { readManifest, readRequest } from '../security/request-files.js';
import { fuzzOptions } from './fuzz-options.js';

const VALID = [
  'GET /echo HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n',
  'POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  'POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'GET /echo?a=b HTTP/1.0\r\n\r\n',
].map((text) => Buffer.from(text, 'latin1'));
const CORPUS = readManifest().map((entry) => readRequest(entry.file)).filter((bytes) => bytes.length < 4096);
const INTERESTING = [0x0d, 0x0a, 0x00, 0x20, 0x3a, 0x09, 0x7f, 0xff, 0x30, 0x39, 0x61, 0x2c, 0x3b, 0x5f];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert'), at: fc.nat(), value: fc.constantFrom(...INTERESTING) }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('repeat-line'), at: fc.nat() }),
);

function mutate(bytes, m) {
  const at = bytes.length === 0 ? 0 : m.at % bytes.length;
  switch (m.kind) {
    case 'flip': return Buffer.concat([bytes.subarray(0, at), Buffer.from([m.value]), bytes.subarray(at + 1)]);
    case 'insert': return Buffer.concat([bytes.subarray(0, at), Buffer.from([m.value]), bytes.subarray(at)]);
    case 'delete': return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    default: {
      const start = bytes.lastIndexOf('\n', at) + 1;
      const end = bytes.indexOf('\n', at);
      const line = bytes.subarray(start, end < 0 ? bytes.length : end + 1);
      return Buffer.concat([bytes.subarray(0, start), line, bytes.subarray(start)]);
    }
  }
}

const request = fc.tuple(fc.constantFrom(...VALID, ...CORPUS), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([base, mutations]) => mutations.reduce(mutate, base));

/** Send `bytes`, end our side (an unfinished head then fails at once), collect until the server closes. */
function exchange(port, bytes) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 5 s for ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`));
    }, 5000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

describe('mutated requests against a real xgi', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'hostile', '--limit-request-body', '1k', '--header-map', 'refuse']);
  });
  after(() => scope.close());

  test('every answer is 2xx, 404 or a 4xx refusal, or a closed connection', async () => {
    await fc.assert(fc.asyncProperty(request, async (bytes) => {
      const responses = parseResponses(await exchange(xgi.port, bytes));
      for (const response of responses) {
        assert.ok(response.status >= 200 && response.status < 500,
          `${response.status} for ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`);
      }
    }), fuzzOptions(150));
  });

  test('afterwards the front and its one worker still serve', async () => {
    const [response] = parseResponses(await rawRequest(xgi.port, 'GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(response?.status, 200);
    assert.equal(xgi.workerPids().length, 1, xgi.stderr);
    assert.doesNotMatch(xgi.stderr, /internal error|Traceback|\[ERROR\]/);
  });
});
