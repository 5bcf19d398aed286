// The single-threaded worker's stall guard (a SIGALRM handler that reads the
// socket while a request runs) against the request's own wait for body bytes
// or response credit. Were the handler to dispatch the awaited frames between
// the wait's check and its recv, the recv would block for good: the front has
// sent all it was granted and waits for the next READ (seen in CI as a 100 MB
// upload answered 504 by --timeout). Here the real Connection runs over a real
// socketpair and the alarm fires at that exact moment, from inside the
// predicate; the recv has a 5 s timeout so that a regression fails, not hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHONPATH = fileURLToPath(new URL('../../python', import.meta.url));
const PYTHON = process.env.XGI_TEST_PYTHON ?? 'python3';

const SCRIPT = `
import json, socket, sys, time
from _xgi_worker import protocol as p
from _xgi_worker.connection import Connection, Stream

kind = sys.argv[1]
worker_end, front_end = socket.socketpair()
worker_end.settimeout(5)
conn = Connection(worker_end, threaded=False)
stream = Stream(1, b"", False, 0)
conn.streams[1] = stream
conn.current = stream
conn.current_started = time.monotonic() - 1  # running long past stall_s: the guard acts

if kind == "body":
    stream.granted = 4
    awaited = lambda: bool(stream.chunks)
    frame = p.HEADER.pack(4, p.BODY, p.END, 1) + b"body"
else:
    awaited = lambda: stream.window > 0
    frame = p.HEADER.pack(4, p.CREDIT, 0, 1) + p.encode_u32(65536)

checks = 0
def predicate():
    global checks
    checks += 1
    if checks == 1:
        # The awaited frame arrives and the alarm fires, both before the recv.
        front_end.sendall(frame)
        time.sleep(0.05)
        conn._on_alarm(None, None)
    return awaited()

try:
    conn.wait(predicate)
    print(json.dumps({"ok": True, "checks": checks}))
except socket.timeout:
    print(json.dumps({"ok": False, "checks": checks}))
`;

for (const kind of ['body', 'credit']) {
  test(`a stall-guard tick between the wait's check and its recv loses no ${kind} frame`, () => {
    const run = spawnSync(PYTHON, ['-c', SCRIPT, kind], { env: { ...process.env, PYTHONPATH }, encoding: 'utf8', timeout: 20000 });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.ok, true, 'the wait blocked in recv with its frame already dispatched');
    assert.ok(result.checks >= 2, 'the wait went to the socket at least once');
  });
}
