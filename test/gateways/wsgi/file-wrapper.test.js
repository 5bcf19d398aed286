// wsgi.file_wrapper: files served byte for byte, through the iterator path
// (the validator wraps the FileWrapper) and through the server's sendfile
// path (the FileWrapper returned as is), including a 3 MiB file that is
// larger than the response window and so needs CREDIT from the front. On the
// sendfile path the app wraps a file whose read() raises, so those cases pass
// only if os.sendfile served the bytes (the wrapped-noread control shows that
// iterating such a file does fail); a file-like without fileno() falls back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { APPS, startXgi, suiteScope } from '../../helpers/start-xgi.js';
import { hasResponses, parseResponses, rawRequest } from '../../helpers/raw-http.js';

describe('wsgi.file_wrapper (file_wrapper app)', () => {
  const scope = suiteScope();
  const dir = mkdtempSync(join(tmpdir(), 'xgi-file-wrapper-'));
  const files = {
    'small.txt': Buffer.from('a small file\nwith two lines\n'),
    'empty.bin': Buffer.alloc(0),
    'big.bin': randomBytes(3 * 1024 * 1024),
  };
  let xgi;
  before(async () => {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    xgi = await startXgi(scope, ['wsgi:app', '--pythonpath', APPS + 'file_wrapper', '-e', `FILE_DIR=${dir}`]);
  });
  after(async () => {
    await scope.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const way of ['wrapped', 'sendfile']) {
    for (const name of Object.keys(files)) {
      test(`${way}: ${name} arrives byte for byte`, async () => {
        const response = await xgi.request(`/${way}/${name}`);
        assert.equal(response.status, 200, response.text);
        assert.equal(response.headers.get('content-length'), String(files[name].length));
        assert.equal(response.body.length, files[name].length);
        assert.ok(response.body.equals(files[name]), 'body differs from the file');
      });
    }
  }

  test('control: the same read()-less file, iterated (validator-wrapped), is a 500 naming read()', async () => {
    const response = await xgi.request('/wrapped-noread/small.txt');
    assert.equal(response.status, 500);
    await xgi.waitForLine(/Error handling request GET \/wrapped-noread\/small\.txt\n[\s\S]*?RuntimeError: read\(\) called: the os\.sendfile path was not taken/);
    assert.doesNotMatch(xgi.stderr, /GET \/sendfile\//, 'a sendfile request logged an error: read() was called');
  });

  for (const name of ['small.txt', 'big.bin']) {
    test(`no fileno() (io.BytesIO): ${name} falls back to iteration, byte for byte`, async () => {
      const response = await xgi.request(`/bytesio/${name}`);
      assert.equal(response.status, 200, response.text);
      assert.ok(response.body.equals(files[name]), 'body differs from the file');
    });
  }

  test('sendfile: two big files back to back on one keep-alive connection', async () => {
    const get = `GET /sendfile/big.bin HTTP/1.1\r\nHost: x\r\n\r\n`;
    const buffer = await rawRequest(xgi.port, get + get, { until: hasResponses(2), timeoutMs: 15000 });
    const responses = parseResponses(buffer);
    assert.equal(responses.length, 2);
    for (const response of responses) {
      assert.ok(response.isComplete);
      assert.ok(response.body.equals(files['big.bin']));
    }
  });

  test('HEAD of a file sends the length and no body', async () => {
    const buffer = await rawRequest(xgi.port, 'HEAD /sendfile/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const [response] = parseResponses(buffer, { isHead: true });
    assert.equal(response.headers['content-length'], String(files['big.bin'].length));
    assert.equal(buffer.length, buffer.indexOf('\r\n\r\n') + 4, 'no body after the HEAD response');
  });
});
