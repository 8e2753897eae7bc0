"""The wire-story index: one interface, `WireIndex`, and its embedded implementation on
tantivy (BM25 over title and body, on local disk, incremental adds, outlet and date-window
filters).

Callers (the matcher, ingestion, the CLI) only see `WireIndex`; `open_index` picks the
backend: a `postgresql://` URL opens the shared one in `pg_index.py`, a folder this one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import tantivy

from services.matcher.index_text import cosine_similarities, query_terms, split_common
from services.matcher.outlets import canonical_outlet
from services.matcher.stories import IndexStats, SearchHit, StoryRecord

_LOGGER = logging.getLogger(__name__)

_WRITER_HEAP = 64 * 1024 * 1024
_BOOSTS = {"title": 1.5}
_STEMS = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)
"""The body and title fields' tokenizer (tantivy's `en_stem`), to look up a word's stories."""
_WRITER_ATTEMPTS = 40
_DAY_S = 86_400
_MAX_DAY_TERMS = 62
"""The longest window (in days) looked up through the day field; a longer one, or one that
does not start and end at midnight UTC, is filtered on the date column instead."""


@runtime_checkable
class WireIndex(Protocol):
    """What the matcher needs of an evidence index."""

    def add(
        self,
        documents: Iterable[StoryRecord],
        embeddings: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    ) -> tuple[int, int]:
        """Adds new stories, skipping those already held (same URL or same content), with
        their sentence embeddings by story id when given; returns (added, skipped). Added
        stories are searchable after `commit`."""
        ...

    def search(
        self,
        query: str,
        top_k: int,
        *,
        outlet: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        undated: bool = False,
    ) -> list[SearchHit]:
        """The `top_k` best stories for a free-text query, optionally only of one outlet and
        published within [since, until) (`undated`: stories without a date pass the window
        too, e.g. fact-checks)."""
        ...

    def get(self, story_id: str) -> StoryRecord | None:
        """The story with this id, if held."""
        ...

    def embeddings(self, story_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored embeddings of these stories (those stored without one are left out),
        so re-ranking needs no re-encoding."""
        ...

    def similarities(
        self, vector: Sequence[float] | np.ndarray, story_ids: Sequence[str]
    ) -> dict[str, float]:
        """Cosine similarity of `vector` to each of these stories' stored embeddings."""
        ...

    def count(self, outlet: str | None = None) -> int:
        """The number of stories held (of one outlet, when given)."""
        ...

    def stats(self) -> IndexStats:
        """Counts by source and size on disk."""
        ...

    def commit(self) -> None:
        """Makes added stories durable and searchable."""
        ...


_PROVENANCE = ("publisher_domain", "wire_origin", "origin_url")


def _schema(provenance: bool = True, days: bool = True) -> tantivy.Schema:
    """The index schema. Folders built before stories carried a publication day
    (`days=False`), or before they carried provenance and embeddings (`provenance=False`,
    `days=False`), still open with the fields they have.

    `published_day` (days since 1970 UTC) exists for the date window: a window of whole days
    is a handful of day terms, whose postings are skipped through alongside the query's
    words, where a range on the date column reads that column for every story."""
    builder = tantivy.SchemaBuilder()
    for name in ("id", "url", "content_hash", "outlet", "outlet_key", "source"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", fast=name == "source")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    builder.add_date_field("published_at", stored=True, indexed=True, fast=True)
    if provenance:
        for name in _PROVENANCE:
            builder.add_text_field(name, stored=True, tokenizer_name="raw")
        builder.add_integer_field("text_basis", stored=True)
        builder.add_bytes_field("embedding", stored=True)
    if days:
        builder.add_integer_field("published_day", indexed=True)
    return builder.build()


_LAYOUTS = (
    (True, True, ""),
    (True, False, "predates the day field: date windows are searched more slowly"),
    (False, False, "predates story provenance and embeddings, which it does not store"),
)
"""The schemas a folder may have, newest first: (provenance, days, what an older one lacks)."""


def _open_tantivy(path: Path) -> tuple[tantivy.Index, tantivy.Schema, bool, bool]:
    """The index at `path` with its schema, whether it holds provenance fields and whether
    it holds the day field."""
    for provenance, days, lacks in _LAYOUTS:
        schema = _schema(provenance, days)
        try:
            index = tantivy.Index(schema, path=str(path), reuse=True)
        except ValueError as error:
            if "schema does not match" not in str(error):
                raise
            continue
        if lacks:
            _LOGGER.warning("wire index at %s %s; rebuild it to fix that", path, lacks)
        return index, schema, provenance, days
    raise ValueError(f"wire index at {path} has a schema this version does not know")


class TantivyIndex:
    """The embedded `WireIndex` on a local folder."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._index, self._schema, self._provenance, self._days = _open_tantivy(path)
        self._writer: tantivy.IndexWriter | None = None
        self._lock = threading.RLock()
        self._index.reload()

    @property
    def outdated(self) -> bool:
        """Whether the folder predates the current schema (it still serves; a rebuild
        gives it what it lacks)."""
        return not (self._provenance and self._days)

    # -- writing -----------------------------------------------------------------------

    def add(
        self,
        documents: Iterable[StoryRecord],
        embeddings: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    ) -> tuple[int, int]:
        """Adds the stories not held yet (with their embeddings, by story id) and commits."""
        vectors = embeddings or {}
        added = skipped = 0
        with self._lock:
            searcher = self._index.searcher()
            seen: set[str] = set()
            writer = self._get_writer()
            for doc in documents:
                keys = {f"h:{doc.content_hash}"} | ({f"u:{doc.url}"} if doc.url else set())
                if keys & seen or self._held(searcher, doc):
                    skipped += 1
                    continue
                seen |= keys
                writer.add_document(self._document(doc, vectors.get(doc.id)))
                added += 1
            if added:
                self.commit()
        return added, skipped

    def commit(self) -> None:
        """Commits pending adds and makes them visible to searches."""
        with self._lock:
            if self._writer is not None:
                self._writer.commit()
                self._writer.wait_merging_threads()
                self._writer = None
            self._index.reload()

    def _get_writer(self) -> tantivy.IndexWriter:
        """The writer, waiting a little when another process (an ingestion worker, say)
        holds the index's single writer lock."""
        for attempt in range(_WRITER_ATTEMPTS):
            if self._writer is not None:
                break
            try:
                self._writer = self._index.writer(_WRITER_HEAP, 1)
            except ValueError:
                if attempt == _WRITER_ATTEMPTS - 1:
                    raise
                time.sleep(0.25)
        assert self._writer is not None
        return self._writer

    def _held(self, searcher: tantivy.Searcher, doc: StoryRecord) -> bool:
        checks = [("content_hash", doc.content_hash)] + ([("url", doc.url)] if doc.url else [])
        for field, value in checks:
            query = tantivy.Query.term_query(self._schema, field, value)
            if searcher.search(query, 1, count=False).hits:
                return True
        return False

    def _document(
        self, doc: StoryRecord, embedding: Sequence[float] | np.ndarray | None = None
    ) -> tantivy.Document:
        """The tantivy document of a story (public to bulk loaders such as the benchmark)."""
        out = tantivy.Document()
        out.add_text("id", doc.id)
        out.add_text("url", doc.url)
        out.add_text("content_hash", doc.content_hash)
        out.add_text("outlet", doc.outlet)
        out.add_text("outlet_key", canonical_outlet(doc.outlet).lower())
        out.add_text("source", doc.source)
        out.add_text("title", doc.title)
        out.add_text("body", doc.body)
        if doc.published_at is not None:
            published = doc.published_at.astimezone(UTC)
            out.add_date("published_at", published)
            if self._days:
                out.add_integer("published_day", _day_number(published))
        if self._provenance:
            for name in _PROVENANCE:
                out.add_text(name, str(getattr(doc, name)))
            out.add_integer("text_basis", int(doc.text_basis))
            if embedding is not None:
                out.add_bytes("embedding", np.asarray(embedding, dtype="<f4").tobytes())
        return out

    # -- reading -----------------------------------------------------------------------

    def search(
        self,
        query: str,
        top_k: int,
        *,
        outlet: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        undated: bool = False,
    ) -> list[SearchHit]:
        """BM25 over title (boosted) and body, with optional filters."""
        terms = query_terms(query)
        if not terms or top_k <= 0:
            return []
        searcher = self._index.searcher()
        text_query = self._text_query(terms, searcher)
        query_ = self._filtered(text_query, outlet, since, until, undated)
        result = searcher.search(query_, top_k)
        return [
            SearchHit(story=self._record(searcher.doc(address)), score=float(score))
            for score, address in result.hits
        ]

    def _text_query(self, terms: list[str], searcher: tantivy.Searcher) -> tantivy.Query:
        """BM25 over title (boosted) and body. In a large index the words most stories
        hold only add to the scores of the stories the query's other words find: they no
        longer find stories themselves, so their long posting lists are not read whole."""

        def held(word: str) -> int:
            return max((searcher.doc_freq("body", s) for s in _STEMS.analyze(word)), default=0)

        common, rare = split_common(terms, held, searcher.num_docs)
        if not common or not rare:
            return self._words_query(terms)
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, self._words_query(rare)),
                (tantivy.Occur.Should, self._words_query(common)),
            ]
        )

    def _words_query(self, words: list[str]) -> tantivy.Query:
        return self._index.parse_query(" ".join(words), ["title", "body"], field_boosts=_BOOSTS)

    def _filtered(
        self,
        text_query: tantivy.Query,
        outlet: str | None,
        since: datetime | None,
        until: datetime | None,
        undated: bool = False,
    ) -> tantivy.Query:
        clauses = [(tantivy.Occur.Must, text_query)]
        if outlet:
            term = tantivy.Query.term_query(
                self._schema, "outlet_key", canonical_outlet(outlet).lower()
            )
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(term, 0.0)))
        if since is not None or until is not None:
            window = self._window_query(_utc(since), _utc(until))
            if undated:
                no_date = tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Must, tantivy.Query.all_query()),
                        (tantivy.Occur.MustNot, tantivy.Query.exists_query("published_at")),
                    ]
                )
                window = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, window), (tantivy.Occur.Should, no_date)]
                )
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(window, 0.0)))
        return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    def _window_query(self, since: datetime | None, until: datetime | None) -> tantivy.Query:
        """Stories published in [since, until): through the day field when the window is
        whole days, else on the date column."""
        days = _whole_days(since, until) if self._days else None
        if days is not None:
            terms = (tantivy.Query.term_query(self._schema, "published_day", d) for d in days)
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
        return tantivy.Query.range_query(
            self._schema,
            "published_at",
            tantivy.FieldType.Date,
            since,
            until,
            include_upper=until is None,
        )

    def get(self, story_id: str) -> StoryRecord | None:
        """The story with this id, if held."""
        searcher = self._index.searcher()
        query = tantivy.Query.term_query(self._schema, "id", story_id)
        hits = searcher.search(query, 1).hits
        return self._record(searcher.doc(hits[0][1])) if hits else None

    def embeddings(self, story_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored embeddings of these stories."""
        searcher = self._index.searcher()
        out: dict[str, np.ndarray] = {}
        for story_id in dict.fromkeys(story_ids):
            query = tantivy.Query.term_query(self._schema, "id", story_id)
            hits = searcher.search(query, 1).hits
            stored = searcher.doc(hits[0][1]).to_dict().get("embedding") if hits else None
            if stored:
                out[story_id] = np.frombuffer(bytes(stored[0]), dtype="<f4").copy()
        return out

    def similarities(
        self, vector: Sequence[float] | np.ndarray, story_ids: Sequence[str]
    ) -> dict[str, float]:
        """Cosine similarity of `vector` to each story's stored embedding."""
        return cosine_similarities(np.asarray(vector, dtype=np.float32), self.embeddings(story_ids))

    def count(self, outlet: str | None = None) -> int:
        """Stories held, in all or of one outlet."""
        searcher = self._index.searcher()
        if not outlet:
            return int(searcher.num_docs)
        query = tantivy.Query.term_query(
            self._schema, "outlet_key", canonical_outlet(outlet).lower()
        )
        result = searcher.search(query, 1, count=True)
        return int(getattr(result, "count", 0) or 0)

    def stats(self) -> IndexStats:
        """Story counts per source and bytes on disk."""
        searcher = self._index.searcher()
        by_source: dict[str, int] = {}
        newest: dict[str, datetime] = {}
        if searcher.num_docs:
            agg = searcher.aggregate(
                tantivy.Query.all_query(),
                {
                    "sources": {
                        "terms": {"field": "source", "size": 1000},
                        "aggs": {"newest": {"max": {"field": "published_at"}}},
                    }
                },
            )
            for bucket in agg["sources"]["buckets"]:
                by_source[str(bucket["key"])] = int(bucket["doc_count"])
                newest_ns = (bucket.get("newest") or {}).get("value")
                if newest_ns is not None:
                    newest[str(bucket["key"])] = datetime.fromtimestamp(newest_ns / 1e9, UTC)
        size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        return IndexStats(
            stories=int(searcher.num_docs),
            by_source=by_source,
            size_bytes=size,
            newest_by_source=newest,
            outdated=self.outdated,
        )

    @staticmethod
    def _record(doc: tantivy.Document) -> StoryRecord:
        values = doc.to_dict()

        def first(name: str) -> str:
            got = values.get(name) or [""]
            return str(got[0])

        basis = values.get("text_basis") or [0]
        published = values.get("published_at")
        when = published[0] if published else None
        if isinstance(when, datetime) and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return StoryRecord(
            outlet=first("outlet"),
            title=first("title"),
            body=first("body"),
            source=first("source"),
            url=first("url"),
            published_at=when,
            id=first("id"),
            content_hash=first("content_hash"),
            publisher_domain=first("publisher_domain"),
            wire_origin=first("wire_origin"),
            origin_url=first("origin_url"),
            text_basis=int(basis[0]),
        )


def _whole_days(since: datetime | None, until: datetime | None) -> range | None:
    """The days since 1970 that [since, until) covers, when both are midnights UTC and the
    window holds 1 to `_MAX_DAY_TERMS` days."""
    if since is None or until is None:
        return None
    if any(t.hour or t.minute or t.second or t.microsecond for t in (since, until)):
        return None
    first, end = _day_number(since), _day_number(until)
    return range(first, end) if 0 < end - first <= _MAX_DAY_TERMS else None


def _day_number(when: datetime) -> int:
    """The UTC day `when` falls on, counted from 1 January 1970 (earlier days negative)."""
    return int(when.timestamp() // _DAY_S)


def _utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def is_database_url(location: str | Path) -> bool:
    """Whether an index location names a PostgreSQL database rather than a folder."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_index(location: str | Path, pool_size: int = 4) -> WireIndex:
    """Opens the wire index at `location`: a `postgresql://` URL opens the shared database
    (migrating its schema), anything else the embedded folder (created if needed)."""
    if is_database_url(location):
        from services.matcher.pg_index import PostgresIndex

        index = PostgresIndex(str(location), pool_size)
        _LOGGER.info("opened wire index in PostgreSQL (vector extension: %s)", index.has_vector)
        return index
    _LOGGER.info("opening wire index at %s", location)
    return TantivyIndex(Path(location))
