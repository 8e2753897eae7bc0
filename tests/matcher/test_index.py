"""The embedded tantivy index: adds, dedupe, BM25 search, filters, persistence, stats."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import tantivy

from services.matcher.index import TantivyIndex, WireIndex, _schema, query_terms
from services.matcher.index_text import COMMON_FROM_STORIES, split_common
from services.matcher.stories import StoryRecord
from tests.matcher.conftest import KREMLIN_STORIES


def test_is_a_wire_index(index: TantivyIndex) -> None:
    assert isinstance(index, WireIndex)
    assert index.count() == len(KREMLIN_STORIES)


def test_search_ranks_the_matching_story_first(index: TantivyIndex) -> None:
    hits = index.search("Peskov said Ukraine acted on U.S. orders", 3)
    assert hits[0].story.url.endswith("peskov-us-orders-2023-05-04")
    assert hits[0].score > 0
    assert hits[0].story.published_at == datetime(2023, 5, 4, 12, tzinfo=UTC)
    assert "Kirby" in hits[0].story.body


def test_outlet_filter(index: TantivyIndex) -> None:
    hits = index.search("drone attack Kremlin", 10, outlet="ap")
    assert hits and {h.story.outlet for h in hits} == {"AP"}
    assert index.search("drone attack Kremlin", 10, outlet="MNBC") == []


def test_date_window_filter(index: TantivyIndex) -> None:
    since, until = datetime(2023, 5, 4, tzinfo=UTC), datetime(2023, 5, 5, tzinfo=UTC)
    hits = index.search("drone attack Kremlin", 10, since=since, until=until)
    assert [h.story.url.rsplit("/", 1)[-1] for h in hits] == ["peskov-us-orders-2023-05-04"]
    assert index.search("drone Kremlin", 10, until=datetime(2023, 1, 1, tzinfo=UTC)) == []


def test_a_window_of_whole_days_finds_what_the_date_column_finds(index: TantivyIndex) -> None:
    # Whole days go through the day field, anything else through the date column.
    since, until = datetime(2023, 5, 3, tzinfo=UTC), datetime(2023, 5, 5, tzinfo=UTC)
    by_day = index.search("Kremlin drone attack", 10, since=since, until=until)
    by_column = index.search(
        "Kremlin drone attack", 10, since=since, until=until.replace(microsecond=1)
    )
    assert by_day and [h.story.id for h in by_day] == [h.story.id for h in by_column]
    assert [h.score for h in by_day] == [h.score for h in by_column]


def test_a_story_is_filed_under_its_utc_day_before_1970_too(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "old-news")
    when = datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    index.add([StoryRecord("AP", "Moon landing", "Crew back.", "t", "u:1", when)])
    day = datetime(1969, 12, 31, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC)
    assert [h.story.url for h in index.search("moon", 5, since=day[0], until=day[1])] == ["u:1"]


def test_a_folder_without_the_day_field_still_serves_windows(tmp_path: Path) -> None:
    path = tmp_path / "older"
    path.mkdir()
    tantivy.Index(_schema(days=False), path=str(path))
    older = TantivyIndex(path)
    assert older.outdated and older.stats().outdated
    older.add(KREMLIN_STORIES)
    since, until = datetime(2023, 5, 4, tzinfo=UTC), datetime(2023, 5, 5, tzinfo=UTC)
    hits = older.search("drone attack Kremlin", 10, since=since, until=until)
    assert [h.story.url.rsplit("/", 1)[-1] for h in hits] == ["peskov-us-orders-2023-05-04"]
    assert not TantivyIndex(tmp_path / "newer").stats().outdated


def test_dedupes_by_url_and_by_content(index: TantivyIndex) -> None:
    first = KREMLIN_STORIES[0]
    same_url = StoryRecord("Reuters", "Other title", "Other body", "t", url=first.url)
    same_text = StoryRecord(first.outlet, first.title, first.body, "t", url="https://x.example/2")
    new = StoryRecord("AP", "New story", "Something else entirely.", "t", url="https://x.example/3")
    assert index.add([same_url, same_text, new, new]) == (1, 3)
    assert index.count() == len(KREMLIN_STORIES) + 1


def test_queries_with_syntax_characters_do_not_fail(index: TantivyIndex) -> None:
    assert index.search('AND OR "unbalanced (quote: [x] -y +z ^2 ~', 5) == []
    assert index.search("", 5) == []
    assert query_terms("The U.S. said: Kremlin's drones!") == ["kremlins", "drones"]


def test_persists_and_reports_stats(tmp_path: Path) -> None:
    path = tmp_path / "wire"
    TantivyIndex(path).add(KREMLIN_STORIES[:2])
    reopened = TantivyIndex(path)
    assert reopened.count() == 2
    assert reopened.count("Reuters") == 1
    stats = reopened.stats()
    assert stats.stories == 2
    assert stats.by_source == {"handwritten": 2}
    assert stats.size_bytes > 0
    assert reopened.get(KREMLIN_STORIES[0].id) is not None


def test_outlet_spellings_share_one_key(index: TantivyIndex) -> None:
    story = StoryRecord("The New York Times", "Kremlin drones", "Drones over the Kremlin.", "t")
    index.add([story])
    assert index.count("NYT") == 2
    assert index.count("the new york times") == 2
    hits = index.search("Kremlin drones", 5, outlet="nytimes.com")
    assert {h.story.outlet for h in hits} == {"NYT", "The New York Times"}


def test_undated_stories_can_pass_the_window(index: TantivyIndex) -> None:
    fact_check = StoryRecord("Snopes", "Did drones hit the Kremlin?", "Kremlin drone claim.", "t")
    index.add([fact_check])
    since, until = datetime(2023, 5, 4, tzinfo=UTC), datetime(2023, 5, 5, tzinfo=UTC)
    dated = index.search("Kremlin drone", 10, since=since, until=until)
    both = index.search("Kremlin drone", 10, since=since, until=until, undated=True)
    assert "Snopes" not in {h.story.outlet for h in dated}
    assert {h.story.outlet for h in both} == {"Snopes", "Reuters"}


_HELD = {"said": 6_000, "minister": 2_000, "Kremlin": 12}
"""Stories holding each word, in an index of 10,000."""


def test_words_in_most_stories_are_common() -> None:
    words = ["Kremlin", "said", "minister", "drones"]
    assert split_common(words, lambda w: _HELD.get(w, 0), 10_000) == (
        ["said", "minister"],
        ["Kremlin", "drones"],
    )


def test_a_small_index_has_no_common_words() -> None:
    small = COMMON_FROM_STORIES - 1
    assert split_common(["said", "Kremlin"], lambda w: small, small) == ([], ["said", "Kremlin"])


def test_common_words_only_add_to_the_scores_of_stories_rarer_words_find(
    tmp_path: Path,
) -> None:
    index = TantivyIndex(tmp_path / "wire")
    filler = [
        StoryRecord(
            outlet="AP", title=f"Officials said {i}", body=f"Officials said item {i}.", source="t"
        )
        for i in range(COMMON_FROM_STORIES)
    ]
    target = StoryRecord(
        outlet="Reuters",
        title="Drones hit the Kremlin",
        body="Officials said two drones hit the Kremlin overnight.",
        source="t",
    )
    index.add([*filler, target])
    hits = index.search("officials said drones Kremlin", 5)
    assert [h.story.title for h in hits] == [target.title]
    plain = index.search("officials said", 3)
    assert len(plain) == 3
