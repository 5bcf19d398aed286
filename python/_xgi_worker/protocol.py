"""The worker wire protocol, worker side: a pure codec for the frames of
docs/protocol.md, mirroring src/workers/protocol/frames.ts and messages.ts.
Bytes in, values out; no sockets, no threads, no logging.

  0               4       5       6               10
  +---------------+-------+-------+---------------+=====================+
  | length (u32)  | type  | flags | stream (u32)  | payload (length B)  |
  +---------------+-------+-------+---------------+=====================+
"""
import struct

HEADER = struct.Struct(">IBBI")
HEADER_BYTES = 10
MAX_FRAME_BYTES = 16 * 1024 * 1024
END = 0x01

# The registry of frame types (docs/protocol.md, "Frame types").
CONFIG = 0x01
REQUEST = 0x02
BODY = 0x03
CANCEL = 0x04
CREDIT = 0x05
STOP = 0x06
PING = 0x07
FORK = 0x08
READY = 0x10
BOOT_ERROR = 0x11
RESPONSE = 0x12
DATA = 0x13
ABORT = 0x14
READ = 0x15
HANDBACK = 0x16
LOG = 0x17
PONG = 0x18
HELLO = 0x19
FORKED = 0x1A
CHILD_EXIT = 0x1B
MODULES = 0x1C

FRAME_TYPES = {
    "CONFIG": CONFIG, "REQUEST": REQUEST, "BODY": BODY, "CANCEL": CANCEL,
    "CREDIT": CREDIT, "STOP": STOP, "PING": PING, "READY": READY,
    "BOOT_ERROR": BOOT_ERROR, "RESPONSE": RESPONSE, "DATA": DATA,
    "ABORT": ABORT, "READ": READ, "HANDBACK": HANDBACK, "LOG": LOG,
    "PONG": PONG, "FORK": FORK, "HELLO": HELLO, "FORKED": FORKED,
    "CHILD_EXIT": CHILD_EXIT, "MODULES": MODULES,
}
_KNOWN = frozenset(FRAME_TYPES.values())

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_PAIR_HEAD = struct.Struct(">H")


class ProtocolError(Exception):
    """The peer sent bytes that are not a valid frame."""


def encode_frame(ftype, flags, stream, payload=b""):
    return HEADER.pack(len(payload), ftype, flags, stream) + payload


def encode_u32(value):
    return _U32.pack(value)


def decode_u32(payload):
    if len(payload) < 4:
        raise ProtocolError("truncated u32")
    return _U32.unpack_from(payload, 0)[0]


class FrameDecoder:
    """Incremental decoder: feed() whatever recv() returned, get every
    complete frame as (type, flags, stream, payload) tuples."""

    __slots__ = ("_buf",)

    def __init__(self):
        self._buf = b""

    def feed(self, data):
        buf = self._buf + data if self._buf else data
        frames = []
        offset = 0
        end_of_data = len(buf)
        unpack = HEADER.unpack_from
        while end_of_data - offset >= HEADER_BYTES:
            length, ftype, flags, stream = unpack(buf, offset)
            if length > MAX_FRAME_BYTES:
                raise ProtocolError("frame of %d bytes exceeds %d" % (length, MAX_FRAME_BYTES))
            end = offset + HEADER_BYTES + length
            if end > end_of_data:
                break
            if ftype not in _KNOWN:
                raise ProtocolError("unknown frame type 0x%x" % ftype)
            frames.append((ftype, flags, stream, buf[offset + HEADER_BYTES:end]))
            offset = end
        self._buf = buf[offset:] if offset < end_of_data else b""
        return frames

    @property
    def pending_bytes(self):
        return len(self._buf)


def decode_request(payload):
    """Split a REQUEST payload into (environ dict of native str, body bytes).
    The block is `key NUL value NUL ...`: one decode and one split."""
    if len(payload) < 4:
        raise ProtocolError("truncated environ block")
    env_end = 4 + _U32.unpack_from(payload, 0)[0]
    if env_end > len(payload):
        raise ProtocolError("environ block overruns the frame")
    parts = payload[4:env_end].decode("latin-1").split("\0")
    if parts.pop() != "" or len(parts) % 2:
        raise ProtocolError("environ block is not key NUL value NUL pairs")
    it = iter(parts)
    return dict(zip(it, it)), payload[env_end:]


def encode_environ(pairs, body=b""):
    """Encode a REQUEST payload (the front's job; here for tests)."""
    parts = []
    for key, value in pairs:
        v = value if isinstance(value, bytes) else value.encode("latin-1")
        parts.append(key.encode("latin-1") + b"\0" + v + b"\0")
    block = b"".join(parts)
    return _U32.pack(len(block)) + block + body


def encode_response_head(status, headers):
    """RESPONSE payload without body: status and headers, already validated
    as latin-1 native strings (tests; the worker encodes each part once, as
    it checks it, and joins them with encode_head)."""
    return encode_head(encode_status(status), [encode_header(n, v) for n, v in headers])


def encode_status(status):
    s = status.encode("latin-1")
    return _U16.pack(len(s)) + s


def encode_header(name, value):
    n = name.encode("latin-1")
    v = value.encode("latin-1")
    return _U16.pack(len(n)) + n + _U32.pack(len(v)) + v


def encode_head(encoded_status, encoded_headers):
    """RESPONSE payload without body, from encode_status and encode_header's parts."""
    return encoded_status + _U16.pack(len(encoded_headers)) + b"".join(encoded_headers)


def decode_response(payload):
    """Split a RESPONSE payload into (status, [(name, value)], body); for tests."""
    try:
        slen = _U16.unpack_from(payload, 0)[0]
        if 2 + slen > len(payload):
            raise ProtocolError("status overruns the frame")
        status = payload[2:2 + slen].decode("latin-1")
        at = 2 + slen
        count = _U16.unpack_from(payload, at)[0]
        at += 2
        headers = []
        for _ in range(count):
            nlen = _U16.unpack_from(payload, at)[0]
            if at + 2 + nlen > len(payload):
                raise ProtocolError("header name overruns the frame")
            name = payload[at + 2:at + 2 + nlen].decode("latin-1")
            at += 2 + nlen
            vlen = _U32.unpack_from(payload, at)[0]
            if at + 4 + vlen > len(payload):
                raise ProtocolError("header value overruns the frame")
            headers.append((name, payload[at + 4:at + 4 + vlen].decode("latin-1")))
            at += 4 + vlen
    except struct.error:
        raise ProtocolError("truncated response head") from None
    return status, headers, payload[at:]


def encode_log(level, text):
    return bytes((level,)) + text.encode("utf-8", "replace")
