"""A hostile HTTP server on loopback for the fetcher tests and the benchmark: redirects to
private addresses and in loops, huge and endless bodies, compression bombs, wrong content
types and charsets, slow drips and stalls, robots.txt rules, and a few honest articles."""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import brotli

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Council approves new river bridge - The Riverside Courier</title>
<meta property="og:site_name" content="The Riverside Courier">
<meta property="og:title" content="Council approves new river bridge">
<meta property="article:section" content="Local news">
<meta property="article:published_time" content="2024-03-05T09:30:00+00:00">
<meta property="article:modified_time" content="2024-03-06T11:00:00+00:00">
<link rel="canonical" href="{canonical}">
</head><body>
<header><nav><a href="/about-us">About us</a> <a href="/contact">Contact</a>
<a href="/corrections">Corrections policy</a> <a href="/ownership">Who owns us</a></nav></header>
<article>
<h1>Council approves new river bridge</h1>
<p class="byline">By <span class="author">Jane Holloway</span></p>
<p>The city council voted on Tuesday to approve a new pedestrian bridge across the river,
ending a debate that has run for almost a decade. The bridge will link the old market to
the railway station and is expected to open in 2027.</p>
<p>According to Reuters, the regional government will cover half of the cost. The
<a href="https://www.reuters.com/world/bridge-funding">regional funding report</a> put the
total at 40 million euros, a figure the mayor confirmed on Wednesday.</p>
<p>“This is the most important investment in the centre for a generation,” said Maria
Lopez, the council's head of planning. Residents told the BBC that they welcomed the plan but
worried about the construction noise (Riverside Gazette, March 4, 2024).</p>
<p>Opponents argued that the money should go to road repairs. The council said that the
repairs programme would continue as planned and that both projects were funded.</p>
</article>
<footer><p>Subscribe to our newsletter for daily news.</p>
<p>Copyright 2024 The Riverside Courier. All rights reserved.</p></footer>
</body></html>"""

PLAIN_ARTICLE = """Harbour reopens after storm

The harbour reopened on Monday after a week of repairs, the port authority said.

According to the Coastal Times, damage was lighter than feared.

Click the share button above to email this article.
"""

ROBOTS = "User-agent: *\nDisallow: /private/\n"

_BOMB_SIZE = 64 * 1024 * 1024


def _bombs() -> tuple[bytes, bytes]:
    zeros = b"\0" * _BOMB_SIZE
    return gzip.compress(zeros, 9), brotli.compress(zeros, quality=5)


class Zoo:
    """Starts the server on 127.0.0.1 at a random port; `url(path)` builds its URLs."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.hosts: list[str] = []
        self.gzip_bomb, self.brotli_bomb = _bombs()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Zoo:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _handler(zoo: Zoo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            zoo.hits[parts.path] += 1
            zoo.hosts.append(self.headers.get("Host", ""))
            route = _ROUTES.get(parts.path)
            if route is None and parts.path.startswith("/status/"):
                self._send(int(parts.path.rsplit("/", 1)[1]), "text/html", b"<p>status</p>")
                return
            if route is None and parts.path.startswith("/loop/"):
                step = int(parts.path.rsplit("/", 1)[1])
                self._redirect(f"/loop/{step + 1}")
                return
            if route is None:
                self._send(404, "text/html", b"<p>not found</p>")
                return
            route(self, parse_qs(parts.query))

        def _send(self, status: int, ctype: str, body: bytes, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def article(self, query: dict[str, list[str]]) -> None:
            canonical = query.get("canonical", [zoo.url("/article")])[0]
            html = ARTICLE_HTML.replace("{canonical}", canonical)
            self._send(200, "text/html; charset=utf-8", html.encode("utf-8"))

        def echo_host(self, _query: dict[str, list[str]]) -> None:
            host = self.headers.get("Host", "")
            html = ARTICLE_HTML.replace("{canonical}", "").replace(
                "Council approves new river bridge</h1>", f"Host was {host}</h1>"
            )
            self._send(200, "text/html; charset=utf-8", html.encode("utf-8"))

        def plain(self, _query: dict[str, list[str]]) -> None:
            self._send(200, "text/plain; charset=utf-8", PLAIN_ARTICLE.encode("utf-8"))

        def robots(self, _query: dict[str, list[str]]) -> None:
            self._send(200, "text/plain", ROBOTS.encode("ascii"))

        def redirect(self, query: dict[str, list[str]]) -> None:
            self._redirect(query["to"][0])

        def huge(self, _query: dict[str, list[str]]) -> None:
            self._send(200, "text/html", b"<p>" + b"x" * (3 * 1024 * 1024) + b"</p>")

        def endless(self, _query: dict[str, list[str]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + b"y" * 65536 + b"</p>"
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:
                return

        def gzip_bomb(self, _query: dict[str, list[str]]) -> None:
            self._send(200, "text/html", zoo.gzip_bomb, Content_Encoding="gzip")

        def brotli_bomb(self, _query: dict[str, list[str]]) -> None:
            self._send(200, "text/html", zoo.brotli_bomb, Content_Encoding="br")

        def image(self, _query: dict[str, list[str]]) -> None:
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)

        def json(self, _query: dict[str, list[str]]) -> None:
            self._send(200, "application/json", b'{"a": 1}')

        def wrong_charset(self, _query: dict[str, list[str]]) -> None:
            html = ARTICLE_HTML.replace("{canonical}", "").replace(
                "Council approves", "Café council approves"
            )
            self._send(200, "text/html; charset=utf-8", html.encode("latin-1", "replace"))

        def meta_charset(self, _query: dict[str, list[str]]) -> None:
            html = ARTICLE_HTML.replace("{canonical}", "").replace(
                '<meta charset="utf-8">', '<meta charset="windows-1251">'
            )
            html = html.replace("Council approves new river bridge</h1>", "Новый мост</h1>")
            self._send(200, "text/html", html.encode("cp1251", "replace"))

        def bogus_charset(self, _query: dict[str, list[str]]) -> None:
            html = ARTICLE_HTML.replace("{canonical}", "")
            self._send(200, "text/html; charset=x-no-such-thing", html.encode("utf-8"))

        def drip(self, _query: dict[str, list[str]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"<p>drip</p>")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                return

        def stall(self, _query: dict[str, list[str]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.flush()
            time.sleep(10)

        def empty(self, _query: dict[str, list[str]]) -> None:
            self._send(
                200, "text/html", b"<html><head><title>Empty</title></head><body> </body></html>"
            )

    _ROUTES = {
        "/article": Handler.article,
        "/private/article": Handler.article,
        "/echo-host": Handler.echo_host,
        "/plain": Handler.plain,
        "/robots.txt": Handler.robots,
        "/redirect": Handler.redirect,
        "/huge": Handler.huge,
        "/endless": Handler.endless,
        "/gzip-bomb": Handler.gzip_bomb,
        "/brotli-bomb": Handler.brotli_bomb,
        "/image": Handler.image,
        "/json": Handler.json,
        "/wrong-charset": Handler.wrong_charset,
        "/meta-charset": Handler.meta_charset,
        "/bogus-charset": Handler.bogus_charset,
        "/drip": Handler.drip,
        "/stall": Handler.stall,
        "/empty": Handler.empty,
    }
    return Handler
