// The scratch directory (started marks, fork socket): private, named for its
// master, and the stale ones of masters killed with SIGKILL are removed at
// the next start, but nothing else is. TMPDIR points at a directory of this
// test's own, so that the sweep sees nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDir, removeScratchDir } from '../../dist/workers/scratch-dir.js';

test('createScratchDir: 0700, named for the master; stale ones of dead masters go, others stay', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'xgi-scratch-test-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = root;
  t.after(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(root, { recursive: true, force: true });
  });
  const stale = join(root, 'xgi-2147483-abcdef'); // no such pid
  mkdirSync(stale);
  writeFileSync(join(stale, '1-1.mark'), 'x');
  writeFileSync(join(stale, 'fork-1.sock'), '');
  const foreign = join(root, 'xgi-2147484-ghijkl');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'precious.txt'), 'not ours to delete');
  const live = join(root, `xgi-${process.pid}-mnopqr`);
  mkdirSync(live);

  const dir = createScratchDir(process.pid);
  assert.match(dir, new RegExp(`^${root}/xgi-${process.pid}-[A-Za-z0-9]{6}$`));
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(existsSync(stale), false, 'the dead master\'s scratch directory is gone');
  assert.deepEqual(readdirSync(root).sort(), [`xgi-${process.pid}-mnopqr`, dir.slice(root.length + 1), 'xgi-2147484-ghijkl'].sort());
  removeScratchDir(dir);
  assert.equal(existsSync(dir), false);
  assert.equal(existsSync(foreign) && existsSync(live), true);
});
