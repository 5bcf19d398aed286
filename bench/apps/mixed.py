"""Head-of-line: /slow sleeps 100 ms, every other path answers at once.
The request's X-Bench-T header is echoed back so that the wrk script can
time each request by itself (bench/lua/mixed.lua) and keep the fast
requests' latency apart from the slow ones'."""
import time

SLOW_SECONDS = 0.100


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/slow":
        time.sleep(SLOW_SECONDS)
        body = b"slow\n"
    else:
        body = b"fast\n"
    start_response("200 OK", [
        ("Content-Type", "text/plain"),
        ("Content-Length", str(len(body))),
        ("X-Bench-T", environ.get("HTTP_X_BENCH_T", "")),
    ])
    return [body]


application = app
