"""Hello world after a fixed amount of pure-Python work: ITERATIONS turns of
a multiply-add loop, about 15 µs on the 2-core reference machine (run.mjs
measures and prints the figure for the machine it runs on)."""

ITERATIONS = 500


def work():
    total = 0
    for i in range(ITERATIONS):
        total += i * i
    return total


def app(environ, start_response):
    body = b"%d\n" % work()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


application = app
