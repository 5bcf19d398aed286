// A real Flask app from Debian's python3-flask, run by Debian's interpreter
// (--python /usr/bin/python3): routes, form POST, file upload, cookies,
// redirects, 404, streaming, and an error page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { APPS, DEBIAN_PYTHON, startXgi } from '../helpers/start-xgi.js';
import { parseResponses, rawRequest } from '../helpers/raw-http.js';

test('Flask app through xgi', async (t) => {
  const xgi = await startXgi(t, ['wsgi:app', '--pythonpath', APPS + 'flask_app', '--python', DEBIAN_PYTHON, '--threads', '4']);

  await t.test('routes and query args', async () => {
    const index = await xgi.get('/');
    assert.equal(index.status, 200);
    assert.equal(index.text, 'flask index');
    const hello = await xgi.get('/hello/world?x=1&y=two');
    assert.equal(hello.status, 200);
    assert.deepEqual(JSON.parse(hello.text), { hello: 'world', args: { x: '1', y: 'two' } });
  });

  await t.test('form POST', async () => {
    const res = await xgi.request('/form', {
      method: 'POST',
      body: new URLSearchParams({ name: 'Ada Lovelace', lang: 'en' }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { fields: { name: 'Ada Lovelace', lang: 'en' }, method: 'POST' });
  });

  await t.test('multipart file upload', async () => {
    const content = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31 + 7) & 0xff;
    const form = new FormData();
    form.append('note', 'three megabytes');
    form.append('file', new Blob([content]), 'data.bin');
    const res = await xgi.request('/upload', { method: 'POST', body: form });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), {
      filename: 'data.bin',
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      note: 'three megabytes',
    });
  });

  await t.test('cookies', async () => {
    const set = await xgi.get('/cookie/set');
    const cookies = set.headers.getSetCookie();
    assert.equal(cookies.length, 2, 'two separate Set-Cookie headers');
    assert.match(cookies[0], /^flavour=oatmeal/);
    assert.match(cookies[1], /^count=3/);
    const get = await xgi.get('/cookie/get', { headers: { cookie: 'flavour=oatmeal; count=3' } });
    assert.deepEqual(JSON.parse(get.text), { cookies: { flavour: 'oatmeal', count: '3' } });
  });

  await t.test('redirect', async () => {
    const res = await xgi.get('/go');
    assert.equal(res.status, 302);
    assert.match(res.headers.get('location'), /\/hello\/redirected$/);
  });

  await t.test('404', async () => {
    const res = await xgi.get('/no/such/page');
    assert.equal(res.status, 404);
    assert.match(res.text, /Not Found/);
  });

  await t.test('streaming response is chunked', async () => {
    const raw = await rawRequest(xgi.port, 'GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const [res] = parseResponses(raw);
    assert.equal(res.status, 200);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.body.toString(), 'line 0\nline 1\nline 2\nline 3\nline 4\n');
    assert.ok(res.isComplete);
  });

  await t.test('an exception is a 500 without the traceback; the log has it', async () => {
    const res = await xgi.get('/boom');
    assert.equal(res.status, 500);
    assert.doesNotMatch(res.text, /flask handler failed|Traceback/);
    await xgi.waitForLine(/RuntimeError: flask handler failed/);
    assert.equal((await xgi.get('/')).status, 200, 'still serving');
  });
});
