// Range requests over HTTP (RFC 9110 §14): one range (206 + Content-Range),
// several (multipart/byteranges, parsed part by part, its Content-Length
// checked), curl as a real multi-range client, 416, ignored Ranges,
// If-Range by ETag and by date, HEAD, and ranges over a precompressed
// variant (the compressed bytes, as nginx).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { get, serveStatic } from './serve-static.js';

const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 251));
const GZ = Buffer.from('pretend these are the 40 gzip bytes.....');

async function setup(t, config = {}) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'xgi-static-ranges-')));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'data.txt'), DATA);
  writeFileSync(join(root, 'data.bin'), DATA);
  writeFileSync(join(root, 'page.js'), 'console.log("identity bytes")\n');
  writeFileSync(join(root, 'page.js.gz'), GZ);
  return { root, ...(await serveStatic(t, { root, ...config })) };
}

/** The parts of a multipart/byteranges body: [{ headers, body }], checking the delimiters on the way. */
function parseMultipart(body, boundary) {
  const text = '\r\n' + body.toString('latin1');
  const close = `\r\n--${boundary}--\r\n`;
  assert.ok(text.endsWith(close), 'closing delimiter');
  const chunks = text.slice(0, -close.length).split(`\r\n--${boundary}\r\n`);
  assert.equal(chunks.shift(), '', 'no preamble');
  return chunks.map((chunk) => {
    const end = chunk.indexOf('\r\n\r\n');
    const headers = Object.fromEntries(chunk.slice(0, end).split('\r\n').map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }));
    return { headers, body: Buffer.from(chunk.slice(end + 4), 'latin1') };
  });
}

test('one range: 206 with Content-Range and exactly those bytes', async (t) => {
  const { port, requests } = await setup(t);
  const cases = [['bytes=0-4', 0, 4], ['bytes=10-19', 10, 19], ['bytes=-10', 990, 999], ['bytes=995-', 995, 999], ['bytes=995-5000', 995, 999], ['bytes=-5000', 0, 999], ['bytes=0-1,1-3', 0, 3]];
  for (const [range, start, end] of cases) {
    const { status, headers, body } = await get(port, '/data.bin', { headers: { Range: range } });
    assert.equal(status, 206, range);
    assert.equal(headers['content-range'], `bytes ${start}-${end}/1000`, range);
    assert.equal(headers['content-length'], String(end - start + 1), range);
    assert.equal(headers['content-type'], 'application/octet-stream', range);
    assert.ok(headers.etag && headers['last-modified'], range);
    assert.deepEqual(body, DATA.subarray(start, end + 1), range);
    assert.equal(requests.at(-1).responseBytes, end - start + 1);
  }
});

test('several ranges: 206 multipart/byteranges, each part with its type, range and bytes', async (t) => {
  const { port, requests } = await setup(t);
  const { status, headers, body } = await get(port, '/data.txt', { headers: { Range: 'bytes=0-1,4-5,-3,500-599' } });
  assert.equal(status, 206);
  const match = /^multipart\/byteranges; boundary=(\S+)$/.exec(headers['content-type']);
  assert.ok(match, headers['content-type']);
  assert.equal(headers['content-length'], String(body.length));
  assert.equal(headers['content-range'], undefined);
  assert.equal(requests.at(-1).responseBytes, body.length);
  const parts = parseMultipart(body, match[1]);
  const expected = [[0, 1], [4, 5], [997, 999], [500, 599]];
  assert.equal(parts.length, expected.length);
  parts.forEach((part, i) => {
    const [start, end] = expected[i];
    assert.equal(part.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(part.headers['content-range'], `bytes ${start}-${end}/1000`);
    assert.deepEqual(part.body, DATA.subarray(start, end + 1));
  });
  // A new boundary per response.
  const again = await get(port, '/data.txt', { headers: { Range: 'bytes=0-1,4-5' } });
  assert.notEqual(/boundary=(\S+)/.exec(again.headers['content-type'])[1], match[1]);
});

test('curl -r 0-1,4-5 reads the multipart body', async (t) => {
  const { port } = await setup(t);
  const { stdout } = await promisify(execFile)('curl', ['-s', '-i', '-r', '0-1,4-5', `http://127.0.0.1:${port}/data.bin`], { encoding: 'latin1' });
  const [head, ...rest] = stdout.split('\r\n\r\n');
  const body = Buffer.from(rest.join('\r\n\r\n'), 'latin1');
  assert.match(head, /^HTTP\/1\.1 206 Partial Content\r\n/);
  const boundary = /content-type: multipart\/byteranges; boundary=(\S+)/i.exec(head)[1];
  assert.equal(Number(/content-length: (\d+)/i.exec(head)[1]), body.length);
  const parts = parseMultipart(body, boundary);
  assert.deepEqual(parts.map((part) => part.headers['content-range']), ['bytes 0-1/1000', 'bytes 4-5/1000']);
  assert.deepEqual(parts.map((part) => [...part.body]), [[...DATA.subarray(0, 2)], [...DATA.subarray(4, 6)]]);
});

test('unsatisfiable: 416 with Content-Range: bytes */SIZE', async (t) => {
  const { port } = await setup(t);
  for (const range of ['bytes=1000-', 'bytes=1000-2000', 'bytes=5000-6000,2000-', 'bytes=-0']) {
    const { status, headers, body } = await get(port, '/data.bin', { headers: { Range: range } });
    assert.equal(status, 416, range);
    assert.equal(headers['content-range'], 'bytes */1000', range);
    assert.equal(body.toString(), 'Range Not Satisfiable\n', range);
  }
});

test('a Range to ignore (bad syntax, another unit) and HEAD: 200 with the whole file and Accept-Ranges', async (t) => {
  const { port } = await setup(t);
  for (const range of ['bytes=abc', 'bytes=0-1,x', 'items=0-1', 'bytes 0-1']) {
    const { status, headers, body } = await get(port, '/data.bin', { headers: { Range: range } });
    assert.equal(status, 200, range);
    assert.equal(headers['accept-ranges'], 'bytes');
    assert.deepEqual(body, DATA, range);
  }
  const head = await get(port, '/data.bin', { method: 'HEAD', headers: { Range: 'bytes=0-4' } });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '1000');
  assert.equal(head.headers['content-range'], undefined);
});

test('If-Range: a matching strong ETag or exact date keeps the range; anything else sends the whole file', async (t) => {
  const { port } = await setup(t);
  const { headers } = await get(port, '/data.bin');
  /** [If-Range, status]. */
  const cases = [
    [headers.etag, 206],
    [headers['last-modified'], 206],
    [`W/${headers.etag}`, 200],
    ['"another-tag"', 200],
    ['Mon, 01 Jan 2001 00:00:00 GMT', 200],
    ['not a date', 200],
  ];
  for (const [ifRange, status] of cases) {
    const response = await get(port, '/data.bin', { headers: { Range: 'bytes=0-9', 'If-Range': ifRange } });
    assert.equal(response.status, status, ifRange);
    assert.deepEqual(response.body, status === 206 ? DATA.subarray(0, 10) : DATA, ifRange);
  }
});

test('preconditions come before the range: If-None-Match that matches is 304, If-Match that fails 412', async (t) => {
  const { port } = await setup(t);
  const { etag } = (await get(port, '/data.bin')).headers;
  assert.equal((await get(port, '/data.bin', { headers: { Range: 'bytes=0-1', 'If-None-Match': etag } })).status, 304);
  assert.equal((await get(port, '/data.bin', { headers: { Range: 'bytes=0-1', 'If-Match': '"x"' } })).status, 412);
  assert.equal((await get(port, '/data.bin', { headers: { Range: 'bytes=0-1', 'If-Match': etag } })).status, 206);
});

test('a range over a precompressed variant is a range of the compressed bytes, with its size', async (t) => {
  const { port } = await setup(t, { precompressed: true });
  const one = await get(port, '/page.js', { headers: { Range: 'bytes=0-6', 'Accept-Encoding': 'gzip' } });
  assert.equal(one.status, 206);
  assert.equal(one.headers['content-encoding'], 'gzip');
  assert.equal(one.headers['content-range'], `bytes 0-6/${GZ.length}`);
  assert.equal(one.headers.vary, 'Accept-Encoding');
  assert.deepEqual(one.body, GZ.subarray(0, 7));
  const identity = await get(port, '/page.js', { headers: { Range: 'bytes=0-6' } });
  assert.equal(identity.headers['content-range'], 'bytes 0-6/30');
  assert.equal(identity.body.toString(), 'console');
  const many = await get(port, '/page.js', { headers: { Range: 'bytes=0-1,-2', 'Accept-Encoding': 'gzip' } });
  const parts = parseMultipart(many.body, /boundary=(\S+)/.exec(many.headers['content-type'])[1]);
  assert.deepEqual(parts.map((part) => part.headers['content-range']), [`bytes 0-1/${GZ.length}`, `bytes ${GZ.length - 2}-${GZ.length - 1}/${GZ.length}`]);
  assert.equal(parts[0].headers['content-type'], 'text/javascript; charset=utf-8');
  assert.deepEqual(parts[1].body, GZ.subarray(-2));
});
