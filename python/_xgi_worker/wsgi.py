"""PEP 3333, server side: the environ's constant part, start_response with
its exc_info rules, the write() callable, the response iterable (close()
exactly once), and the checks on what the app hands back. Request body and
error stream are in wsgi_input.py; frames and flow control in connection.py.

Modelled on wsgiref.handlers (run / start_response / write /
finish_response / close) and gunicorn's http/wsgi.py header checks.
"""
import os
import re
import traceback

from . import protocol as p
from .connection import Cancelled
from .wsgi_input import ErrorStream, Input

# RFC 9110 hop-by-hop headers: a WSGI app must not set them (PEP 3333).
HOP_BY_HOP = frozenset((
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
))
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
BAD_VALUE = re.compile(r"[\r\n\0]")
STATUS = re.compile(r"[1-9][0-9]{2} [^\r\n\0]*\Z")
NO_BODY_STATUS = ("1", "204", "304")
JOIN_BYTES = 64 * 1024
# A first body part this large leaves in a DATA frame of its own (see _send_head).
SEPARATE_BODY_BYTES = 16 * 1024
FRAME_BODY_BYTES = 1024 * 1024


class AppError(Exception):
    """The app broke a PEP 3333 rule; the message names the rule."""


class FileWrapper:
    """wsgi.file_wrapper: iterable over a file-like; served with os.sendfile
    when it wraps a regular file (Response.send_file)."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        read = self.filelike.read
        while True:
            data = read(self.blksize)
            if not data:
                return
            yield data


def base_environ(config):
    """The part of every environ that does not change per request."""
    return {
        "wsgi.version": (1, 0),
        "wsgi.multithread": config["threads"] > 1,
        "wsgi.multiprocess": config["multiprocess"],
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
        "wsgi.input_terminated": True,
        "SERVER_SOFTWARE": config["serverSoftware"],
        "SCRIPT_NAME": "",
    }


# Statuses and (name, value) header pairs already found valid, with their
# RESPONSE encoding (and a header's lowered name): an app sends the same few
# again and again, and the checks cost more than the app's own work in a
# small response. Bounded: values that change every time (dates, cookies)
# stop being added once it is full.
_KNOWN_STATUSES = {}
_KNOWN_HEADERS = {}
_KNOWN_MAX = 512


def check_status(status):
    """Returns the status in RESPONSE encoding."""
    if type(status) is not str:
        raise AppError("status must be a str like '200 OK', got %r" % (status,))
    known = _KNOWN_STATUSES.get(status)
    if known is not None:
        return known
    if not STATUS.match(status):
        raise AppError("status must be three digits, a space and a reason like '200 OK', got %r" % (status,))
    try:
        encoded = p.encode_status(status)
    except UnicodeEncodeError:
        raise AppError("status must be latin-1, got %r" % (status,)) from None
    if len(_KNOWN_STATUSES) < _KNOWN_MAX:
        _KNOWN_STATUSES[status] = encoded
    return encoded


def check_headers(headers):
    """Returns the Content-Length the app declared (or None) and the headers
    in RESPONSE encoding."""
    if type(headers) is not list:
        raise AppError("headers must be a list of (name, value) tuples, got %s" % type(headers).__name__)
    length = None
    encoded = []
    for item in headers:
        known = None
        if type(item) is tuple:
            try:
                known = _KNOWN_HEADERS.get(item)
            except TypeError:
                pass  # unhashable: refused below
        if known is not None and type(item[0]) is str and type(item[1]) is str:
            lower, encoded_item = known
            encoded.append(encoded_item)
            if lower == "content-length":
                length = int(item[1])
            continue
        if type(item) is not tuple or len(item) != 2:
            raise AppError("each header must be a (name, value) tuple, got %r" % (item,))
        name, value = item
        if type(name) is not str or type(value) is not str:
            raise AppError("header name and value must be str, got %r" % (item,))
        if not TOKEN.match(name):
            raise AppError("invalid header name %r" % name)
        if BAD_VALUE.search(value):
            raise AppError("header %s has CR, LF or NUL in its value %r" % (name, value))
        try:
            encoded_item = p.encode_header(name, value)
        except UnicodeEncodeError:
            raise AppError("header %s is not latin-1: %r" % (name, value)) from None
        lower = name.lower()
        if lower in HOP_BY_HOP:
            raise AppError("hop-by-hop header %s is not allowed from a WSGI app (PEP 3333)" % name)
        if lower == "content-length":
            if not value.strip().isdigit():
                raise AppError("Content-Length must be a whole number, got %r" % value)
            length = int(value)
        encoded.append(encoded_item)
        if len(_KNOWN_HEADERS) < _KNOWN_MAX:
            _KNOWN_HEADERS[item] = (lower, encoded_item)
    return length, encoded


class Response:
    """One request's response side: start_response, write(), the body."""

    def __init__(self, conn, stream, method):
        self.conn = conn
        self.stream = stream
        self.status = None
        self.encoded_status = None
        self.encoded_headers = None
        self.content_length = None
        self.is_head_sent = False
        self.sent = 0
        self.is_finished = False
        self.is_overlong = False
        self.has_no_body = method == "HEAD"

    def start_response(self, status, headers, exc_info=None):
        if exc_info:
            try:
                if self.is_head_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # PEP 3333: avoid a reference cycle
        elif self.status is not None:
            raise AppError("start_response() called a second time without exc_info")
        self.encoded_status = check_status(status)
        self.content_length, self.encoded_headers = check_headers(headers)
        self.status = status
        self.has_no_body = self.has_no_body or status.startswith(NO_BODY_STATUS)
        return self.write

    def write(self, data):
        """PEP 3333's write() callable: sent before write() returns."""
        if self.status is None:
            raise AppError("write() called before start_response()")
        if type(data) is not bytes:
            raise AppError("write() takes bytes, got %s" % type(data).__name__)
        self.send(data, False)
        self.conn.flush()

    def send(self, data, is_last):
        """Body bytes out, within Content-Length and the stream's window."""
        if self.is_finished:
            if data:
                raise AppError("body sent after the response was complete")
            return
        if self.stream.is_cancelled:
            raise Cancelled("client disconnected")
        if self.content_length is not None and self.sent + len(data) > self.content_length:
            data = data[:self.content_length - self.sent]  # never more than it said
            if not self.is_overlong:
                self.is_overlong = True
                self.conn.log(30, "response longer than its Content-Length (%d bytes): the rest is dropped"
                              % self.content_length, self.stream.id)
        if self.has_no_body:
            data = b""
        if not self.is_head_sent:
            self._send_head(data, is_last)
        else:
            self._send_data(data, is_last)
        self.is_finished = is_last

    def _send_head(self, data, is_last):
        """RESPONSE: the head plus as much body as the window allows."""
        size = len(data) if len(data) <= self.stream.window else self._room()
        is_whole = is_last and size == len(data)
        headers = self.encoded_headers
        if is_whole and self.content_length is None and not self.has_no_body:
            # The whole body is here: say how long it is, so that the client
            # gets Content-Length instead of chunked framing (and keep-alive
            # on HTTP/1.0).
            headers = headers + [p.encode_header("Content-Length", str(len(data)))]
        head = p.encode_head(self.encoded_status, headers)
        self.is_head_sent = True
        if size >= SEPARATE_BODY_BYTES:
            # A large body goes in its own DATA frame, which the front passes
            # to the client as it arrives, uncopied (a RESPONSE frame is
            # decoded whole).
            self.conn.send(p.RESPONSE, 0, self.stream.id, head)
            self._send_data(data, is_last)
            return
        first = data if size == len(data) else data[:size]
        self.sent += len(first)
        self.stream.window -= len(first)
        self.conn.send(p.RESPONSE, p.END if is_whole else 0, self.stream.id, head, first)
        if len(first) < len(data):
            self._send_data(data[len(first):], is_last)

    def _send_data(self, data, is_last):
        stream = self.stream
        if not data:
            if is_last:
                self.conn.send(p.DATA, p.END, stream.id)
            return
        room = self._room()
        if len(data) <= room:  # the common case: no slicing, no copy
            self.sent += len(data)
            stream.window -= len(data)
            self.conn.send(p.DATA, p.END if is_last else 0, stream.id, b"", data)
            return
        view = memoryview(data)  # bytes: immutable, so a view may wait in the send queue
        while view:
            piece = view[:self._room()]
            view = view[len(piece):]
            self.sent += len(piece)
            stream.window -= len(piece)
            flags = p.END if is_last and not view else 0
            self.conn.send(p.DATA, flags, stream.id, b"", piece)

    def _room(self):
        """Bytes we may send now; waits for CREDIT when the window is used up."""
        stream = self.stream
        if stream.window <= 0:
            self.conn.wait(lambda: stream.window > 0 or stream.is_cancelled)
            if stream.is_cancelled:
                raise Cancelled("client disconnected")
        return min(stream.window, FRAME_BODY_BYTES)

    def finish(self):
        if self.status is None:
            raise AppError("the app returned without calling start_response()")
        if (self.content_length is not None and not self.has_no_body
                and self.sent < self.content_length):
            raise AppError("response shorter than its Content-Length (%d of %d bytes)"
                           % (self.sent, self.content_length))
        self.send(b"", True)

    def send_file(self, wrapper):
        """Serve a FileWrapper over a regular file with os.sendfile; False
        when it cannot be (not a real file), so the caller iterates it."""
        try:
            fd = wrapper.filelike.fileno()
            size = os.fstat(fd).st_size
            offset = wrapper.filelike.tell()
        except (AttributeError, OSError, ValueError):
            return False
        if self.status is None:
            raise AppError("the app returned without calling start_response()")
        count = max(0, size - offset)
        if self.content_length is not None:
            count = min(count, self.content_length - self.sent)
        if self.has_no_body or count == 0:
            return True
        if not self.is_head_sent:
            self._send_head(b"", False)
        while count > 0:
            n = min(count, self._room())
            got = self.conn.sendfile(self.stream.id, fd, offset, n, os.sendfile)
            self.stream.window -= n
            self.sent += n
            if got < n:
                raise AppError("file shrank while it was being sent")
            offset += n
            count -= n
        wrapper.filelike.seek(offset)
        return True


class WsgiRunner:
    """Runs one stream through the app: environ in, frames out."""

    def __init__(self, app, conn, config):
        self.app = app
        self.conn = conn
        self.base = base_environ(config)

    def run(self, stream):
        conn = self.conn
        environ, first_body = p.decode_request(stream.payload)
        stream.payload = None
        if first_body:
            stream.chunks.append(first_body)
            stream.received += len(first_body)
            stream.granted += len(first_body)
        env = self.base.copy()
        env.update(environ)
        method = env.get("REQUEST_METHOD", "GET")
        where = "%s %s" % (method, env.get("RAW_URI", ""))
        env["wsgi.input"] = Input(conn, stream)
        env["wsgi.errors"] = ErrorStream(conn, stream.id)
        response = Response(conn, stream, method)
        result = None
        try:
            result = self.app(env, response.start_response)
            self._consume(result, response)
            response.finish()
        except Cancelled:
            conn.send(p.ABORT, 0, stream.id, b"cancelled")
        except Exception as e:
            self._fail(stream, response, where, e)
        finally:
            conn.end_stream(stream)
            if result is not None and hasattr(result, "close"):
                try:
                    result.close()  # PEP 3333: exactly once, whatever happened
                except Exception:
                    conn.log(40, "Error closing the response of %s\n%s" % (where, traceback.format_exc()), stream.id)

    def _consume(self, result, response):
        if type(result) is FileWrapper and response.send_file(result):
            return
        if type(result) in (list, tuple):
            self._consume_sequence(result, response)
            return
        for data in result:
            if type(data) is not bytes:
                raise AppError("response body items must be bytes, got %s" % type(data).__name__)
            if data:
                response.send(data, False)
                self.conn.flush()  # PEP 3333: do not delay a block of an iterable

    def _consume_sequence(self, result, response):
        """A list or tuple is all there: join small ones into one frame."""
        total = 0
        for data in result:
            if type(data) is not bytes:
                raise AppError("response body items must be bytes, got %s" % type(data).__name__)
            total += len(data)
        if response.status is None:
            raise AppError("the app returned without calling start_response()")
        if total <= JOIN_BYTES:
            body = result[0] if len(result) == 1 else b"".join(result)
            if response.content_length is None or len(body) >= response.content_length:
                response.send(body, True)
            else:
                response.send(body, False)
            return
        for data in result:
            if data:
                response.send(data, False)

    def _fail(self, stream, response, where, error):
        conn = self.conn
        if isinstance(error, AppError):
            text = "Error handling request %s: %s" % (where, error)
        else:
            text = "Error handling request %s\n%s" % (where, traceback.format_exc().rstrip())
        conn.log(40, text, stream.id)
        reason = "app error before the response started" if not response.is_head_sent \
            else "app error after the response started"
        conn.send(p.ABORT, 0, stream.id, reason.encode())

