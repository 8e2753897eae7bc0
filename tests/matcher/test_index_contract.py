"""The contract every `WireIndex` backend keeps, run against each: the embedded tantivy
folder and PostgreSQL (a database of the local server, created for the session). Adds,
dedup, counts, stats, ranking basics, outlet and date filters, undated stories, provenance
and embeddings round trips."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg
import pytest

from services.matcher.index import TantivyIndex, WireIndex, open_index
from services.matcher.pg_index import PostgresIndex
from services.matcher.stories import StoryRecord
from tests.matcher.conftest import KREMLIN_STORIES
from tests.support.postgres import scratch_database


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with scratch_database("credence_contract") as url:
        yield url


@pytest.fixture(params=["tantivy", "postgres"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WireIndex]:
    if request.param == "tantivy":
        yield TantivyIndex(tmp_path / "index")
        return
    url = request.getfixturevalue("pg_url")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    index = open_index(url, pool_size=2)
    assert isinstance(index, PostgresIndex)
    yield index
    index.close()


@pytest.fixture
def wire(empty: WireIndex) -> WireIndex:
    empty.add(KREMLIN_STORIES)
    empty.commit()
    return empty


def _slugs(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.story.url.rsplit("/", 1)[-1] for h in hits]


def test_is_a_wire_index_and_counts(wire: WireIndex) -> None:
    assert isinstance(wire, WireIndex)
    assert wire.count() == len(KREMLIN_STORIES)
    assert wire.count("Reuters") == 3
    assert wire.count("reuters.com") == 3
    assert wire.count("MSNBC") == 0


def test_the_matching_story_ranks_first(wire: WireIndex) -> None:
    hits = wire.search("Peskov said Ukraine acted on U.S. orders", 3)
    assert _slugs(hits)[0] == "peskov-us-orders-2023-05-04"
    assert hits[0].score > 0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    story = hits[0].story
    assert story.published_at == datetime(2023, 5, 4, 12, tzinfo=UTC)
    assert "Kirby" in story.body
    assert story == KREMLIN_STORIES[3]


def test_any_query_word_matches_and_top_k_cuts(wire: WireIndex) -> None:
    assert _slugs(wire.search("interest rates", 5)) == ["rates-2023-05-03"]
    assert len(wire.search("Kremlin", 2)) == 2
    assert len(wire.search("Kremlin basis", 10)) == 5
    assert wire.search("Kremlin", 0) == []


def test_title_words_weigh_more_than_body_words(empty: WireIndex) -> None:
    in_title = StoryRecord(
        "AP", "Volcano erupts", "Ash fell on nearby towns today.", "t", url="u:1"
    )
    in_body = StoryRecord("AP", "Ash falls on towns", "A volcano erupted today.", "t", url="u:2")
    empty.add([in_body, in_title])
    empty.commit()
    assert [h.story.url for h in empty.search("volcano", 2)] == ["u:1", "u:2"]


def test_stems_words(wire: WireIndex) -> None:
    assert "rates-2023-05-03" in _slugs(wire.search("raising rate", 5))


def test_outlet_filter(wire: WireIndex) -> None:
    hits = wire.search("drone attack Kremlin", 10, outlet="ap")
    assert hits and {h.story.outlet for h in hits} == {"AP"}
    assert wire.search("drone attack Kremlin", 10, outlet="MNBC") == []


def test_date_window_filter(wire: WireIndex) -> None:
    since, until = datetime(2023, 5, 4, tzinfo=UTC), datetime(2023, 5, 5, tzinfo=UTC)
    hits = wire.search("drone attack Kremlin", 10, since=since, until=until)
    assert _slugs(hits) == ["peskov-us-orders-2023-05-04"]
    assert wire.search("drone Kremlin", 10, until=datetime(2023, 1, 1, tzinfo=UTC)) == []
    assert len(wire.search("drone Kremlin", 10, since=datetime(2023, 5, 3, tzinfo=UTC))) == 4
    naive = wire.search("drone attack Kremlin", 10, since=datetime(2023, 5, 4), until=until)
    assert _slugs(naive) == ["peskov-us-orders-2023-05-04"]


def test_a_window_holds_its_first_instant_and_not_its_end(empty: WireIndex) -> None:
    def story(slug: str, when: datetime) -> StoryRecord:
        return StoryRecord("AP", "Volcano erupts", f"Ash fell {slug}.", "t", f"u:{slug}", when)

    empty.add(
        [
            story("before", datetime(2023, 5, 3, 23, 59, 59, tzinfo=UTC)),
            story("first", datetime(2023, 5, 4, tzinfo=UTC)),
            story("last", datetime(2023, 5, 5, 23, 59, 59, 999000, tzinfo=UTC)),
            story("end", datetime(2023, 5, 6, tzinfo=UTC)),
        ]
    )
    empty.commit()
    since, until = datetime(2023, 5, 4, tzinfo=UTC), datetime(2023, 5, 6, tzinfo=UTC)
    whole_days = empty.search("volcano", 10, since=since, until=until)
    assert sorted(h.story.url for h in whole_days) == ["u:first", "u:last"]
    from_noon = empty.search("volcano", 10, since=since.replace(hour=12), until=until)
    assert [h.story.url for h in from_noon] == ["u:last"]
    open_ended = empty.search("volcano", 10, since=until)
    assert [h.story.url for h in open_ended] == ["u:end"]


def test_undated_stories_can_pass_the_window(wire: WireIndex) -> None:
    fact_check = StoryRecord("Snopes", "Did drones hit the Kremlin?", "Kremlin drone claim.", "t")
    wire.add([fact_check])
    wire.commit()
    since, until = datetime(2023, 5, 4, tzinfo=UTC), datetime(2023, 5, 5, tzinfo=UTC)
    dated = wire.search("Kremlin drone", 10, since=since, until=until)
    both = wire.search("Kremlin drone", 10, since=since, until=until, undated=True)
    assert "Snopes" not in {h.story.outlet for h in dated}
    assert {h.story.outlet for h in both} == {"Snopes", "Reuters"}
    assert "Snopes" in {h.story.outlet for h in wire.search("Kremlin drone", 10)}


def test_dedupes_by_url_and_by_content(wire: WireIndex) -> None:
    first = KREMLIN_STORIES[0]
    same_url = StoryRecord("Reuters", "Other title", "Other body", "t", url=first.url)
    same_text = StoryRecord(first.outlet, first.title, first.body, "t", url="https://x.example/2")
    new = StoryRecord("AP", "New story", "Something else entirely.", "t", url="https://x.example/3")
    assert wire.add([same_url, same_text, new, new]) == (1, 3)
    assert wire.add(KREMLIN_STORIES) == (0, len(KREMLIN_STORIES))
    assert wire.add([]) == (0, 0)
    wire.commit()
    assert wire.count() == len(KREMLIN_STORIES) + 1


def test_stories_without_url_dedupe_by_content(empty: WireIndex) -> None:
    one = StoryRecord("AP", "Same", "Same text.", "t")
    two = StoryRecord("AP", "Other", "Other text.", "t")
    assert empty.add([one, two]) == (2, 0)
    assert empty.add([StoryRecord("AP", "Same", "Same   TEXT.", "t")]) == (0, 1)


def test_queries_with_syntax_characters_do_not_fail(wire: WireIndex) -> None:
    assert wire.search('AND OR "unbalanced (quote: [x] -y +z ^2 ~', 5) == []
    assert wire.search("'; DROP TABLE stories; -- | & ! <-> :*", 5) == []
    assert wire.search("", 5) == []
    assert wire.search("the of and", 5) == []
    assert wire.count() == len(KREMLIN_STORIES)


def test_stats(wire: WireIndex) -> None:
    wire.add([StoryRecord("Snopes", "Undated", "No date here.", "factcheck")])
    wire.commit()
    stats = wire.stats()
    assert stats.stories == len(KREMLIN_STORIES) + 1
    assert stats.by_source == {"handwritten": len(KREMLIN_STORIES), "factcheck": 1}
    assert stats.newest_by_source == {"handwritten": datetime(2023, 5, 4, 12, tzinfo=UTC)}
    assert stats.size_bytes > 0


def test_get(wire: WireIndex) -> None:
    assert wire.get(KREMLIN_STORIES[1].id) == KREMLIN_STORIES[1]
    assert wire.get("no-such-id") is None


def test_provenance_round_trips(empty: WireIndex) -> None:
    story = StoryRecord(
        "Reuters",
        "Ships collide off Singapore",
        "(Reuters) - Two tankers collided off Singapore on Monday.",
        "gdelt",
        url="https://irishexaminer.com/world/ships-collide",
        publisher_domain="irishexaminer.com",
        wire_origin="Reuters",
        origin_url="https://reuters.example/ships-collide",
        text_basis=3,
    )
    empty.add([story])
    empty.commit()
    assert empty.search("tankers collided", 1)[0].story == story
    assert empty.get(story.id) == story


def test_embeddings_are_stored_and_compared(empty: WireIndex) -> None:
    one, two, three = KREMLIN_STORIES[:3]
    vectors = {one.id: np.array([1.0, 0.0, 0.0]), two.id: [0.6, 0.8, 0.0]}
    assert empty.add([one, two, three], embeddings=vectors) == (3, 0)
    empty.commit()
    got = empty.embeddings([one.id, two.id, three.id, "missing"])
    assert set(got) == {one.id, two.id}
    np.testing.assert_allclose(got[two.id], [0.6, 0.8, 0.0], rtol=1e-6)
    assert got[one.id].dtype == np.float32
    sims = empty.similarities([0.0, 1.0, 0.0], [one.id, two.id, three.id])
    assert set(sims) == {one.id, two.id}
    assert sims[one.id] == pytest.approx(0.0, abs=1e-6)
    assert sims[two.id] == pytest.approx(0.8, abs=1e-6)
    assert empty.embeddings([]) == {}
