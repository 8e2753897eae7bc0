"""ScoreBatch over real gRPC: a thousand items answered exactly once with a slow reader and
the window never exceeded, bad items answered with their own errors, the stream limit, and
per-item quota pacing."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import grpc
import pytest
from credence.v1 import reliability_pb2

from services.client import AsyncCredenceClient, RetryPolicy
from services.common.errors import CredenceError
from tests.api.batch_items import cached_items
from tests.api.conftest import StartFrontDoor

pytestmark = pytest.mark.timeout(120)

WINDOW = 8
NO_RETRY = RetryPolicy(attempts=1)


async def test_thousand_items_slow_reader_exactly_once_within_window(
    start_front_door: StartFrontDoor, redis_port: int
) -> None:
    door = await start_front_door(batch_max_in_flight=WINDOW, batch_max_items=5000)
    items = cached_items(redis_port, 1000, "thousand")
    sent = 0

    async def produce() -> AsyncIterator[reliability_pb2.ScoreBatchRequest]:
        nonlocal sent
        for item in items:
            sent += 1
            yield item

    answers: list[reliability_pb2.ScoreBatchResponse] = []
    async with AsyncCredenceClient(door.address, timeout_s=90, retry=NO_RETRY) as client:
        async for answer in client.score_batch(produce()):
            answers.append(answer)
            if len(answers) <= 150:
                await asyncio.sleep(0.004)  # a slow reader at first

    ids = Counter(a.item_id for a in answers)
    assert sent == 1000
    assert len(answers) == 1000
    assert set(ids) == {i.item_id for i in items}
    assert max(ids.values()) == 1
    assert all(a.report.title == a.item_id and a.cached and not a.error_reason for a in answers)
    assert door.servicer.batch_peak <= WINDOW
    assert door.servicer.batch_peak == WINDOW  # the slow reader filled the window


async def test_bad_items_get_their_own_errors_and_the_stream_goes_on(
    start_front_door: StartFrontDoor, redis_port: int
) -> None:
    door = await start_front_door(max_body_bytes=1000)
    good = cached_items(redis_port, 2, "mixed")
    request = reliability_pb2.ScoreBatchRequest
    items = [
        good[0],
        request(item_id="", url="https://example.com/a", text="t"),
        request(item_id=good[0].item_id, url=good[0].url, text=good[0].text),
        request(item_id="no-url", text="some text"),
        request(item_id="ftp", url="ftp://example.com/a", text="t"),
        request(item_id="both", url="https://example.com/a", html="<p>x</p>", text="x"),
        request(item_id="huge", url="https://example.com/a", text="x" * 1001),
        request(item_id="x" * 300, url="https://example.com/a", text="t"),
        good[1],
    ]
    async with AsyncCredenceClient(door.address, timeout_s=30, retry=NO_RETRY) as client:
        answers = [a async for a in client.score_batch(items)]
    assert len(answers) == len(items)
    errors = Counter((a.item_id[:20], a.error_reason) for a in answers if a.error_reason)
    assert errors == Counter(
        {
            ("", "ITEM_ID_EMPTY"): 1,
            (good[0].item_id, "ITEM_ID_DUPLICATE"): 1,
            ("no-url", "URL_EMPTY"): 1,
            ("ftp", "URL_UNSUPPORTED_SCHEME"): 1,
            ("both", "ARTICLE_BODY_AMBIGUOUS"): 1,
            ("huge", "BODY_TOO_LARGE"): 1,
            ("x" * 20, "ITEM_ID_TOO_LONG"): 1,
        }
    )
    assert all(a.error_message for a in answers if a.error_reason)
    done = {a.item_id for a in answers if a.report.model_version}
    assert done == {good[0].item_id, good[1].item_id}


async def test_more_items_than_the_limit_ends_the_stream(
    start_front_door: StartFrontDoor, redis_port: int
) -> None:
    door = await start_front_door(batch_max_items=5)
    items = cached_items(redis_port, 7, "limit")
    answers: list[reliability_pb2.ScoreBatchResponse] = []
    async with AsyncCredenceClient(door.address, timeout_s=30, retry=NO_RETRY) as client:
        with pytest.raises(CredenceError) as caught:
            async for answer in client.score_batch(items):
                answers.append(answer)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.reason == "BATCH_TOO_LARGE"
    assert caught.value.field_violations[0][0] == "requests"
    assert sorted(a.item_id for a in answers) == sorted(i.item_id for i in items[:5])


async def test_items_are_paced_by_the_key_quota(
    start_front_door: StartFrontDoor, redis_port: int
) -> None:
    door = await start_front_door(require_api_key=True)
    items = cached_items(redis_port, 12, "paced")
    key = door.create_key(rate=40, burst=4)
    async with AsyncCredenceClient(door.address, api_key=key, retry=NO_RETRY) as client:
        answers = [a async for a in client.score_batch(items)]
    assert sorted(a.item_id for a in answers) == sorted(i.item_id for i in items)
    assert not any(a.error_reason for a in answers)


async def test_a_key_without_refill_gets_item_quota_errors(
    start_front_door: StartFrontDoor, redis_port: int
) -> None:
    door = await start_front_door(require_api_key=True)
    items = cached_items(redis_port, 3, "norefill")
    key = door.create_key(rate=0, burst=2)  # the call takes one token, one item the other
    async with AsyncCredenceClient(door.address, api_key=key, retry=NO_RETRY) as client:
        answers = [a async for a in client.score_batch(items)]
    reasons = Counter(a.error_reason for a in answers)
    assert reasons == Counter({"": 1, "QUOTA_EXCEEDED": 2})
