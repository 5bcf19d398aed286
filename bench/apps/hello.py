"""Hello world, with Content-Length (uWSGI's router keeps a connection alive
only when the app sends it; the other servers would add it themselves)."""

BODY = b"Hello World!\n"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


application = app
