"""The worker's end of the socket to the front: reading frames into stream
state, batching frames out, per-stream flow control, and the stall guard
that hands back requests not yet started (docs/protocol.md, "Several
requests in flight"). It knows frames and streams, not WSGI.

Two modes share this code:
- single (--threads 1): the main thread reads, runs and writes. While an app
  waits for body bytes or response credit, the same thread reads the socket.
- threaded: a reader thread dispatches frames; runner threads wait on one
  condition variable.
"""
import collections
import select
import signal
import socket
import threading
import time

from . import protocol as p

RECV_BYTES = 256 * 1024
FLUSH_BYTES = 256 * 1024
# A body part shorter than this is copied into its frame; a longer one is
# handed to sendmsg as it is (a copy costs more than an iovec entry there).
COPY_BELOW_BYTES = 16 * 1024
MAX_SEND_PARTS = 512  # well under IOV_MAX
READ_WINDOW_BYTES = 256 * 1024


def _send_all_parts(sock, parts):
    """sendall for a list of buffers, with as few syscalls and copies as the
    kernel allows (sendmsg may stop short, e.g. when a signal arrives)."""
    views = [memoryview(part) for part in parts]
    at = 0
    while at < len(views):
        sent = sock.sendmsg(views[at:at + MAX_SEND_PARTS])
        while sent > 0:
            size = views[at].nbytes
            if sent >= size:
                sent -= size
                at += 1
            else:
                views[at] = views[at][sent:]
                sent = 0


class ConnectionLost(Exception):
    """The front closed the socket: the master is gone or told us to stop."""


class Cancelled(OSError):
    """The client went away (CANCEL): raised into the app's write() and reads."""


class Stream:
    """One request in flight on this worker."""

    __slots__ = ("id", "payload", "is_body_complete", "chunks", "granted",
                 "received", "window", "is_cancelled", "is_started")

    def __init__(self, sid, payload, is_body_complete, window):
        self.id = sid
        self.payload = payload
        self.is_body_complete = is_body_complete
        self.chunks = collections.deque()
        self.granted = 0
        self.received = 0
        self.window = window
        self.is_cancelled = False
        self.is_started = False


class Connection:
    def __init__(self, sock, threaded):
        self.sock = sock
        self.decoder = p.FrameDecoder()
        self.streams = {}
        self.run_queue = collections.deque()
        self.is_closed = False
        self.is_stopping = False
        self.window_bytes = 1024 * 1024
        self.stall_s = 0.003
        self._out = []
        self._out_bytes = 0
        self._send_lock = threading.Lock()
        self._flush_wanted = False
        self.cv = threading.Condition() if threaded else None
        # Single mode: what the main thread runs now, for the stall guard.
        self.current = None
        self.current_started = 0.0
        self._is_armed = False
        self._is_pumping = False
        self._is_in_alarm = False
        # One bound method, so that getsignal() can recognise it (each
        # attribute access would make a new object).
        self._alarm_handler = self._on_alarm

    # -- sending -------------------------------------------------------

    def send(self, ftype, flags, sid, payload=b"", tail=b""):
        """Queue one frame whose payload is payload + tail. A large tail (a
        body) is queued as it is, not copied: the flush hands the kernel a
        list of buffers."""
        length = len(payload) + len(tail)
        header = p.HEADER.pack(length, ftype, flags, sid)
        if len(tail) < COPY_BELOW_BYTES:
            parts = (header + payload + tail,) if tail else (header + payload,)
        elif payload:
            parts = (header + payload, tail)
        else:
            parts = (header, tail)
        if self._is_in_alarm:
            # The alarm handler already holds the send lock (single mode).
            self._out.extend(parts)
            self._out_bytes += length
            return
        with self._send_lock:
            self._out.extend(parts)
            self._out_bytes += length
            if self._out_bytes < FLUSH_BYTES:
                return
            self._flush_locked()

    def flush(self):
        with self._send_lock:
            self._flush_locked()

    def _flush_locked(self):
        out = self._out
        if out:
            if len(out) == 1:
                self.sock.sendall(out[0])
            elif self._out_bytes < COPY_BELOW_BYTES * 4:
                self.sock.sendall(b"".join(out))
            else:
                _send_all_parts(self.sock, out)
            out.clear()
            self._out_bytes = 0
        self._flush_wanted = False

    def sendfile(self, sid, fd, offset, count, os_sendfile):
        """One DATA frame whose payload the kernel copies from fd (zero-copy).
        Returns the bytes actually sent; a short file is zero-padded so the
        frame stays well-formed, and the caller aborts the stream."""
        with self._send_lock:
            self._flush_locked()
            self.sock.sendall(p.HEADER.pack(count, p.DATA, 0, sid))
            sent = 0
            sockfd = self.sock.fileno()
            while sent < count:
                n = os_sendfile(sockfd, fd, offset + sent, count - sent)
                if n == 0:
                    self.sock.sendall(bytes(count - sent))
                    break
                sent += n
            return sent

    def log(self, level, text, sid=0):
        self.send(p.LOG, 0, sid, p.encode_log(level, text))

    # -- receiving -----------------------------------------------------

    def pump(self):
        """One recv: dispatch every frame in it. Raises ConnectionLost on EOF."""
        self._is_pumping = True  # keeps the alarm handler off the decoder
        try:
            self._pump()
        finally:
            self._is_pumping = False

    def _pump(self):
        try:
            data = self.sock.recv(RECV_BYTES)
        except InterruptedError:
            return
        except OSError as e:
            self.is_closed = True
            raise ConnectionLost(str(e)) from None
        if not data:
            self.is_closed = True
            raise ConnectionLost("front closed the connection")
        frames = self.decoder.feed(data)
        if self.cv is None:
            for frame in frames:
                self._dispatch(*frame)
        else:
            with self.cv:
                for frame in frames:
                    self._dispatch(*frame)
                self.cv.notify_all()

    def _dispatch(self, ftype, flags, sid, payload):
        if ftype == p.REQUEST:
            stream = Stream(sid, payload, bool(flags & p.END), self.window_bytes)
            self.streams[sid] = stream
            self.run_queue.append(stream)
            return
        stream = self.streams.get(sid)
        if ftype == p.BODY:
            if stream is not None:
                if payload:
                    stream.chunks.append(payload)
                    stream.received += len(payload)
                if flags & p.END:
                    stream.is_body_complete = True
        elif ftype == p.CREDIT:
            if stream is not None:
                stream.window += p.decode_u32(payload)
        elif ftype == p.CANCEL:
            if stream is not None:
                self._cancel(stream)
        elif ftype == p.STOP:
            self.is_stopping = True
        elif ftype == p.PING:
            self.send(p.PONG, 0, 0, payload)
        else:
            raise p.ProtocolError("unexpected frame type 0x%x from the front" % ftype)

    def _cancel(self, stream):
        stream.is_cancelled = True
        if not stream.is_started:
            try:
                self.run_queue.remove(stream)
            except ValueError:
                pass
            self.end_stream(stream)
            self.send(p.ABORT, 0, stream.id, b"cancelled")

    def wait(self, predicate):
        """Block until predicate() holds, reading frames meanwhile."""
        if self.cv is None:
            # The alarm handler stays off the socket from the check to the
            # recv: frames it dispatched in between (the body bytes or credit
            # this request waits for) would leave the recv blocked for good.
            self._is_pumping = True
            try:
                while not predicate():
                    self.flush()
                    self._pump()
                    # Requests that arrived while this one waits must not wait with it.
                    if (self.run_queue and self.current is not None
                            and time.monotonic() - self.current_started >= self.stall_s):
                        self.hand_back_queued()
            finally:
                self._is_pumping = False
            return
        self.flush()  # what we wait for may be the answer to a frame still queued
        with self.cv:
            while not predicate():
                if self.is_closed:
                    raise ConnectionLost("front closed the connection")
                self.cv.wait()

    # -- stream helpers used by the gateway ----------------------------

    def end_stream(self, stream):
        self.streams.pop(stream.id, None)

    def request_body(self, stream):
        """Keep up to two windows of body asked for and not yet arrived, so
        that the next window travels while the app reads this one (one
        window at a time is a round trip per 256 KiB). Asked only once the
        app reads: an app that never reads wsgi.input gets no body sent."""
        if stream.is_body_complete or stream.granted - stream.received > READ_WINDOW_BYTES:
            return
        stream.granted += READ_WINDOW_BYTES
        self.send(p.READ, 0, stream.id, p.encode_u32(READ_WINDOW_BYTES))
        self.flush()

    def hand_back_queued(self):
        """Return every request not yet started to the front (stall guard)."""
        while self.run_queue:
            stream = self.run_queue.popleft()
            self.streams.pop(stream.id, None)
            self.send(p.HANDBACK, 0, stream.id)

    # -- single mode: the stall guard on SIGALRM -----------------------

    def arm_stall_guard(self):
        """While the main thread runs requests, tick every stall_s: a request
        running longer than that gets the requests queued behind it (and
        those still unread in the socket) handed back, and the responses
        already finished flushed. Disarmed before the worker blocks idle."""
        if self._is_armed:
            return
        current = signal.getsignal(signal.SIGALRM)
        if current is not self._alarm_handler:
            if current not in (signal.SIG_DFL, None):
                return  # the app uses SIGALRM itself; leave it alone
            signal.signal(signal.SIGALRM, self._alarm_handler)
            signal.siginterrupt(signal.SIGALRM, False)
        signal.setitimer(signal.ITIMER_REAL, self.stall_s, self.stall_s)
        self._is_armed = True

    def disarm_stall_guard(self):
        if self._is_armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._is_armed = False

    def _on_alarm(self, signum, frame):
        if self.current is None or time.monotonic() - self.current_started < self.stall_s:
            return
        # We run inside the main thread, maybe in the middle of a sendall or
        # a recv of its own: touch the socket only if neither is under way.
        if self._is_pumping or not self._send_lock.acquire(blocking=False):
            return
        self._is_in_alarm = True
        try:
            self._read_waiting()
            while self.run_queue:
                stream = self.run_queue.popleft()
                self.streams.pop(stream.id, None)
                self.send(p.HANDBACK, 0, stream.id)
            self._flush_locked()
        finally:
            self._is_in_alarm = False
            self._send_lock.release()

    def _read_waiting(self):
        """Dispatch whatever the front sent since, without blocking."""
        while True:
            try:
                data = self.sock.recv(RECV_BYTES, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # the main thread will see it on its next recv
            if not data:
                return
            for frame in self.decoder.feed(data):
                self._dispatch(*frame)

    # -- threaded mode: the reader ------------------------------------

    def read_forever(self, busy_since):
        """Reader thread body. busy_since() returns the start times of the
        requests the runners are on, or None when a runner is free. Queued
        requests are handed back once every runner has been on its request
        longer than stall_s."""
        sock = self.sock
        while not self.is_closed:
            timeout = None
            if self.run_queue:
                started = busy_since()
                if started is not None:
                    timeout = max(0.0, max(started) + self.stall_s - time.monotonic())
            if timeout is not None:
                ready, _, _ = select.select([sock], [], [], timeout)
                if not ready:
                    with self.cv:
                        started = busy_since()
                        if started is not None and time.monotonic() - max(started) >= self.stall_s:
                            self.hand_back_queued()
                    self.flush()
                    continue
            try:
                self.pump()
            except ConnectionLost:
                with self.cv:
                    self.cv.notify_all()
                return
