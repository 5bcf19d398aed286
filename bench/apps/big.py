"""A 64 KiB response, one bytes object, with Content-Length."""

BODY = b"x" * (64 * 1024)
HEADERS = [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


application = app
