"""A synthetic wire index of 100,000 stories for the benchmark, built with the matcher's own
index API from the Reuters-21578 corpus and the FNC-1 bodies: each real story is kept, and
variants recombine its sentences with another story's and move its date, so the index has
the size and vocabulary of a real wire archive. Built once into var/bench-index; reruns
reuse it."""

from __future__ import annotations

import random
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from services.matcher.index import TantivyIndex, open_index
from services.matcher.ingest import local_adapter
from services.matcher.stories import StoryRecord

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_BATCH = 10_000
_MARKER = "bench-index.done"


def _base_stories(data_dir: Path) -> list[StoryRecord]:
    stories = list(local_adapter("reuters21578", data_dir).stories())
    stories += list(local_adapter("fnc1", data_dir).stories())
    return stories


def _synthetic(base: list[StoryRecord], total: int, seed: int = 21578) -> Iterator[StoryRecord]:
    rng = random.Random(seed)
    yield from base[:total]
    variant = 0
    while len(base) * (variant + 1) < total:
        variant += 1
        for index, story in enumerate(base):
            if len(base) * variant + index >= total:
                return
            other = base[rng.randrange(len(base))]
            sentences = _SENTENCE.split(story.body) + rng.sample(
                _SENTENCE.split(other.body), k=min(2, len(_SENTENCE.split(other.body)))
            )
            rng.shuffle(sentences)
            when = story.published_at
            yield replace(
                story,
                body=" ".join(sentences),
                id=f"bench{variant}-{story.id}",
                content_hash="",
                published_at=when + timedelta(days=variant) if when else None,
            )


def ensure_index(path: Path, data_dir: Path, total: int = 100_000) -> tuple[int, float]:
    """Builds the index at `path` unless a complete one is there; returns (stories held,
    seconds spent building, 0 when reused)."""
    marker = path / _MARKER
    index = open_index(path)
    if isinstance(index, TantivyIndex) and index.outdated:
        shutil.rmtree(path)
        index = open_index(path)
    elif marker.is_file() and marker.read_text().strip() == str(total):
        return index.count(), 0.0
    start = time.perf_counter()
    batch: list[StoryRecord] = []
    for story in _synthetic(_base_stories(data_dir), total):
        # __post_init__ fills the hash of the recombined body
        batch.append(StoryRecord(**{**story.__dict__, "content_hash": ""}))
        if len(batch) >= _BATCH:
            index.add(batch)
            batch = []
    if batch:
        index.add(batch)
    marker.write_text(str(total))
    return index.count(), time.perf_counter() - start
