"""Ingestion: the plain `ingest` function is idempotent, and the Celery tasks run it, retry
transient failures (rate limits included) and never retry bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery, Task
from celery.exceptions import Retry

from services.common.config import Settings
from services.matcher import tasks
from services.matcher.index import TantivyIndex
from services.matcher.ingest import ingest, local_adapter
from services.matcher.sources.base import RateLimitedError, SourceError
from services.matcher.stories import StoryRecord
from tests.matcher.conftest import KREMLIN_STORIES


class ListAdapter:
    name = "list"

    def __init__(self, stories: list[StoryRecord]) -> None:
        self._stories = stories

    def stories(self) -> Iterator[StoryRecord]:
        return iter(self._stories)


def test_ingest_is_idempotent(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "index")
    assert ingest(ListAdapter(KREMLIN_STORIES), index, batch_size=2) == (5, 0)
    assert ingest(ListAdapter(KREMLIN_STORIES), index, batch_size=2) == (0, 5)
    assert index.count() == 5


def test_unknown_local_source(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown local source"):
        local_adapter("bbc", tmp_path)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Celery:
    data = tmp_path / "data"
    (data / "checkthat2020").mkdir(parents=True)
    (data / "checkthat2020" / "verified_claims.docs.tsv").write_text(
        "\tvclaim\ttitle\n0\tClaim zero.\tTitle zero\n1\tClaim one.\tTitle one\n"
    )
    index = TantivyIndex(tmp_path / "index")
    monkeypatch.setattr(tasks, "_index", lambda: index)
    monkeypatch.setattr(tasks, "get_settings", lambda: Settings(data_dir=data, state_dir=tmp_path))
    celery = Celery("test", set_as_current=False)
    celery.conf.update(task_always_eager=True, task_eager_propagates=True)
    return celery


def ingest_tasks(app: Celery) -> dict[str, Task]:
    """The ingestion tasks the app holds, by source (they are shared tasks)."""
    prefix = "credence.matcher.ingest_"
    return {
        name.removeprefix(prefix): t for name, t in app.tasks.items() if name.startswith(prefix)
    }


def test_local_task_runs(app: Celery) -> None:
    registered = ingest_tasks(app)
    assert set(registered) == {"rss", "nyt", "gdelt", "local"}
    assert registered["local"].acks_late
    assert registered["local"].name == "credence.matcher.ingest_local"
    assert registered["local"].delay("checkthat").get() == {"added": 2, "skipped": 0}
    assert registered["local"].delay("checkthat").get() == {"added": 0, "skipped": 2}


def test_tasks_retry_only_transient_errors(app: Celery, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def limited(url: str, outlet: str) -> dict[str, int]:
        calls.append(url)
        raise RateLimitedError("rss", "429", retry_after_s=1)

    def bad(source: str, limit: int | None = None) -> dict[str, int]:
        calls.append(source)
        raise SourceError("local", "bad input")

    monkeypatch.setattr(tasks, "ingest_rss", limited)
    monkeypatch.setattr(tasks, "ingest_local", bad)
    registered = ingest_tasks(app)
    with pytest.raises(Retry) as retry:
        registered["rss"].delay("https://feed.example/rss", "Reuters").get()
    assert retry.value.when == 1  # the wait the source asked for
    assert isinstance(retry.value.exc, RateLimitedError)
    calls.clear()
    with pytest.raises(SourceError):
        registered["local"].delay("nope").get()
    assert calls == ["nope"]
