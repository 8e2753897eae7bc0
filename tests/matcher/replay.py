"""A local HTTP server that replays canned responses per path and records the requests,
standing in for RSS hosts, the NYT Article Search API and the GDELT DOC API."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One canned response."""

    status: int = 200
    body: str | bytes = ""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class ReplayServer:
    """Serves queued replies per path; the last reply of a path repeats."""

    def __init__(self) -> None:
        self.replies: dict[str, deque[Reply]] = defaultdict(deque)
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append((parts.path, parse_qs(parts.query)))
                queue = server.replies.get(parts.path)
                reply = (queue.popleft() if len(queue) > 1 else queue[0]) if queue else Reply(404)
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def queue(self, path: str, *replies: Reply) -> None:
        self.replies[path] = deque(replies)
