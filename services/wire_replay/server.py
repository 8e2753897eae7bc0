"""The replay server: recorded wire coverage served on loopback in place of GDELT, the NYT
Article Search API and the outlets' pages, for tests, benchmarks and the demo.

It counts what it is asked (so tests can check how many searches a scoring made) and can be
switched into the failures the live services show (rate limits, garbage, errors, slowness)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from services.wire_replay import gdelt, nyt, pages
from services.wire_replay.faults import SEARCH_ENDPOINTS, Endpoint, Fault, fault_reply
from services.wire_replay.records import RECORDS_FILE, load_snapshot
from services.wire_replay.replies import Reply

STATS_PATH = "/_stats"
NYT_REPLAY_KEY = "replay-key"
DEFAULT_SLOW_S = 30.0
_ENDPOINTS = {gdelt.PATH: Endpoint.GDELT, nyt.PATH: Endpoint.NYT, pages.PATH: Endpoint.PAGE}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WireReplay:
    """Serves one snapshot folder (`records.jsonl` and `gdelt_artlist.json`) over HTTP.

    Use as a context manager, or `start()` then `stop()`. Thread-safe: requests are answered
    on their own threads while tests read the counters and switch faults."""

    def __init__(
        self,
        records: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        nyt_api_key: str = NYT_REPLAY_KEY,
        slow_s: float = DEFAULT_SLOW_S,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.snapshot = records.parent if records.name == RECORDS_FILE else records
        self.records = load_snapshot(self.snapshot)
        self._by_url = {record.url: record for record in self.records}
        self._host, self._port = host, port
        self.nyt_api_key = nyt_api_key
        self._clock = clock
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str]] = []
        self._counts: Counter[str] = Counter()
        self._fault: Fault | None = None
        self._fault_endpoints: frozenset[Endpoint] = SEARCH_ENDPOINTS
        self._slow_s = slow_s
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Life cycle.

    def start(self) -> WireReplay:
        """Binds and serves on a background thread; returns self."""
        if self._server is not None:
            raise RuntimeError("the wire replay is already started")
        self._stopping.clear()
        server = ThreadingHTTPServer((self._host, self._port), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="wire-replay"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving; requests held by a SLOW fault are dropped unanswered at once."""
        self._stopping.set()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> WireReplay:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # Addresses.

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the wire replay is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def gdelt_url(self) -> str:
        """What `CREDENCE_GDELT_URL` is set to."""
        return self.base_url + gdelt.PATH

    @property
    def page_mirror_url(self) -> str:
        """What `CREDENCE_WIRE_PAGE_MIRROR` is set to (the article URL is appended, quoted)."""
        return self.base_url + pages.PATH + "?url="

    @property
    def nyt_url(self) -> str:
        return self.base_url + nyt.PATH

    # Faults.

    def set_fault(
        self,
        kind: Fault | None,
        *,
        delay_s: float | None = None,
        endpoints: Iterable[Endpoint] = SEARCH_ENDPOINTS,
    ) -> None:
        """Answers the given endpoints (by default GDELT and NYT) with `kind` from now on;
        None restores the recorded answers. `delay_s` sets the wait of SLOW."""
        with self._lock:
            self._fault = kind
            self._fault_endpoints = frozenset(endpoints)
            if delay_s is not None:
                self._slow_s = delay_s

    # Counters.

    @property
    def requests(self) -> list[tuple[str, str]]:
        """Every request so far as (path, raw query string), oldest first (not `/_stats`)."""
        with self._lock:
            return list(self._requests)

    @property
    def counts(self) -> dict[str, int]:
        """Requests so far per path (not `/_stats`)."""
        with self._lock:
            return dict(self._counts)

    def count(self, path: str) -> int:
        with self._lock:
            return self._counts[path]

    def reset_stats(self) -> None:
        with self._lock:
            self._requests.clear()
            self._counts.clear()

    def stats(self) -> dict[str, object]:
        """What `/_stats` answers."""
        with self._lock:
            return {
                "requests": len(self._requests),
                "by_path": dict(self._counts),
                "fault": self._fault.value if self._fault else None,
                "snapshot": self.snapshot.name,
                "records": len(self.records),
            }

    # Answers.

    def answer(self, path: str, query: str) -> Reply | None:
        """The reply to GET `path?query`; None to drop the connection unanswered."""
        if path == STATS_PATH:
            return Reply.json(self.stats())
        with self._lock:
            self._requests.append((path, query))
            self._counts[path] += 1
            fault, fault_endpoints, slow_s = self._fault, self._fault_endpoints, self._slow_s
        params = dict(parse_qsl(query, keep_blank_values=True))
        endpoint = _ENDPOINTS.get(path)
        if endpoint is Endpoint.NYT:
            refusal = nyt.key_refusal(params, self.nyt_api_key)
            if refusal is not None:
                return refusal
        if endpoint is not None and fault is not None and endpoint in fault_endpoints:
            if fault is not Fault.SLOW:
                return fault_reply(fault, endpoint, params.get("api-key", ""))
            if self._stopping.wait(slow_s):
                return None
        return self._recorded(path, params)

    def _recorded(self, path: str, params: dict[str, str]) -> Reply:
        if path == gdelt.PATH:
            lowered = {key.casefold(): value for key, value in params.items()}
            return gdelt.artlist(lowered, self.records, self._clock())
        if path == nyt.PATH:
            return nyt.article_search(params, self.records, self.nyt_api_key)
        if path == pages.PATH:
            return pages.page(params, self._by_url)
        if path == pages.ROBOTS_PATH:
            return pages.robots()
        if path == "/":
            return Reply.text(self.describe())
        return Reply.text(f"not found: {path}", 404)

    def describe(self) -> str:
        return (
            f"Credence wire replay: recorded coverage ({self.snapshot.name}, "
            f"{len(self.records)} records), not the live services.\n"
            f"GET {gdelt.PATH}?query=...&mode=artlist&format=json  GDELT DOC 2.0 artlist\n"
            f"GET {nyt.PATH}?q=...&api-key=...  NYT Article Search\n"
            f"GET {pages.PATH}?url=<recorded url>  the recorded title and lead as a page\n"
            f"GET {STATS_PATH}  request counts\n"
        )


def _handler_for(replay: WireReplay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "CredenceWireReplay/1"
        timeout = 10  # a client that connects and sends nothing cannot hold stop() up

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            reply = replay.answer(parts.path, parts.query)
            if reply is None:
                self.close_connection = True
                return
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, *args: object) -> None:
            """Quiet: tests and the demo read the counters, not a log."""

    return Handler
