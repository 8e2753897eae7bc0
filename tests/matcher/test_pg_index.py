"""What only the PostgreSQL backend has: schema migrations (from an empty database and from
the previous versions, once each, safe when processes start together), ranking statistics
kept by triggers, BM25 ranking like tantivy's and its two candidate passes, several
processes writing and searching one index, and a clear error when the server is away."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from services.common.config import Settings
from services.matcher import pg_index
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


def _statistics(url: str) -> tuple[tuple[int, int, int], dict[str, tuple[int, int]]]:
    """The corpus totals and each lexeme's (title, body) document frequencies."""
    with psycopg.connect(url) as conn:
        totals = conn.execute(
            "SELECT stories, title_tokens, body_tokens FROM corpus_stats"
        ).fetchone()
        lexemes = conn.execute(
            "SELECT lexeme, title_docs, body_docs FROM lexeme_stats"
            " WHERE title_docs > 0 OR body_docs > 0"
        ).fetchall()
    assert totals is not None
    return (totals[0], totals[1], totals[2]), {r[0]: (r[1], r[2]) for r in lexemes}


def test_migrating_from_version_2_counts_the_stories_held(db_url: str) -> None:
    first = KREMLIN_STORIES[0]
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert migrate(conn, up_to=2) == [1, 2]
        conn.execute(
            "INSERT INTO stories (id, outlet, outlet_key, source, url, title, body,"
            " content_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (first.id, first.outlet, "reuters", first.source, first.url, first.title,
             first.body, first.content_hash),
        )  # fmt: skip
    index = PostgresIndex(db_url, pool_size=1)
    try:
        totals, lexemes = _statistics(db_url)
        assert totals[0] == 1 and totals[1] > 0 and totals[2] > totals[1]
        assert lexemes["kremlin"] == (1, 1) and lexemes["putin"] == (1, 1)
        assert index.search("Putin drones Kremlin", 1)[0].story.id == first.id
    finally:
        index.close()


def test_statistics_follow_inserts_and_deletes(db_url: str) -> None:
    index = PostgresIndex(db_url, pool_size=1)
    try:
        index.add(KREMLIN_STORIES)
        index.add(KREMLIN_STORIES[:2])  # duplicates change nothing
        totals, lexemes = _statistics(db_url)
        assert totals[0] == len(KREMLIN_STORIES)
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM stories WHERE id = %s", (KREMLIN_STORIES[0].id,))
            after_delete = _statistics(db_url)
            conn.execute("SELECT credence_recount_statistics()")
        assert after_delete[0][0] == len(KREMLIN_STORIES) - 1
        assert after_delete[1]["kremlin"][0] == lexemes["kremlin"][0] - 1
        assert after_delete == _statistics(db_url)
    finally:
        index.close()


def test_two_passes_find_what_scoring_every_match_finds(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = PostgresIndex(db_url, pool_size=1)
    queries = [
        "Peskov said Ukraine acted on U.S. orders",
        "Putin drones Kremlin attack",
        "interest rates Kremlin",
        "Russia says Ukraine",
    ]
    try:
        index.add(KREMLIN_STORIES)
        monkeypatch.setattr(pg_index, "_CANDIDATE_BUDGET", 10**9)
        everything = {q: index.search(q, 3) for q in queries}
        # The exact bound and the smallest first pass: the second pass must make up for it.
        monkeypatch.setattr(pg_index, "_CANDIDATE_BUDGET", 0)
        monkeypatch.setattr(pg_index, "_K1_BOUND", pg_index._K1 + 1)
        for query, expected in everything.items():
            got = index.search(query, 3)
            assert [h.story.id for h in got] == [h.story.id for h in expected], query
            assert [h.score for h in got] == pytest.approx([h.score for h in expected])
    finally:
        index.close()


def test_ranks_like_tantivy_bm25(db_url: str, tmp_path: Path) -> None:
    postgres, tantivy = PostgresIndex(db_url, pool_size=1), TantivyIndex(tmp_path / "index")
    try:
        for index in (postgres, tantivy):
            index.add(KREMLIN_STORIES)
        for query in ("Peskov said Ukraine acted on U.S. orders", "drones over the Kremlin"):
            ours, theirs = postgres.search(query, 5), tantivy.search(query, 5)
            assert [h.story.id for h in ours] == [h.story.id for h in theirs], query
            assert [h.score for h in ours] == pytest.approx([h.score for h in theirs], rel=0.1), (
                query
            )
    finally:
        postgres.close()
