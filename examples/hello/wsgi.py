"""The bundled example: `npm start` serves it at http://127.0.0.1:8000."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello World!\n"]
