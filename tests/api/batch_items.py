"""Batch items whose reports are already in the cache, so a stream of thousands is served
by the front door alone (the pipeline is covered by the stack tests)."""

from __future__ import annotations

import redis
from credence.v1 import reliability_pb2, report_pb2

from services.common.urls import canonical_url
from services.pipeline import keys
from services.scorer.weights import MODEL_VERSION

REPORT_PADDING = 8 * 1024  # big enough answers that a slow reader fills gRPC's windows


def cached_items(
    redis_port: int, count: int, prefix: str = "item"
) -> list[reliability_pb2.ScoreBatchRequest]:
    """`count` text items, each with a cached report whose title is its item id."""
    cache = redis.Redis(port=redis_port, db=1)
    items = []
    with cache.pipeline() as pipe:
        for i in range(count):
            item_id = f"{prefix}-{i}"
            url = f"https://news.example.com/{prefix}/{i}"
            text = f"Story number {i} of the {prefix} batch."
            report = report_pb2.Report(
                title=item_id,
                score=50,
                model_version=MODEL_VERSION,
                url=url,
                summary="x" * REPORT_PADDING,
            )
            key = keys.content_report_key(MODEL_VERSION, canonical_url(url), text)
            pipe.set(key, report.SerializeToString(), ex=600)
            items.append(reliability_pb2.ScoreBatchRequest(item_id=item_id, url=url, text=text))
        pipe.execute()
    return items
