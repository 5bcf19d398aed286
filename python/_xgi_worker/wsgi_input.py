"""wsgi.input and wsgi.errors (PEP 3333).

wsgi.input pulls the request body from the front on demand: the first read
that needs bytes sends READ, and only then does the front answer
`Expect: 100-continue` and read from the client. Reads never block past the
end of the body: at the end they return b"". Chunked request bodies arrive
already de-chunked.
"""
from .connection import Cancelled


class Input:
    """read(), read(n), readline(), readline(n), readlines(), iteration."""

    def __init__(self, conn, stream):
        self._conn = conn
        self._stream = stream
        self._buf = bytearray()
        self._pos = 0

    def _available(self):
        return len(self._buf) - self._pos

    def _fill(self):
        """Move more body bytes into the buffer; False at the end of the body."""
        stream = self._stream
        chunks = stream.chunks
        if not chunks:
            if stream.is_body_complete:
                return False
            if stream.is_cancelled:
                raise Cancelled("client disconnected")
            self._conn.request_body(stream)
            self._conn.wait(lambda: chunks or stream.is_body_complete or stream.is_cancelled)
            if not chunks:
                if stream.is_cancelled:
                    raise Cancelled("client disconnected")
                return False
        if self._pos > 0 and self._pos >= len(self._buf) // 2:
            del self._buf[:self._pos]
            self._pos = 0
        while chunks:
            self._buf += chunks.popleft()
        self._conn.request_body(stream)  # the next window, while the app reads this one
        return True

    def _take(self, n):
        start = self._pos
        self._pos = start + n
        with memoryview(self._buf) as view:  # one copy, not two
            return bytes(view[start:start + n])

    def read(self, size=-1):
        if size is None or size < 0:
            while self._fill():
                pass
            return self._take(self._available())
        while self._available() < size and self._fill():
            pass
        return self._take(min(size, self._available()))

    def readline(self, size=-1):
        if size is not None and size == 0:
            return b""
        limit = None if size is None or size < 0 else size
        scanned = self._pos
        while True:
            nl = self._buf.find(b"\n", scanned)
            if nl >= 0:
                end = nl + 1
                break
            scanned = len(self._buf)
            if limit is not None and self._available() >= limit:
                end = self._pos + limit
                break
            pos_before = self._pos
            if not self._fill():
                end = len(self._buf)
                break
            scanned -= pos_before - self._pos  # the buffer may have been compacted
        n = end - self._pos
        if limit is not None:
            n = min(n, limit)
        return self._take(n)

    def readlines(self, hint=-1):
        lines = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class ErrorStream:
    """wsgi.errors: text lines into xgi's error log (LOG frames)."""

    def __init__(self, conn, sid):
        self._conn = conn
        self._sid = sid
        self._pending = ""

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("wsgi.errors.write() takes str, got %s" % type(s).__name__)
        self._pending += s
        if "\n" in self._pending:
            lines, _, self._pending = self._pending.rpartition("\n")
            self._conn.log(40, lines, self._sid)

    def writelines(self, seq):
        for s in seq:
            self.write(s)

    def flush(self):
        if self._pending:
            self._conn.log(40, self._pending, self._sid)
            self._pending = ""
