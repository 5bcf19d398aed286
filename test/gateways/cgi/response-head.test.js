// The CGI response-head parser (RFC 3875 §6), as a pure function: a table of
// exact script outputs and the head (or error) each must give, every one fed
// whole, line by line, byte by byte and in random chunks (gunicorn's treq.py:
// boundary bugs live at chunk edges).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseHeadParser } from '../../../dist/gateways/cgi/response-head.js';

const doc = (status, headers, extra = {}) => ({
  kind: 'document', status, reason: null, headers, location: null, isBodyAllowed: true, contentLength: null, ...extra,
});

/** [name, output, expected head fields or { error }, expected rest]. */
const CASES = [
  ['document, LF', 'Content-Type: text/plain\n\nhello', doc(200, ['Content-Type', 'text/plain']), 'hello'],
  ['document, CRLF', 'Content-Type: text/plain\r\n\r\nhello\r\n', doc(200, ['Content-Type', 'text/plain']), 'hello\r\n'],
  ['mixed LF and CRLF', 'Content-Type: a/b\r\nX-A: 1\n\r\nrest', doc(200, ['Content-Type', 'a/b', 'X-A', '1']), 'rest'],
  ['no body', 'Content-Type: text/html\n\n', doc(200, ['Content-Type', 'text/html']), ''],
  ['whitespace around values, none needed after the colon', 'content-type:text/plain  \nX-Y: \t v \t\n\n',
    doc(200, ['content-type', 'text/plain', 'X-Y', 'v']), ''],
  ['Status with reason', 'Status: 404 Not Here\nContent-Type: text/plain\n\nx',
    doc(404, ['Content-Type', 'text/plain'], { reason: 'Not Here' }), 'x'],
  ['Status without reason, case-insensitive name', 'STATUS: 201\nContent-Type: a/b\n\n', doc(201, ['Content-Type', 'a/b']), ''],
  ['Status alone: no body allowed', 'Status: 204 No Content\n\n',
    doc(204, [], { reason: 'No Content', isBodyAllowed: false }), ''],
  ['repeated fields kept in order', 'Content-Type: a/b\nSet-Cookie: a=1\nSet-Cookie: b=2\n\n',
    doc(200, ['Content-Type', 'a/b', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']), ''],
  ['hop-by-hop fields dropped', 'Content-Type: a/b\nConnection: close\nTransfer-Encoding: chunked\nKeep-Alive: 5\n\n',
    doc(200, ['Content-Type', 'a/b']), ''],
  ['Content-Length kept and read', 'Content-Type: a/b\nContent-Length: 5\n\nhello',
    doc(200, ['Content-Type', 'a/b', 'Content-Length', '5'], { contentLength: 5 }), 'hello'],
  ['empty value', 'Content-Type: a/b\nX-Empty:\n\n', doc(200, ['Content-Type', 'a/b', 'X-Empty', '']), ''],
  ['obs-text in a value', 'Content-Type: a/b\nX-L: caf\xe9\n\n', doc(200, ['Content-Type', 'a/b', 'X-L', 'caf\xe9']), ''],
  ['local redirect', 'Location: /other/path?q=1\n\n',
    { kind: 'local-redirect', status: 200, reason: null, headers: [], location: '/other/path?q=1', isBodyAllowed: false, contentLength: null }, ''],
  ['local redirect with Status 200 (Apache)', 'Status: 200\nLocation: /x\n\n',
    { kind: 'local-redirect', status: 200, reason: null, headers: [], location: '/x', isBodyAllowed: false, contentLength: null }, ''],
  ['client redirect', 'Location: http://example.com/a\n\n',
    { kind: 'client-redirect', status: 302, reason: null, headers: ['Location', 'http://example.com/a'], location: 'http://example.com/a', isBodyAllowed: false, contentLength: null }, ''],
  ['path Location with a 3xx Status goes to the client', 'Status: 301 Moved\nLocation: /new\n\n',
    { kind: 'client-redirect', status: 301, reason: 'Moved', headers: ['Location', '/new'], location: '/new', isBodyAllowed: false, contentLength: null }, ''],
  ['client redirect with document', 'Status: 303 See Other\nLocation: https://x.test/\nContent-Type: text/html\n\n<a>',
    { kind: 'client-redirect-document', status: 303, reason: 'See Other', headers: ['Content-Type', 'text/html', 'Location', 'https://x.test/'], location: 'https://x.test/', isBodyAllowed: true, contentLength: null }, '<a>'],
  ['body bytes that look like a head stay body', 'Content-Type: a/b\n\nStatus: 500\n\n', doc(200, ['Content-Type', 'a/b']), 'Status: 500\n\n'],
  ['no head at all', '<html>hi</html>\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['blank first line', '\nContent-Type: a/b\n\n', { error: 'XGI_CGI_NO_HEADERS' }],
  ['blank first line, CRLF', '\r\nbody', { error: 'XGI_CGI_NO_HEADERS' }],
  ['space before the colon', 'Content-Type : a/b\n\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['space in the name', 'Content Type: a/b\n\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['obs-fold', 'Content-Type: a/b\n continued\n\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['NUL in a value', 'Content-Type: a/b\nX: a\0b\n\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['bare CR in a value', 'Content-Type: a/b\nX: a\rb\n\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['Status twice', 'Status: 200\nStatus: 404\nContent-Type: a/b\n\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['Content-Type twice', 'Content-Type: a/b\ncontent-type: c/d\n\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['bad Content-Length', 'Content-Type: a/b\nContent-Length: 12a\n\n', { error: 'XGI_CGI_MALFORMED_HEADER' }],
  ['Status not a number', 'Status: OK\nContent-Type: a/b\n\n', { error: 'XGI_CGI_BAD_STATUS' }],
  ['Status 1xx', 'Status: 100 Continue\nContent-Type: a/b\n\n', { error: 'XGI_CGI_BAD_STATUS' }],
  ['Status past 599', 'Status: 600 Huh\nContent-Type: a/b\n\n', { error: 'XGI_CGI_BAD_STATUS' }],
  ['Status of 4 digits', 'Status: 2000\nContent-Type: a/b\n\n', { error: 'XGI_CGI_BAD_STATUS' }],
  ['neither Content-Type, Status nor Location', 'X-Only: 1\n\nbody', { error: 'XGI_CGI_NO_CONTENT_TYPE' }],
];

/** Ways to cut one output into chunks. */
function chunkings(bytes, seed) {
  const lines = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  const random = [];
  let rng = seed;
  for (let at = 0; at < bytes.length;) {
    rng = (rng * 1103515245 + 12345) & 0x7fffffff;
    const size = 1 + (rng % 7);
    random.push(bytes.subarray(at, at + size));
    at += size;
  }
  return {
    whole: [bytes],
    'line by line': lines,
    'byte by byte': [...bytes].map((b) => Buffer.from([b])),
    'random chunks': random,
  };
}

/** Feed the chunks; returns the first step that is not 'more' (or the end step), and the rest with any later chunks. */
function feed(chunks) {
  const parser = new ResponseHeadParser();
  for (let i = 0; i < chunks.length; i++) {
    const step = parser.push(chunks[i]);
    if (step.kind === 'more') continue;
    if (step.kind === 'error') return { step };
    return { step, rest: Buffer.concat([step.rest, ...chunks.slice(i + 1)]) };
  }
  return { step: parser.end() };
}

for (const [name, output, expected, rest] of CASES) {
  test(`response head: ${name}`, () => {
    const bytes = Buffer.from(output, 'latin1');
    for (const [how, chunks] of Object.entries(chunkings(bytes, bytes.length))) {
      const { step, rest: gotRest } = feed(chunks);
      if (expected.error) {
        assert.equal(step.kind, 'error', `${how}: ${JSON.stringify(step)}`);
        assert.equal(step.code, expected.error, `${how}: ${step.detail}`);
        continue;
      }
      assert.equal(step.kind, 'head', `${how}: ${JSON.stringify(step)}`);
      assert.deepEqual({ ...step.head }, expected, how);
      assert.equal(gotRest.toString('latin1'), rest, `${how}: the bytes after the head`);
    }
  });
}

test('response head: EOF before anything is XGI_CGI_NO_OUTPUT, before the blank line XGI_CGI_NO_HEADERS', () => {
  assert.equal(new ResponseHeadParser().end().code, 'XGI_CGI_NO_OUTPUT');
  for (const partial of ['Content-Type: a/b\n', 'Content-Type: a/b', 'Content-Type: a/b\r\n\r']) {
    const parser = new ResponseHeadParser();
    assert.equal(parser.push(Buffer.from(partial)).kind, 'more', partial);
    assert.equal(parser.end().code, 'XGI_CGI_NO_HEADERS', partial);
  }
});

test('response head: a head past the limit is refused, whether or not its lines end', () => {
  const long = new ResponseHeadParser(1024);
  assert.equal(long.push(Buffer.from('X-Long: ' + 'a'.repeat(2000))).code, 'XGI_CGI_HEAD_TOO_LARGE');
  const many = new ResponseHeadParser(1024);
  let step = { kind: 'more' };
  for (let i = 0; i < 200 && step.kind === 'more'; i++) step = many.push(Buffer.from(`X-Field-${i}: value\n`));
  assert.equal(step.code, 'XGI_CGI_HEAD_TOO_LARGE');
  const fits = new ResponseHeadParser(1024);
  const head = fits.push(Buffer.from(`Content-Type: a/b\n\n${'b'.repeat(5000)}`));
  assert.equal(head.kind, 'head', 'a large body after a small head is fine');
  assert.equal(head.rest.length, 5000);
});

test('response head: the default limit is 64 KiB', () => {
  const parser = new ResponseHeadParser();
  const step = parser.push(Buffer.from(`Content-Type: a/b\nX-Big: ${'v'.repeat(60 * 1024)}\n\n`));
  assert.equal(step.kind, 'head');
  assert.equal(new ResponseHeadParser().push(Buffer.from(`X-Big: ${'v'.repeat(65 * 1024)}`)).code, 'XGI_CGI_HEAD_TOO_LARGE');
});
