// The pure parts of choosing a script: the hostile-path corpus against
// splitScriptPath (refused before the file system is asked), the ISINDEX
// command line (RFC 3875 §4.4) and the process-slot queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinPathInfo, splitScriptPath } from '../../../dist/gateways/cgi/script-path.js';
import { isindexArgv } from '../../../dist/gateways/cgi/isindex-argv.js';
import { ProcessSlots } from '../../../dist/gateways/cgi/process-slots.js';
import { HOSTILE_PATHS } from './hostile-paths.js';


test('hostile paths are refused before any file is looked at', () => {
  for (const [path, status] of HOSTILE_PATHS) {
    const split = splitScriptPath(path);
    assert.equal(split.ok, false, path);
    assert.equal(split.status, status, `${path}: ${split.reason}`);
  }
});

test('ordinary paths split into decoded segments', () => {
  const texts = (path) => splitScriptPath(path).segments.map((s) => s.text);
  assert.deepEqual(texts(''), []);
  assert.deepEqual(texts('/'), ['']);
  assert.deepEqual(texts('/hello.sh'), ['hello.sh']);
  assert.deepEqual(texts('/hello.sh/extra/'), ['hello.sh', 'extra', '']);
  assert.deepEqual(texts('/a%20b/%C3%A9t%C3%A9'), ['a b', 'été']);
  assert.deepEqual(texts('/..a/a..'), ['..a', 'a..'], 'dots inside a name are a name');
  assert.deepEqual(texts('/%zz'), ['%zz'], 'an invalid escape stays as it is');
});

test('segments that are not UTF-8 are marked: they can never name a script', () => {
  const [segment] = splitScriptPath('/%FF%FE').segments;
  assert.equal(segment.isExactText, false);
  assert.equal(splitScriptPath('/ok').segments[0].isExactText, true);
});

test('PATH_INFO: empty without segments, else each one after a slash', () => {
  const info = (path) => joinPathInfo(splitScriptPath(path).segments);
  assert.equal(info(''), '');
  assert.equal(info('/'), '/');
  assert.equal(info('/a/b'), '/a/b');
  assert.equal(info('/a//b/'), '/a//b/');
  assert.equal(info('/x%3Fy'), '/x?y');
});

test('ISINDEX (RFC 3875 §4.4): words split at +, decoded; none when any is bad', () => {
  assert.deepEqual(isindexArgv('a+b%20c+%2Dd'), ['a', 'b c', '-d']);
  assert.deepEqual(isindexArgv('single'), ['single']);
  assert.deepEqual(isindexArgv('x=1'), [], 'an = means a form, not a search');
  assert.deepEqual(isindexArgv('a+b=c'), []);
  assert.deepEqual(isindexArgv(''), []);
  assert.deepEqual(isindexArgv('a++b'), [], 'an empty word');
  assert.deepEqual(isindexArgv('a+%00'), [], 'a NUL');
  assert.deepEqual(isindexArgv('a+%FF'), [], 'not UTF-8');
  assert.deepEqual(isindexArgv('-s'), ['-s'], 'when enabled, passed as given: the reason it is off by default');
});

test('process slots: up to max run, the rest queue in order up to the limit, then full', () => {
  const slots = new ProcessSlots(2, 2);
  const started = [];
  const ticket = (name) => slots.acquire(() => started.push(name));
  assert.equal(ticket('a').kind, 'started');
  assert.equal(ticket('b').kind, 'started');
  const c = ticket('c');
  const d = ticket('d');
  assert.equal(c.kind, 'queued');
  assert.equal(d.kind, 'queued');
  assert.equal(ticket('e').kind, 'full');
  assert.deepEqual([slots.running, slots.waiting], [2, 2]);
  c.cancel();
  c.cancel();
  assert.equal(slots.waiting, 1, 'cancel counts once');
  slots.release();
  assert.deepEqual(started, ['a', 'b', 'd'], 'a cancelled waiter is skipped');
  assert.deepEqual([slots.running, slots.waiting], [2, 0]);
  d.cancel();
  assert.equal(slots.waiting, 0, 'a late cancel after start changes nothing');
  slots.release();
  slots.release();
  assert.equal(slots.running, 0);
  assert.equal(ticket('f').kind, 'started');
});

test('process slots: drain forgets the waiters', () => {
  const slots = new ProcessSlots(1, 5);
  const started = [];
  slots.acquire(() => started.push('a'));
  slots.acquire(() => started.push('b'));
  slots.drain();
  slots.release();
  assert.deepEqual(started, ['a']);
  assert.equal(slots.running, 0);
});
