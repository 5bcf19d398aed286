// The front's own check of a worker's response head
// (src/gateways/wsgi/response-head.ts), the second line behind the worker's
// PEP 3333 checks: a head a broken or hostile worker sends is refused with a
// reason and nothing is written, on a real node:http ServerResponse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import { writeHead } from '../../dist/gateways/wsgi/response-head.js';

const CASES = [
  ['200 OK', ['Content-Type', 'text/plain'], null],
  ['200 OK\r\nX-Injected: 1', [], /invalid status line/],
  ['99 Low', [], /invalid status line/],
  ['101 Switching Protocols', [], /informational status 101/],
  ['200 OK', ['X-A\r\nX-B', 'v'], /invalid response header/],
  ['200 OK', ['X-A', 'v\r\nX-B: w'], /invalid response header/],
  ['200 OK', ['X-A', 'v\0w'], /invalid response header/],
  ['200 OK', ['Transfer-Encoding', 'chunked'], /hop-by-hop header Transfer-Encoding/],
  ['200 OK', ['connection', 'close'], /hop-by-hop header connection/],
  ['200 OK', ['Upgrade', 'h2c'], /hop-by-hop header Upgrade/],
  ['200 OK', ['Content-Length', '5, 6'], /invalid Content-Length/],
  ['200 OK', ['Content-Length', '-1'], /invalid Content-Length/],
];

test('writeHead refuses what must not reach a client, and writes nothing then', async (t) => {
  const seen = [];
  const server = createServer((req, res) => {
    const [status, headers] = CASES[Number(req.url.slice(1))];
    const problem = writeHead(res, status, [...headers]);
    seen.push({ problem, headersSent: res.headersSent });
    if (problem === null) res.end('ok');
    else {
      res.writeHead(502);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  for (let i = 0; i < CASES.length; i++) {
    const status = await new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port: server.address().port, path: `/${i}` }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      }).on('error', reject);
    });
    const [, , expected] = CASES[i];
    const { problem, headersSent } = seen[i];
    if (expected === null) {
      assert.equal(problem, null);
      assert.equal(status, 200);
    } else {
      assert.match(problem ?? '', expected, `case ${i}`);
      assert.equal(headersSent, false, `case ${i}: nothing written`);
      assert.equal(status, 502);
    }
  }
});
