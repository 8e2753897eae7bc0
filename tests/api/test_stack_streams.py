"""WatchReport and ScoreBatch through the whole stack (front door, Redis, a Celery worker,
fetcher, matcher and scorer processes): a watch follows a real job's stages to its report,
and a batch of texts runs the real pipeline, each answered once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from credence.v1 import reliability_pb2

from services.client import CredenceClient
from tests.conftest import Stack
from tests.support.pages import ARTICLE_HTML

pytestmark = pytest.mark.timeout(180)

# The page answers once the test has seen the job in its fetch stage (or after a minute).
_RELEASE = threading.Event()
_RELEASE_LIMIT_S = 60.0
STORY_TEXT = (
    "The city council on Wednesday approved a budget of 12 million dollars for public"
    " schools, according to Reuters. The vote passed seven to two after a three-hour debate."
    "\n\nMayor Ann Smith said the money would pay for 40 new teachers and repairs to six"
    ' buildings. "This is the largest investment in our schools in a decade," Smith told'
    " reporters.\n\nOpponents said the city had not explained how it would cover the cost"
    " next year, the Associated Press reported. The budget takes effect on July 1."
)


class _SlowPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        else:
            _RELEASE.wait(_RELEASE_LIMIT_S)  # keeps the job in its fetch stage
            body, ctype = ARTICLE_HTML.encode(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def slow_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_watch_report_streams_stages_then_the_report(stack: Stack) -> None:
    _RELEASE.clear()
    with slow_site() as base, CredenceClient(stack.gateway_addr, timeout_s=5) as client:
        pending = client.score_url(f"{base}/news/watched-story")  # the page holds the job
        assert pending.job.id and pending.job.state != reliability_pb2.JOB_STATE_DONE
        watcher = CredenceClient(stack.gateway_addr, timeout_s=120)
        updates = []
        for update in watcher.watch_report(pending.job.id):
            updates.append(update)
            if (update.job.state, update.job.stage) == (reliability_pb2.JOB_STATE_RUNNING, "fetch"):
                _RELEASE.set()
        watcher.close()
        _RELEASE.set()
    steps = [(u.job.state, u.job.stage) for u in updates]
    assert len(steps) == len(set(steps)), "each update is a change"
    states = [s for s, _ in steps]
    assert states == sorted(states), "states only move forward"
    assert (reliability_pb2.JOB_STATE_RUNNING, "fetch") in steps, stack.logs()
    last = updates[-1]
    assert last.job.state == reliability_pb2.JOB_STATE_DONE, stack.logs()
    assert last.report.title.startswith("City council approves")
    assert not any(u.report.model_version for u in updates[:-1])


def test_score_batch_through_the_pipeline(stack: Stack) -> None:
    items = [
        reliability_pb2.ScoreBatchRequest(
            item_id=f"text-{i}",
            url=f"https://gazette.invalid/news/batch-{i}",
            text=f"Budget story number {i}.\n\n" + STORY_TEXT,
        )
        for i in range(6)
    ]
    items.append(reliability_pb2.ScoreBatchRequest(item_id="bad", url="nope", text="x"))
    items.append(
        reliability_pb2.ScoreBatchRequest(
            item_id="short", url="https://gazette.invalid/news/short", text="Too short."
        )
    )
    with CredenceClient(stack.gateway_addr, timeout_s=120) as client:
        answers = list(client.score_batch(items))
    by_id = {a.item_id: a for a in answers}
    assert len(answers) == len(items) == len(by_id)
    assert by_id["bad"].error_reason == "URL_UNSUPPORTED_SCHEME"
    assert by_id["short"].job.state == reliability_pb2.JOB_STATE_FAILED
    assert by_id["short"].error_reason == by_id["short"].job.error_reason == "NO_ARTICLE_TEXT"
    for i in range(6):
        answer = by_id[f"text-{i}"]
        assert answer.job.state == reliability_pb2.JOB_STATE_DONE, (answer, stack.logs())
        assert 0 <= answer.report.score <= 100 and answer.report.model_version
