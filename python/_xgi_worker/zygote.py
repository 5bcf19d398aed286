"""--preload: the zygote. It has imported the app once (worker.boot), and
now forks a worker each time the front sends FORK. It reaps its children
and reports each exit (FORKED, CHILD_EXIT), because the front cannot wait
for processes it did not spawn itself.

A forked child drops everything of the zygote's (its connection, its signal
set-up), dies with the zygote, connects to the front's fork socket, says
HELLO with the FORK's token and serves as any worker does (worker.serve).
Its memory is the zygote's, shared copy-on-write. docs/protocol.md,
"Preload: the zygote".
"""
import json
import os
import select
import signal
import socket
import sys
import traceback

from . import protocol as p
from .connection import ConnectionLost
from .worker import WORKER_BOOT_ERROR, close_gracefully, die_with_parent, loaded_module_files, serve


def serve_zygote(sock, decoder, config, app):
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    # SIGCHLD wakes select() through the wakeup fd; the handler itself does nothing.
    signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    _send(sock, p.READY)
    if config.get("reportModules"):
        _send(sock, p.MODULES, loaded_module_files())
    zygote = {"sock": sock, "wake": (wake_r, wake_w), "config": config, "app": app, "pid": os.getpid()}
    try:
        _serve_forks(zygote, decoder)
    finally:
        signal.set_wakeup_fd(-1)
        wake_r.close()
        wake_w.close()


def _serve_forks(zygote, decoder):
    sock = zygote["sock"]
    wake_r = zygote["wake"][0]
    while True:
        readable, _, _ = select.select([sock, wake_r], [], [])
        if wake_r in readable:
            _drain(wake_r)
            _reap_children(sock)
        if sock in readable:
            data = sock.recv(65536)
            if not data:
                return  # the front is gone; the children die with us
            for ftype, _, _, payload in decoder.feed(data):
                if ftype == p.FORK:
                    _fork(zygote, json.loads(payload.decode("utf-8")))
                elif ftype == p.STOP:
                    return  # the front sends it once the last child has exited
                elif ftype == p.PING:
                    _send(sock, p.PONG, payload)
                else:
                    raise p.ProtocolError("unexpected frame type 0x%x for the zygote" % ftype)


def _send(sock, ftype, payload=b""):
    sock.sendall(p.encode_frame(ftype, 0, 0, payload))


def _drain(wake_r):
    try:
        while wake_r.recv(4096):
            pass
    except (BlockingIOError, InterruptedError):
        pass


def _reap_children(sock):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if os.WIFSIGNALED(status):
            exit_info = {"pid": pid, "code": None, "signal": signal.Signals(os.WTERMSIG(status)).name}
        else:
            exit_info = {"pid": pid, "code": os.WEXITSTATUS(status), "signal": None}
        _send(sock, p.CHILD_EXIT, json.dumps(exit_info).encode("utf-8"))


def _fork(zygote, order):
    token = order["token"]
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _become_worker(zygote, token, order.get("startedMark"), order.get("faultLog"))
        except ConnectionLost:
            pass
        except BaseException:
            traceback.print_exc()
            code = WORKER_BOOT_ERROR
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)  # never run the zygote's exit handlers in a child
    _send(zygote["sock"], p.FORKED, json.dumps({"token": token, "pid": pid}).encode("utf-8"))


def _become_worker(zygote, token, mark_path, fault_path):
    os.setpgid(0, 0)  # its own group, as a spawned worker: a timeout kills all it started
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for end in zygote["wake"]:
        end.close()
    zygote["sock"].close()  # the zygote's connection, not ours
    die_with_parent()
    if os.getppid() != zygote["pid"]:
        return  # the zygote died before we could ask to die with it
    config = zygote["config"]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(config["zygote"]["forkSocket"])
        sock.sendall(p.encode_frame(p.HELLO, 0, 0, token.encode("utf-8")))
        serve(sock, config, zygote["app"], p.FrameDecoder(), mark_path=mark_path, fault_path=fault_path)
        close_gracefully(sock)
    finally:
        sock.close()
