"""The example's WSGI app: a page that links to the CGI script and the static files."""
import html

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>xgi example</title>
<link rel="stylesheet" href="/static/style.css"></head>
<body><h1>Hello from a WSGI app</h1>
<p>You asked for <code>{path}</code>, served by a Python worker (SCRIPT_NAME <code>{script_name}</code>).</p>
<ul>
<li><a href="/cgi-bin/hello.sh/extra?name=world">a CGI script</a></li>
<li><a href="/static/index.html">a static page</a></li>
</ul></body></html>
"""


def app(environ, start_response):
    body = PAGE.format(path=html.escape(environ.get("PATH_INFO", "")),
                       script_name=html.escape(environ.get("SCRIPT_NAME", ""))).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
