// parseRequestPath as a table: every spelling of "up", "slash", "backslash"
// and "NUL" a client might send, dotfiles with and without the option,
// `.well-known`, merged slashes, and what must still be allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestPath } from '../../../dist/gateways/static/request-path.js';

/** [path below the mount, dotfiles, expected: segments (+ '/' for a trailing slash) or a status]. */
const CASES = [
  ['', false, []],
  ['/', false, ['/']],
  ['/a.txt', false, ['a.txt']],
  ['/dir/', false, ['dir', '/']],
  ['/dir/sub/f.css', false, ['dir', 'sub', 'f.css']],
  ['//dir///f.css', false, ['dir', 'f.css']],
  ['/caf%C3%A9.txt', false, ['café.txt']],
  ['/a%20b.txt', false, ['a b.txt']],
  ['/%252e%252e/x', false, ['%2e%2e', 'x']],
  ['/%2541', false, ['%41']],
  ['/a..b', false, ['a..b']],
  ['/...', false, 404],
  ['/..', false, 400],
  ['/../etc/passwd', false, 400],
  ['/a/../../etc/passwd', false, 400],
  ['/a/..', false, 400],
  ['/./a', false, 400],
  ['/%2e%2e/etc/passwd', false, 400],
  ['/%2E%2E/etc/passwd', false, 400],
  ['/.%2e/x', false, 400],
  ['/%2e/x', false, 400],
  ['/..', true, 400],
  ['/%2e%2e', true, 400],
  ['/a%2f..%2f..%2fetc%2fpasswd', false, 404],
  ['/a%2F..', false, 404],
  ['/..%5c..%5cetc', false, 404],
  ['/a\\..\\..\\etc', false, 404],
  ['/a%5Cb', false, 404],
  ['/a.txt%00.png', false, 400],
  ['/%00', false, 400],
  ['/a%ff.txt', false, 404],
  ['/a%c3', false, 404],
  ['x.txt', false, 404],
  ['/.env', false, 404],
  ['/.git/config', false, 404],
  ['/dir/.htpasswd', false, 404],
  ['/%2egit/config', false, 404],
  ['/.env', true, ['.env']],
  ['/dir/.hidden/', true, ['dir', '.hidden', '/']],
  ['/.well-known/security.txt', false, ['.well-known', 'security.txt']],
  ['/.well-known/', false, ['.well-known', '/']],
  ['/.well-known/.secret', false, 404],
  ['/dir/.well-known/x', false, 404],
];

for (const [path, dotfiles, expected] of CASES) {
  test(`${JSON.stringify(path)}${dotfiles ? ' (dotfiles on)' : ''} → ${JSON.stringify(expected)}`, () => {
    const parsed = parseRequestPath(path, dotfiles);
    if (typeof expected === 'number') {
      assert.equal(parsed.ok, false, JSON.stringify(parsed));
      assert.equal(parsed.status, expected, parsed.reason);
      assert.ok(parsed.reason.length > 0);
    } else {
      assert.equal(parsed.ok, true, JSON.stringify(parsed));
      const hasTrailingSlash = expected.at(-1) === '/';
      assert.deepEqual(parsed.segments, hasTrailingSlash ? expected.slice(0, -1) : expected);
      assert.equal(parsed.hasTrailingSlash, hasTrailingSlash);
    }
  });
}
