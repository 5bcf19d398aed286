// A NUL byte has no business in PATH_INFO: `%00` in the path gets 400 before
// any worker sees it, and the server keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPS, startXgi } from '../../helpers/start-xgi.js';
import { parseResponses, rawRequest } from '../../helpers/raw-http.js';

test('%00 in the path is a 400; the query string may carry it', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'variables']);
  const [bad] = parseResponses(await rawRequest(xgi.port, 'GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.connection, 'close');
  const ok = await xgi.get('/a?x=%00');
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.text).environ.QUERY_STRING, 'x=%00');
});
