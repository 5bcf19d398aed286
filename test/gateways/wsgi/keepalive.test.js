// Keep-alive and pipelining in front of a WSGI app, over raw sockets: the
// front must answer pipelined requests in order on one connection, and keep
// an HTTP/1.0 connection open only when the client asked for it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi, suiteScope } from '../../helpers/start-xgi.js';
import { hasResponses, openRaw, parseResponses } from '../../helpers/raw-http.js';

const pathOf = (response) => JSON.parse(response.body.toString('latin1')).environ.PATH_INFO;

describe('keep-alive and pipelining (variables app)', () => {
  const scope = suiteScope();
  let xgi;
  before(async () => {
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'variables']);
  });
  after(() => scope.close());

  test('three requests pipelined in one write get three responses, in order', async () => {
    const conn = await openRaw(xgi.port);
    conn.write(
      'GET /first HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /second HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello' +
      'GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    await conn.waitForClose();
    const responses = parseResponses(conn.buffer);
    assert.equal(responses.length, 3, conn.buffer.toString('latin1'));
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200]);
    assert.ok(responses.every((r) => r.isComplete));
    assert.deepEqual(responses.map(pathOf), ['/first', '/second', '/third']);
    assert.equal(JSON.parse(responses[1].body.toString('latin1')).checks.body, 'hello');
  });

  test('HTTP/1.1 connection stays open between sequential requests', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /one HTTP/1.1\r\nHost: x\r\n\r\n');
    await conn.waitFor(hasResponses(1));
    assert.equal(conn.isClosed, false);
    conn.write('GET /two HTTP/1.1\r\nHost: x\r\n\r\n');
    const responses = parseResponses(await conn.waitFor(hasResponses(2)));
    assert.deepEqual(responses.map(pathOf), ['/one', '/two']);
    const environs = responses.map((r) => JSON.parse(r.body.toString('latin1')).environ);
    assert.equal(environs[0].REMOTE_PORT, environs[1].REMOTE_PORT, 'both requests came on one connection');
    conn.destroy();
  });

  test('HTTP/1.0 with Connection: keep-alive keeps the connection for the next request', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const [first] = parseResponses(await conn.waitFor(hasResponses(1)));
    assert.equal(first.status, 200);
    assert.match(first.headers.connection ?? '', /keep-alive/i);
    assert.ok(first.headers['content-length'] !== undefined, 'keep-alive on HTTP/1.0 needs a Content-Length');
    assert.equal(conn.isClosed, false);
    conn.write('GET /b HTTP/1.0\r\n\r\n');
    await conn.waitForClose();
    const responses = parseResponses(conn.buffer);
    assert.deepEqual(responses.map(pathOf), ['/a', '/b']);
    assert.equal(JSON.parse(responses[1].body.toString('latin1')).environ.SERVER_PROTOCOL, 'HTTP/1.0');
  });

  test('HTTP/1.0 without keep-alive is closed after one response', async () => {
    const conn = await openRaw(xgi.port);
    conn.write('GET /only HTTP/1.0\r\n\r\n');
    await conn.waitForClose();
    const responses = parseResponses(conn.buffer);
    assert.equal(responses.length, 1);
    assert.equal(pathOf(responses[0]), '/only');
    assert.doesNotMatch(responses[0].headers.connection ?? '', /keep-alive/i);
  });
});
