"""The feedback route and its store: a valid note is stored and listed by `credence feedback
list`; bad input gets 400 naming what was wrong; a client past its rate gets 429 with a
reason and Retry-After; with keys required, a note without one gets 401; the list is capped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from typer.testing import CliRunner

from services.auth.api_keys import KeyStore
from services.auth.quota import TokenBuckets
from services.common.config import get_settings
from services.common.feedback import MAX_NOTE_CHARS, FeedbackRecord, FeedbackStore
from services.edge.feedback_route import FEEDBACK_BURST, FEEDBACK_ROUTE, FeedbackDesk

ARTICLE = "https://www.globalresearch.ca/kremlin-under-drone-attack/5817979"


@pytest.fixture
def state_url(redis_port: int) -> str:
    import redis

    url = f"redis://127.0.0.1:{redis_port}/7"
    redis.Redis.from_url(url).flushdb()
    return url


def _client(state_url: str, keys: bool = False) -> TestClient:
    store = FeedbackStore(state_url)
    app = Starlette(routes=[FEEDBACK_ROUTE])
    app.state.feedback_desk = FeedbackDesk(
        store, TokenBuckets(store.redis), KeyStore(state_url) if keys else None
    )
    return TestClient(app)


@pytest.fixture
def client(state_url: str) -> Iterator[TestClient]:
    with _client(state_url) as test_client:
        yield test_client


def _reason(response: Any) -> str:
    body = response.json()
    assert body["reason"] == body["details"][0]["debug"]["reason"]
    return str(body["reason"])


def test_note_is_stored_and_listed(
    client: TestClient, state_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = {"url": ARTICLE, "note": "The coverage list misses the BBC story.", "score": 43}
    response = client.post("/v1/feedback", json={**sent, "modelVersion": "v1"})
    assert response.status_code == 201, response.text
    assert response.json()["received"] is True

    stored = FeedbackStore(state_url).latest(10)
    assert [(r.url, r.note, r.score, r.model_version) for r in stored] == [
        (ARTICLE, sent["note"], 43.0, "v1")
    ]
    assert stored[0].client.startswith("ip:")

    from services.cli.main import app

    monkeypatch.setenv("CREDENCE_STATE_URL", state_url)
    get_settings.cache_clear()
    try:
        listed = CliRunner().invoke(app, ["feedback", "list", "--json"])
        shown = CliRunner().invoke(app, ["feedback", "list"])
    finally:
        get_settings.cache_clear()
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)[0]["note"] == sent["note"]
    assert ARTICLE in shown.output and "misses the BBC story" in shown.output


@pytest.mark.parametrize(
    ("body", "reason", "field"),
    [
        ({"url": "ftp://example.com/x"}, "URL_UNSUPPORTED_SCHEME", "url"),
        ({"url": "not a url"}, "URL_MALFORMED", "url"),
        ({"note": "no url"}, "FEEDBACK_INVALID", "url"),
        ({"url": ARTICLE, "note": "x" * (MAX_NOTE_CHARS + 1)}, "FEEDBACK_TOO_LONG", "note"),
        ({"url": ARTICLE, "score": 140}, "FEEDBACK_INVALID", "score"),
        ({"url": ARTICLE, "email": "a@b.c"}, "FEEDBACK_FIELD_UNKNOWN", "email"),
        ([ARTICLE], "FEEDBACK_NOT_JSON", "body"),
    ],
)
def test_bad_input_is_named(client: TestClient, body: Any, reason: str, field: str) -> None:
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == 400
    assert _reason(response) == reason
    assert response.json()["details"][0]["debug"]["metadata"]["field"] == field


def test_not_json_and_too_large(client: TestClient) -> None:
    response = client.post("/v1/feedback", content=b"{not json")
    assert (response.status_code, _reason(response)) == (400, "FEEDBACK_NOT_JSON")
    big = json.dumps({"url": ARTICLE, "note": "x" * 20_000}).encode()
    response = client.post("/v1/feedback", content=big)
    assert (response.status_code, _reason(response)) == (400, "FEEDBACK_TOO_LARGE")


def test_rate_limited_per_client(client: TestClient) -> None:
    for _ in range(FEEDBACK_BURST):
        assert client.post("/v1/feedback", json={"url": ARTICLE}).status_code == 201
    response = client.post("/v1/feedback", json={"url": ARTICLE})
    assert response.status_code == 429
    assert _reason(response) == "FEEDBACK_RATE_LIMITED"
    assert int(response.headers["retry-after"]) > 0
    assert "try again in" in response.json()["message"]


def test_key_required_when_the_operator_requires_keys(state_url: str) -> None:
    with _client(state_url, keys=True) as keyed:
        response = keyed.post("/v1/feedback", json={"url": ARTICLE})
        assert (response.status_code, _reason(response)) == (401, "API_KEY_MISSING")
        response = keyed.post(
            "/v1/feedback", json={"url": ARTICLE}, headers={"x-api-key": "cred_00_nope"}
        )
        assert (response.status_code, _reason(response)) == (401, "API_KEY_INVALID")


def test_store_keeps_only_the_newest(state_url: str) -> None:
    store = FeedbackStore(state_url, cap=3)

    async def add_five() -> None:
        for i in range(5):
            await store.add(FeedbackRecord(str(i), float(i), "ip:x", ARTICLE, f"n{i}", None, ""))

    asyncio.run(add_five())
    assert [r.id for r in store.latest(10)] == ["4", "3", "2"]
