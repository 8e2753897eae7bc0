"""A local upstream with bad manners for the fault tests: pages that answer only after a
delay, and pages that drip their body a byte at a time and never finish."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.pages import ARTICLE_HTML


class _Handler(BaseHTTPRequestHandler):
    counts: Counter[str]
    delay_s: float
    stop: threading.Event
    release: threading.Event

    def do_GET(self) -> None:
        self.counts[self.path] += 1
        if self.path == "/robots.txt":
            self._send(b"User-agent: *\nAllow: /\n", "text/plain")
        elif self.path.startswith("/slow/"):
            self.release.wait(self.delay_s)
            self._send(ARTICLE_HTML.encode(), "text/html; charset=utf-8")
        elif self.path.startswith("/drip/"):
            self._drip()
        elif self.path.startswith("/news/"):
            self._send(ARTICLE_HTML.encode(), "text/html; charset=utf-8")
        else:
            self.send_error(404)

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self) -> None:
        body = ARTICLE_HTML.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body) * 100))
        self.end_headers()
        try:
            while not self.stop.is_set():
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)
                    if self.stop.is_set():
                        return
        except OSError:
            return

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def upstream(
    delay_s: float = 3.0, gate: threading.Event | None = None
) -> Iterator[tuple[str, Counter[str]]]:
    """Serves /slow/... after `delay_s` (or as soon as `gate` is set), /drip/... a byte per
    0.1 s, /news/... at once; yields (base URL, request counts per path)."""
    counts: Counter[str] = Counter()
    stop = threading.Event()
    release = gate or threading.Event()
    attrs = {"counts": counts, "delay_s": delay_s, "stop": stop, "release": release}
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), attrs))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", counts
    finally:
        stop.set()
        release.set()
        server.shutdown()
        server.server_close()
