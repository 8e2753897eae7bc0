"""A local HTTP server that serves news pages and counts the requests for each path."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>City council approves new budget for schools</title>
<meta property="og:site_name" content="Example Gazette">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2023-05-04T09:00:00Z">
</head><body>
<nav><a href="/">Home</a> | <a href="/about">About us</a></nav>
<article>
<h1>City council approves new budget for schools</h1>
<p class="byline">By Jane Reporter</p>
<p>The city council on Wednesday approved a budget of 12 million dollars for public schools,
according to Reuters. The vote passed seven to two after a three-hour debate.</p>
<p>Mayor Ann Smith said the money would pay for 40 new teachers and repairs to six buildings.
"This is the largest investment in our schools in a decade," Smith told reporters.</p>
<p>Opponents said the city had not explained how it would cover the cost next year, the
Associated Press reported. The budget takes effect on July 1.</p>
</article>
<footer><a href="/corrections">Corrections policy</a></footer>
</body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    counts: Counter[str]
    pages: dict[str, str]

    def do_GET(self) -> None:
        self.counts[self.path] += 1
        if self.path == "/robots.txt":
            body, ctype = "User-agent: *\nAllow: /\n", "text/plain"
        elif self.path in self.pages or self.path.startswith("/news/"):
            body, ctype = self.pages.get(self.path, ARTICLE_HTML), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def page_server(pages: dict[str, str] | None = None) -> Iterator[tuple[str, Counter[str]]]:
    """Serves `pages` (and ARTICLE_HTML under /news/...); yields (base URL, request counts)."""
    counts: Counter[str] = Counter()
    handler = type("Handler", (_Handler,), {"counts": counts, "pages": pages or {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", counts
    finally:
        server.shutdown()
        server.server_close()
