"""What only the PostgreSQL backend has: schema migrations (from an empty database and from
the previous version, once each, safe when processes start together), several processes
writing and searching one index, and a clear error when the server is away."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import psycopg
import pytest

from services.common.config import Settings
from services.matcher.index import TantivyIndex, open_index
from services.matcher.pg_index import IndexUnavailableError, PostgresIndex
from services.matcher.pg_migrations import migrate, migrations
from services.matcher.stories import StoryRecord
from tests.matcher.conftest import KREMLIN_STORIES
from tests.matcher.pg_worker import story
from tests.support.postgres import scratch_database
from tests.support.processes import REPO


@pytest.fixture
def db_url() -> Iterator[str]:
    with scratch_database("credence_pg") as url:
        yield url


def _columns(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'stories'"
        ).fetchall()
    return {r[0] for r in rows}


def _versions(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]


def test_migrates_an_empty_database_once(db_url: str) -> None:
    latest = [m.version for m in migrations()]
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert migrate(conn) == latest
        assert migrate(conn) == []
    assert _versions(db_url) == latest
    assert {"tsv", "embedding", "publisher_domain", "text_basis"} <= _columns(db_url)
    with psycopg.connect(db_url) as conn:
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes")}
    assert {"stories_tsv_idx", "stories_published_at_idx", "stories_outlet_key_idx"} <= indexes


def test_migrates_from_the_previous_version_keeping_stories(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert migrate(conn, up_to=1) == [1]
        first = KREMLIN_STORIES[0]
        conn.execute(
            "INSERT INTO stories (id, outlet, outlet_key, source, url, title, body,"
            " published_at, content_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                first.id,
                first.outlet,
                "reuters",
                first.source,
                first.url,
                first.title,
                first.body,
                first.published_at,
                first.content_hash,
            ),
        )
    assert "embedding" not in _columns(db_url)
    index = PostgresIndex(db_url, pool_size=1)
    try:
        assert _versions(db_url) == [m.version for m in migrations()]
        assert index.get(first.id) == first
        assert index.search("Putin drones Kremlin", 1)[0].story.id == first.id
        assert index.add(KREMLIN_STORIES) == (len(KREMLIN_STORIES) - 1, 1)
    finally:
        index.close()


def test_processes_starting_together_migrate_once(db_url: str) -> None:
    def start(_: int) -> list[int]:
        with psycopg.connect(db_url, autocommit=True) as conn:
            return migrate(conn)

    with ThreadPoolExecutor(4) as pool:
        applied = list(pool.map(start, range(4)))
    assert sorted(v for versions in applied for v in versions) == [m.version for m in migrations()]
    assert _versions(db_url) == [m.version for m in migrations()]


def test_two_pools_see_each_others_stories(db_url: str) -> None:
    one, two = PostgresIndex(db_url, pool_size=1), PostgresIndex(db_url, pool_size=1)
    try:
        assert one.add([story("alpha", 0)]) == (1, 0)
        assert [h.story.source for h in two.search("alpha", 5)] == ["alpha"]
        assert two.add([story("alpha", 0), story("bravo", 0)]) == (1, 1)
        assert one.get(story("bravo", 0).id) == story("bravo", 0)
        assert one.count() == two.count() == 2
    finally:
        one.close()
        two.close()


def test_two_processes_writing_and_searching_see_each_other(db_url: str) -> None:
    count = 20
    commands = [
        [sys.executable, "-m", "tests.matcher.pg_worker", db_url, name, other, str(count)]
        for name, other in (("alpha", "bravo"), ("bravo", "alpha"))
    ]
    workers = [
        subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
        for command in commands
    ]
    outputs = [json.loads(w.communicate(timeout=120)[0].strip().splitlines()[-1]) for w in workers]
    assert [w.returncode for w in workers] == [0, 0]
    assert [o["added"] for o in outputs] == [count, count]
    assert [o["seen_of_other"] for o in outputs] == [count, count]
    index = PostgresIndex(db_url, pool_size=1)
    try:
        assert index.count() == 2 * count
        assert index.stats().by_source == {"alpha": count, "bravo": count}
    finally:
        index.close()


def test_open_index_picks_the_backend(db_url: str, tmp_path: object) -> None:
    settings = Settings(index_url=db_url)
    index = open_index(settings.index_location, settings.index_pool_size)
    assert isinstance(index, PostgresIndex)
    index.close()
    folder = Settings(index_url="", state_dir=tmp_path).index_location
    assert isinstance(open_index(folder), TantivyIndex)


def test_a_bad_index_url_is_named() -> None:
    with pytest.raises(ValueError, match="CREDENCE_INDEX_URL"):
        Settings(index_url="mysql://localhost/credence")


def test_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(IndexUnavailableError, match="cannot reach the wire index database") as got:
        PostgresIndex("postgresql://postgres:secret@127.0.0.1:1/none", connect_timeout_s=1)
    assert "secret" not in str(got.value)


def test_dates_are_stored_in_utc(db_url: str) -> None:
    index = PostgresIndex(db_url, pool_size=1)
    try:
        naive = StoryRecord("AP", "Naive date", "Body.", "t", published_at=datetime(2024, 1, 2))
        index.add([naive])
        got = index.get(naive.id)
        assert got is not None and got.published_at == datetime(2024, 1, 2, tzinfo=UTC)
    finally:
        index.close()
