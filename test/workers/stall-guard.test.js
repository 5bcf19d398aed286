// The single-threaded worker's stall guard hands back what it holds but has
// not started (docs/protocol.md, "Several requests in flight"). The real
// Connection runs over a real socketpair: one running stream, one queued
// stream already read into the run queue, one still unread in the socket.
// The alarm handler must send one HANDBACK per queued stream, in order, to
// the front's end, and nothing while the running request is younger than
// stall_s. A last case lets the real SIGALRM timer (arm_stall_guard) do it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHONPATH = fileURLToPath(new URL('../../python', import.meta.url));
const PYTHON = process.env.XGI_TEST_PYTHON ?? 'python3';

const SCRIPT = `
import json, signal, socket, time
from _xgi_worker import protocol as p
from _xgi_worker.connection import Connection, Stream

NAMES = {v: k for k, v in p.FRAME_TYPES.items()}
worker_end, front_end = socket.socketpair()
worker_end.settimeout(5)
conn = Connection(worker_end, threaded=False)

def request(sid):
    front_end.sendall(p.encode_frame(p.REQUEST, p.END, sid, p.encode_environ([("PATH_INFO", "/q%d" % sid)])))

def at_front():
    """Every frame the worker sent to the front so far: [type name, stream id]."""
    decoder = p.FrameDecoder()
    frames = []
    front_end.settimeout(0.3)
    try:
        while True:
            data = front_end.recv(65536)
            if not data:
                break
            frames += decoder.feed(data)
    except socket.timeout:
        pass
    return [[NAMES[t], sid] for t, _flags, sid, _payload in frames]

running = Stream(1, b"", True, conn.window_bytes)
running.is_started = True
conn.streams[1] = running
conn.current = running
request(3)
conn.pump()                      # stream 3: read into the run queue
request(5)                       # stream 5: still unread in the socket
result = {"queued_before": [s.id for s in conn.run_queue]}

# Control: the running request is younger than stall_s, the guard leaves all be.
stall_s = conn.stall_s
conn.stall_s = 10.0
conn.current_started = time.monotonic()
conn._on_alarm(signal.SIGALRM, None)
result["young"] = at_front()
result["queued_young"] = [s.id for s in conn.run_queue]

# The running request is now older than stall_s: both queued streams go back.
conn.stall_s = stall_s
conn.current_started = time.monotonic() - 1
conn._on_alarm(signal.SIGALRM, None)
result["aged"] = at_front()
result["queued_after"] = [s.id for s in conn.run_queue]
result["streams_after"] = sorted(conn.streams)

# The real timer: a request queued while the app blocks is handed back.
request(7)
conn.arm_stall_guard()
time.sleep(0.2)                  # the app, blocking; SIGALRM ticks every stall_s
conn.disarm_stall_guard()
result["timer"] = at_front()
result["streams_end"] = sorted(conn.streams)
print(json.dumps(result))
`;

test('the stall guard hands back every queued stream, and only once the running one is older than stall_s', () => {
  const run = spawnSync(PYTHON, ['-c', SCRIPT], { env: { ...process.env, PYTHONPATH }, encoding: 'utf8', timeout: 20000 });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(result.queued_before, [3], 'setup: stream 3 queued, stream 5 not yet read');

  assert.deepEqual(result.young, [], 'frames sent while the running request was younger than stall_s');
  assert.deepEqual(result.queued_young, [3]);

  assert.deepEqual(result.aged, [['HANDBACK', 3], ['HANDBACK', 5]]);
  assert.deepEqual(result.queued_after, []);
  assert.deepEqual(result.streams_after, [1], 'handed-back streams must leave the connection');

  assert.deepEqual(result.timer, [['HANDBACK', 7]], 'the armed SIGALRM guard did not hand back stream 7');
  assert.deepEqual(result.streams_end, [1]);
});
