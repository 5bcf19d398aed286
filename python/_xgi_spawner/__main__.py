"""xgi's CGI spawner: a small process that starts CGI scripts for the front.

The front (node) is a large process, and node's child_process.spawn forks it
for every script (libuv uses fork, not vfork) and blocks its event loop about
a millisecond each time. This process, as Apache's mod_cgid daemon, is small
and does the spawning instead: os.posix_spawn (glibc: clone(CLONE_VFORK)),
each script in a process group of its own (setsid), its stdio the spawner's
ends of fresh AF_UNIX socketpairs whose other ends go to the front as
net.Socket handles. The script's bytes then flow between it and the front
directly, with the kernel's backpressure; nothing is relayed here.

The channel is node's own child_process IPC channel (stdio 'ipc', fd in
NODE_CHANNEL_FD): one JSON object per line, a handle as SCM_RIGHTS attached
to a `{"cmd": "NODE_HANDLE", "type": "net.Socket", "msg": ...}` line (node's
lib/internal/child_process.js; one handle per sendmsg). docs/cgi.md lists the
messages:

    front -> spawner  {"id": N, "file": PATH, "argv": [...], "env": {...}, "stdin": bool}
    spawner -> front  {"t": "in",  "id": N}            + socket: the script's stdin (when asked)
                      {"t": "err", "id": N}            + socket: the script's stderr
                      {"t": "out", "id": N, "pid": P}  + socket: the script's stdout; last: it runs
                      {"t": "error", "id": N, "code": "ENOENT", "message": ...}  (never started)
                      {"t": "exit", "id": N, "code": C|null, "signal": "SIGKILL"|null}  (reaped)

Not here: killing on timeout or a lost client (the front kills the group
itself, by pid), anything about HTTP or CGI. Stdlib only.
"""

import array
import ctypes
import errno
import json
import os
import selectors
import signal
import socket

_PR_SET_PDEATHSIG = 1
_SCM_RIGHTS = socket.SCM_RIGHTS


def _ignored_signals():
    """What a script must have reset: exec resets caught signals itself, but ignored
    ones are inherited (Python ignores SIGPIPE and SIGXFSZ, this process SIGINT). A
    script starts with every signal at its default and none blocked, as node's spawn
    gives it. Resetting only these spares the vforked child some 60 sigaction calls."""
    ignored = []
    for number in signal.valid_signals():
        if number in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            handler = signal.getsignal(number)
        except (ValueError, OSError):
            continue
        if handler is None or handler == signal.SIG_IGN:
            ignored.append(number)
    return ignored


def _die_with_parent():
    """No orphans: SIGTERM when the front dies, even by SIGKILL (Linux PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the channel's end of file does the same, a little later


class Spawner:
    def __init__(self, channel, terminated):
        self.channel = channel
        self.selector = selectors.DefaultSelector()
        self.selector.register(channel, selectors.EVENT_READ, None)
        # SIGTERM arrives as a byte on this pipe (signal.set_wakeup_fd), not as an
        # exception: one raised inside kill_all would leave scripts running.
        self.selector.register(terminated, selectors.EVENT_READ, _TERMINATED)
        self.buffer = b""
        self.running = {}  # pid -> request id
        self.devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        self.reset_signals = _ignored_signals()

    def run(self):
        try:
            while True:
                for key, _ in self.selector.select():
                    if key.data is _TERMINATED:
                        if signal.SIGTERM in os.read(key.fd, 64):
                            return
                        continue
                    if key.data is None:
                        if not self.read_channel():
                            return
                    else:
                        self.reap(key)
        finally:
            self.kill_all()

    def read_channel(self):
        try:
            data = self.channel.recv(262144)
        except InterruptedError:
            return True
        except OSError:
            return False
        if not data:
            return False  # the front is gone
        lines = (self.buffer + data).split(b"\n")
        self.buffer = lines.pop()
        for line in lines:
            if not line:
                continue
            message = json.loads(line)
            if "cmd" in message:
                continue  # node's own NODE_HANDLE_ACK and friends
            self.spawn(message)
        return True

    def send(self, message, fd=None):
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        if fd is None:
            self.channel.sendall(data)
            return
        ancillary = [(socket.SOL_SOCKET, _SCM_RIGHTS, array.array("i", [fd]).tobytes())]
        sent = self.channel.sendmsg([data], ancillary)
        if sent < len(data):
            self.channel.sendall(data[sent:])

    def send_socket(self, message, sock):
        """One handle per sendmsg, as node expects: the front gets it as a net.Socket."""
        self.send({"cmd": "NODE_HANDLE", "type": "net.Socket", "msg": message}, sock.fileno())
        sock.close()

    def spawn(self, request):
        rid = request["id"]
        ours = []
        theirs = []
        try:
            if request.get("stdin"):
                front_in, script_in = socket.socketpair()
                ours.append(front_in)
                theirs.append(script_in)
                stdin_fd = script_in.fileno()
            else:
                front_in = None
                stdin_fd = self.devnull
            front_err, script_err = socket.socketpair()
            front_out, script_out = socket.socketpair()
            ours += [front_err, front_out]
            theirs += [script_err, script_out]
            filename = request["file"]
            # RFC 3875 §7.2: the script runs in its own directory. posix_spawn has no cwd
            # (Python does not expose addchdir_np); this process is single-threaded.
            # chdir each time, not only when it changes: a directory replaced under the
            # same name (a deploy) must be the one the script runs in.
            os.chdir(os.path.dirname(filename) or "/")
            pid = os.posix_spawn(
                filename,
                [filename, *request["argv"]],
                request["env"],
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, stdin_fd, 0),
                    (os.POSIX_SPAWN_DUP2, script_out.fileno(), 1),
                    (os.POSIX_SPAWN_DUP2, script_err.fileno(), 2),
                ],
                setsid=True,
                setsigdef=self.reset_signals,
                setsigmask=(),
            )
        except OSError as error:
            for sock in ours + theirs:
                sock.close()
            code = errno.errorcode.get(error.errno or 0, "EIO")
            self.send({"t": "error", "id": rid, "code": code, "message": f"{code}: {error.strerror}"})
            return
        except (ValueError, TypeError, UnicodeError) as error:
            for sock in ours + theirs:
                sock.close()
            self.send({"t": "error", "id": rid, "code": "EINVAL", "message": str(error)})
            return
        for sock in theirs:
            sock.close()
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            pidfd = None
        self.running[pid] = rid
        if pidfd is not None:
            self.selector.register(pidfd, selectors.EVENT_READ, (pid, rid))
        if front_in is not None:
            self.send_socket({"t": "in", "id": rid}, front_in)
        self.send_socket({"t": "err", "id": rid}, front_err)
        self.send_socket({"t": "out", "id": rid, "pid": pid}, front_out)
        if pidfd is None:
            self.wait(pid, rid)  # no pidfd (old kernel): block; correct, only slower

    def reap(self, key):
        pid, rid = key.data
        self.selector.unregister(key.fileobj)
        os.close(key.fileobj)
        self.wait(pid, rid)

    def wait(self, pid, rid):
        _, status = os.waitpid(pid, 0)
        del self.running[pid]
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"SIG{number}"
            self.send({"t": "exit", "id": rid, "code": None, "signal": name})
        else:
            self.send({"t": "exit", "id": rid, "code": os.waitstatus_to_exitcode(status), "signal": None})

    def kill_all(self):
        """The front went away: its scripts go with it (no orphans)."""
        for pid in list(self.running):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in list(self.running):
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        self.running.clear()


_TERMINATED = "terminated"


def _on_term(signum, frame):
    pass  # the wakeup fd carries it to the selector


def main():
    fd = int(os.environ.pop("NODE_CHANNEL_FD"))
    os.environ.pop("NODE_CHANNEL_SERIALIZATION_MODE", None)
    os.set_inheritable(fd, False)
    terminated, wakeup = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wakeup)
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's ^C goes to the front, which decides
    _die_with_parent()
    if os.getppid() == 1:
        return  # the front died before prctl
    channel = socket.socket(fileno=fd)
    channel.setblocking(True)
    try:
        Spawner(channel, terminated).run()
    except (SystemExit, KeyboardInterrupt, BrokenPipeError, ConnectionResetError):
        pass


if __name__ == "__main__":
    main()
