"""Fuzz harness for the worker's side of the wire protocol
(python/_xgi_worker/protocol.py), driven by test/fuzz/python-protocol.fuzz.test.js.

Reads JSON from stdin: a list of cases, each {"hex": bytes, "cuts": [n, ...]}.
Runs every case through FrameDecoder (whole and cut at the points),
decode_request, decode_response and decode_u32. ProtocolError is a fine
answer; any other exception is a failure. Writes JSON to stdout: the
failures (with the input), the slowest case in ms, the most bytes a decoder
held, and the process's peak memory.
"""
import json
import resource
import sys
import time
import traceback

from _xgi_worker import protocol as p


def pieces(data, cuts):
    points = sorted(set(c % (len(data) + 1) for c in cuts)) if data else []
    out, start = [], 0
    for point in points:
        out.append(data[start:point])
        start = point
    out.append(data[start:])
    return out


def decode_frames(chunks, stats):
    decoder = p.FrameDecoder()
    frames = []
    try:
        for chunk in chunks:
            frames.extend(decoder.feed(chunk))
            stats["maxPending"] = max(stats["maxPending"], decoder.pending_bytes)
            if decoder.pending_bytes > p.HEADER_BYTES + p.MAX_FRAME_BYTES:
                raise AssertionError("decoder holds more than one frame")
    except p.ProtocolError:
        return None
    return frames


def refuses_or_returns(fn, data):
    try:
        fn(data)
    except p.ProtocolError:
        pass


def run_case(case, stats):
    data = bytes.fromhex(case["hex"])
    whole = decode_frames([data], stats)
    cut = decode_frames(pieces(data, case["cuts"]), stats)
    if whole is not None and cut != whole:
        raise AssertionError("cut into pieces, the frames differ: %r vs %r" % (cut, whole))
    refuses_or_returns(p.decode_request, data)
    refuses_or_returns(p.decode_response, data)
    refuses_or_returns(p.decode_u32, data)


def main():
    cases = json.load(sys.stdin)
    stats = {"failures": [], "slowestMs": 0.0, "maxPending": 0}
    for case in cases:
        started = time.perf_counter()
        try:
            run_case(case, stats)
        except Exception:
            stats["failures"].append({"hex": case["hex"], "cuts": case["cuts"], "error": traceback.format_exc()})
        stats["slowestMs"] = max(stats["slowestMs"], (time.perf_counter() - started) * 1000)
    stats["maxRssKb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats["cases"] = len(cases)
    json.dump(stats, sys.stdout)


main()
