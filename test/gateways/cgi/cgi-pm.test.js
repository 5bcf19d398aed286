// A Perl script built on CGI.pm (Debian's libcgi-pm-perl), the way a great
// deal of real CGI is written: an urlencoded form POST, a query string, and
// a multipart file upload larger than the front's buffer (so it streams to
// the script's stdin), checked by MD5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startCgi } from './start-cgi.js';

test('CGI.pm: a form POST', async (t) => {
  const xgi = await startCgi(t);
  const res = await xgi.request('/cgi-bin/cgi-pm.pl', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=J%C3%BCrgen+X&colour=red&colour=blue&empty=',
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(res.text, 'method=POST\nparam colour=red,blue\nparam empty=\nparam name=Jürgen X\n');
});

test('CGI.pm: a GET with a query string', async (t) => {
  const xgi = await startCgi(t);
  const res = await xgi.get('/cgi-bin/cgi-pm.pl?a=1&b=two');
  assert.equal(res.text, 'method=GET\nparam a=1\nparam b=two\n');
});

test('CGI.pm: a multipart file upload of 3 MiB, with a field beside it', async (t) => {
  const xgi = await startCgi(t);
  const bytes = randomBytes(3 * 1024 * 1024);
  const form = new FormData();
  form.append('note', 'hello');
  form.append('file', new Blob([bytes], { type: 'application/x-test' }), 'data.bin');
  const res = await xgi.request('/cgi-bin/cgi-pm.pl', { method: 'POST', body: form });
  assert.equal(res.status, 200);
  const md5 = createHash('md5').update(bytes).digest('hex');
  assert.equal(res.text, `method=POST\nparam note=hello\nupload name=data.bin type=application/x-test md5=${md5}\n`);
});
