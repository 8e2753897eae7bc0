"""Ingestion: read a source adapter into an index in batches.

Plain functions, so the Celery tasks in `tasks.py`, the CLI (`credence index build`) and
tests share one code path. Adding is idempotent (the index skips stories it holds), which
is what makes the tasks safe to retry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Protocol

from services.common import metrics
from services.matcher.sources.base import SourceAdapter, SourceError
from services.matcher.sources.local import CheckThatAdapter, Fnc1BodiesAdapter, ReutersAdapter
from services.matcher.stories import StoryRecord

_LOGGER = logging.getLogger(__name__)

BATCH = 1000
LOCAL_SOURCES = ("reuters21578", "fnc1", "checkthat")


class StorySink(Protocol):
    """Where ingested stories go: the local index, or the matcher service."""

    def add(self, documents: Iterable[StoryRecord]) -> tuple[int, int]: ...
    def commit(self) -> None: ...
    def count(self) -> int: ...


def _batches(records: Iterator[StoryRecord], size: int) -> Iterator[list[StoryRecord]]:
    while batch := list(islice(records, size)):
        yield batch


def ingest(adapter: SourceAdapter, index: StorySink, batch_size: int = BATCH) -> tuple[int, int]:
    """Adds every story of `adapter` to `index`; returns (added, skipped)."""
    added = skipped = 0
    for batch in _batches(iter(adapter.stories()), batch_size):
        a, s = index.add(batch)
        added, skipped = added + a, skipped + s
        _LOGGER.info("%s: %d added, %d skipped so far", adapter.name, added, skipped)
    index.commit()
    metrics.INDEX_STORIES.set(index.count())
    return added, skipped


def local_adapter(source: str, data_dir: Path, limit: int | None = None) -> SourceAdapter:
    """The adapter of a corpus in the data folder, by name."""
    if source == "reuters21578":
        return ReutersAdapter(data_dir / "wire" / "reuters21578", limit)
    if source == "fnc1":
        return Fnc1BodiesAdapter(data_dir / "fnc1" / "train_bodies.csv", limit)
    if source == "checkthat":
        return CheckThatAdapter(data_dir / "checkthat2020" / "verified_claims.docs.tsv", limit)
    raise SourceError(source, f"unknown local source; choose one of {', '.join(LOCAL_SOURCES)}")
