"""One worker process: read CONFIG, import the app, say READY, then serve
streams until STOP or until the front goes away. Under --preload the same
process becomes the zygote instead (zygote.py), and the children it forks
serve through serve() below.

Exit codes the arbiter reads: 0 stopped, 3 boot error of the worker itself,
4 the app could not be loaded (gunicorn's WORKER_BOOT_ERROR and
APP_LOAD_ERROR).
"""
import faulthandler
import json
import mmap
import os
import signal
import socket
import struct
import sys
import sysconfig
import threading
import time

from . import protocol as p
from .app_loader import AppLoadError, insert_paths, load_app
from .connection import Connection, ConnectionLost
from .wsgi import WsgiRunner

WORKER_BOOT_ERROR = 3
APP_LOAD_ERROR = 4
FRONT_FD = 3
_MARK = struct.Struct(">I")
# How long a stopping worker waits for the front to close its end (see close_gracefully).
_CLOSE_WAIT_S = 1.0


def die_with_parent():
    """A worker must never outlive its parent (xgi, or the zygote), even a
    SIGKILLed one."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class StartedMark:
    """docs/protocol.md, "The started mark": the id of the last stream handed
    to the app, in a 4-byte file the front reads once this process is gone.
    Streams start in the order they arrived, so every stream above the mark
    was never started and the front may give it to another worker. Stored
    before the app is called: a plain memory store, no system call."""

    __slots__ = ("set",)

    def __init__(self, path, conn):
        self.set = _ignore
        if not path:
            return
        try:
            fd = os.open(path, os.O_RDWR)
            try:
                mark = mmap.mmap(fd, _MARK.size)
            finally:
                os.close(fd)
            _MARK.pack_into(mark, 0, 0)
        except (OSError, ValueError) as e:
            conn.log(30, "started mark %s unusable (%s): requests of this worker are never retried elsewhere" % (path, e))
            return
        pack_into = _MARK.pack_into
        self.set = lambda sid: pack_into(mark, 0, sid)


def _ignore(_sid):
    pass


def read_config(sock):
    """CONFIG, the decoder, and any frames that came right behind it (a STOP
    for a worker retired while it booted)."""
    decoder = p.FrameDecoder()
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionLost("front closed the connection before CONFIG")
        frames = decoder.feed(data)
        if frames:
            ftype, _, _, payload = frames[0]
            if ftype != p.CONFIG:
                raise p.ProtocolError("expected CONFIG first, got 0x%x" % ftype)
            return json.loads(payload.decode("utf-8")), decoder, frames[1:]


def load_or_exit(sock, config):
    """The app, or BOOT_ERROR to the front and exit APP_LOAD_ERROR."""
    insert_paths(config["pythonPath"])
    try:
        return load_app(config["app"])
    except AppLoadError as e:
        text = e.line + ("\n" + e.details.rstrip() if e.details else "")
        sock.sendall(p.encode_frame(p.BOOT_ERROR, 0, 0, text.encode("utf-8", "replace")))
        sock.close()
        sys.exit(APP_LOAD_ERROR)


def loaded_module_files():
    """MODULES payload: the files of the loaded modules, minus the standard
    library and this package (--reload watches them; gunicorn walks
    sys.modules the same way)."""
    paths = sysconfig.get_paths()
    stdlib = tuple(os.path.join(paths[key], "") for key in ("stdlib", "platstdlib"))
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str):
            continue
        path = os.path.abspath(path)
        if path.startswith(here) or (path.startswith(stdlib) and "-packages" not in path):
            continue
        files.add(path)
    return "\0".join(sorted(files)).encode("utf-8", "surrogateescape")


_fault_file = None  # kept open for the life of the process: faulthandler writes to its fd


def log_faults_to(path):
    """faulthandler's dumps (a timeout's SIGABRT, a segfault) into the file
    the front puts into the error log once we are gone (fault-log.ts);
    stderr, where they went while the app was imported, may be a terminal
    nobody reads."""
    global _fault_file
    if not path:
        return
    try:
        _fault_file = open(path, "w")
    except OSError:
        return  # they stay on stderr
    faulthandler.enable(file=_fault_file, all_threads=True)


def main():
    ppid = os.getppid()
    die_with_parent()
    if os.getppid() != ppid:
        sys.exit(0)
    faulthandler.enable()  # SIGABRT from a timeout kill dumps where we hung
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the master decides when we stop
    sock = socket.socket(fileno=FRONT_FD)
    try:
        boot(sock)
        close_gracefully(sock)
    except ConnectionLost:
        pass
    finally:
        sock.close()


def close_gracefully(sock):
    """After STOP: say we are done (shutdown, the front reads EOF after our
    last frame) and read until the front closes too, so that a frame it sent
    meanwhile (a CREDIT for a response we already finished) is not answered
    with a reset, which would throw away our last frames on its side."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(_CLOSE_WAIT_S)
        while sock.recv(65536):
            pass
    except OSError:
        pass


def boot(sock):
    config, decoder, early = read_config(sock)
    app = load_or_exit(sock, config)
    if config.get("zygote"):
        from .zygote import serve_zygote
        serve_zygote(sock, decoder, config, app)
        return
    serve(sock, config, app, decoder, early=early, mark_path=config.get("startedMark"),
          fault_path=config.get("faultLog"), report_modules=bool(config.get("reportModules")))


def serve(sock, config, app, decoder, early=(), mark_path=None, fault_path=None, report_modules=False):
    """READY, then serve streams until STOP or until the front goes away."""
    log_faults_to(fault_path)
    threads = int(config["threads"])
    conn = Connection(sock, threaded=threads > 1)
    conn.decoder = decoder
    conn.window_bytes = int(config["responseWindowBytes"])
    conn.stall_s = float(config["stallMs"]) / 1000.0
    for frame in early:
        conn._dispatch(*frame)
    mark = StartedMark(mark_path, conn)
    runner = WsgiRunner(app, conn, config)
    conn.send(p.READY, 0, 0)
    if report_modules:
        conn.send(p.MODULES, 0, 0, loaded_module_files())
    conn.flush()
    if threads > 1:
        serve_threaded(conn, runner, threads, mark)
    else:
        serve_single(conn, runner, mark)


def serve_single(conn, runner, mark):
    """Read a batch, run it, answer it in one sendall (DESIGN.md: the cost is
    wake-ups, not work)."""
    queue = conn.run_queue
    try:
        while True:
            if queue:
                stream = queue.popleft()
                stream.is_started = True
                mark.set(stream.id)  # before the app runs: see StartedMark
                conn.arm_stall_guard()
                conn.current = stream
                conn.current_started = time.monotonic()
                runner.run(stream)
                conn.current = None
                continue
            conn.disarm_stall_guard()
            conn.flush()
            if conn.is_stopping and not conn.streams:
                return
            conn.pump()
    except ConnectionLost:
        return
    finally:
        conn.disarm_stall_guard()


def serve_threaded(conn, runner, threads, mark):
    """--threads N: N runner threads, one reader (the main thread)."""
    started = {}
    lock = conn.cv

    def busy_since():
        with lock:
            if len(started) < threads:
                return None
            return list(started.values())

    def run_loop():
        me = threading.get_ident()
        while True:
            with lock:
                while not conn.run_queue:
                    if conn.is_closed or (conn.is_stopping and not conn.streams):
                        return
                    lock.wait()
                stream = conn.run_queue.popleft()
                stream.is_started = True
                mark.set(stream.id)  # under the lock: marks stay in arrival order
                started[me] = time.monotonic()
            try:
                runner.run(stream)
                conn.flush()
            except ConnectionLost:
                return
            finally:
                with lock:
                    started.pop(me, None)
                    lock.notify_all()

    pool = [threading.Thread(target=run_loop, name="xgi-runner-%d" % i, daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    reader = threading.Thread(target=conn.read_forever, args=(busy_since,), name="xgi-reader", daemon=True)
    reader.start()
    for t in pool:
        t.join()
