"""Large transfers, streamed in 64 KiB blocks on both sides.

GET  /download?bytes=N  N bytes (default 10 MiB), Content-Length set, produced
                        block by block by a generator (never whole in memory)
POST /upload            reads wsgi.input in 64 KiB reads, answers the byte count
GET  /                  a small answer (readiness and warm-up)
"""

BLOCK = 64 * 1024
CHUNK = b"d" * BLOCK
DEFAULT_DOWNLOAD_BYTES = 10 * 1024 * 1024


def download(nbytes):
    full, rest = divmod(nbytes, BLOCK)
    for _ in range(full):
        yield CHUNK
    if rest:
        yield CHUNK[:rest]


def query_bytes(query):
    for part in query.split("&"):
        if part.startswith("bytes="):
            return int(part[6:])
    return DEFAULT_DOWNLOAD_BYTES


def app(environ, start_response):
    path = environ.get("PATH_INFO")
    if path == "/download":
        nbytes = query_bytes(environ.get("QUERY_STRING", ""))
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(nbytes))])
        return download(nbytes)
    if path == "/upload":
        read = environ["wsgi.input"].read
        total = 0
        while True:
            chunk = read(BLOCK)
            if not chunk:
                break
            total += len(chunk)
        body = b"%d\n" % total
    else:
        body = b"ok\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


application = app
