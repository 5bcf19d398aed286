"""One worker process: read CONFIG, import the app, say READY, then serve
streams until STOP or until the front goes away.

Exit codes the arbiter reads: 0 stopped, 3 boot error of the worker itself,
4 the app could not be loaded (gunicorn's WORKER_BOOT_ERROR and
APP_LOAD_ERROR).
"""
import faulthandler
import json
import os
import signal
import socket
import sys
import threading
import time

from . import protocol as p
from .app_loader import AppLoadError, insert_paths, load_app
from .connection import Connection, ConnectionLost
from .wsgi import WsgiRunner

WORKER_BOOT_ERROR = 3
APP_LOAD_ERROR = 4
FRONT_FD = 3


def _die_with_parent():
    """The worker must never outlive xgi, even when xgi is SIGKILLed."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _read_config(conn):
    while True:
        frames = conn.decoder.feed(conn.sock.recv(65536) or _eof())
        for ftype, _, _, payload in frames:
            if ftype != p.CONFIG:
                raise p.ProtocolError("expected CONFIG first, got 0x%x" % ftype)
            return json.loads(payload.decode("utf-8"))


def _eof():
    raise ConnectionLost("front closed the connection before CONFIG")


def main():
    ppid = os.getppid()
    _die_with_parent()
    if os.getppid() != ppid:
        sys.exit(0)
    faulthandler.enable()  # SIGABRT from a timeout kill dumps where we hung
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the master decides when we stop
    sock = socket.socket(fileno=FRONT_FD)
    try:
        boot(sock)
    except ConnectionLost:
        pass
    finally:
        sock.close()


def boot(sock):
    probe = Connection(sock, threaded=False)
    config = _read_config(probe)
    threads = int(config["threads"])
    conn = Connection(sock, threaded=threads > 1)
    conn.decoder = probe.decoder
    conn.window_bytes = int(config["responseWindowBytes"])
    conn.stall_s = float(config["stallMs"]) / 1000.0
    insert_paths(config["pythonPath"])
    try:
        app = load_app(config["app"])
    except AppLoadError as e:
        text = e.line + ("\n" + e.details.rstrip() if e.details else "")
        conn.send(p.BOOT_ERROR, 0, 0, text.encode("utf-8", "replace"))
        conn.flush()
        sock.close()
        sys.exit(APP_LOAD_ERROR)
    runner = WsgiRunner(app, conn, config)
    conn.send(p.READY, 0, 0)
    conn.flush()
    if threads > 1:
        serve_threaded(conn, runner, threads)
    else:
        serve_single(conn, runner)


def serve_single(conn, runner):
    """Read a batch, run it, answer it in one sendall (DESIGN.md: the cost is
    wake-ups, not work)."""
    queue = conn.run_queue
    try:
        while True:
            if queue:
                stream = queue.popleft()
                stream.is_started = True
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


def serve_threaded(conn, runner, threads):
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
