"""Hello world that first reads the whole request body, as a form handler
does (the slow-clients scenario: half of the slow clients trickle a body)."""

BODY = b"Hello World!\n"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        environ["wsgi.input"].read(length)
    start_response("200 OK", HEADERS)
    return [BODY]


application = app
