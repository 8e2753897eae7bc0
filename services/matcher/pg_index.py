"""The `WireIndex` on PostgreSQL, for deployments where several matcher replicas and the
ingestion workers share one writable store that operators already back up, replicate and
partition.

Stories live in one table (`migrations/`): full-text search over a generated `tsvector`
(title positions labelled A, then body positions B) with a GIN index, and a second GIN index
on the title alone; outlet and date filters on btree-indexed columns; dedup by URL and
content hash through unique indexes and `INSERT … ON CONFLICT DO NOTHING`, so concurrent
writers never hold the same story twice. Sentence embeddings are stored per story
(`real[]`); similarity uses the `vector` extension when the server has it, else numpy in
this process.

Ranking is BM25 as in the tantivy backend (k1 1.2, b 0.75, title weighing 1.5 times the
body, each field with its own document frequencies and average length), from statistics
that triggers keep in step with the stories (`lexeme_stats`, `corpus_stats`). Scoring every
story that shares a word with the claim costs about a second at 100k stories (each score
reads the story's `tsvector`), so candidates are chosen MaxScore-style. A first pass scores
the stories holding the rarest (term, field) pairs, up to a budget of stories. A story
holding none of them can only score by the other pairs; when the k-th score found beats
their summed bounds, the first pass is the answer. Otherwise a second pass scores the other
stories holding enough of the remaining terms (conjunctions) to reach the k-th score. The
bound per pair is its weight times `_K1_BOUND`: k1 + 1 would make the top k exact, but only
short stories repeating a word come near it, and the looser bound would score thousands of
stories per common word; 1.0 (a single occurrence in a story of average length scores
0.45 x 2.2) keeps the candidates to a few thousand.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from services.matcher.index_text import cosine_similarities, query_terms
from services.matcher.outlets import canonical_outlet
from services.matcher.pg_migrations import migrate
from services.matcher.stories import IndexStats, SearchHit, StoryRecord

_LOGGER = logging.getLogger(__name__)

# BM25 as tantivy computes it, and the title boost of the tantivy backend.
_K1 = 1.2
_B = 0.75
_TITLE_BOOST = 1.5
# Candidate stories the first pass may fetch, summed over the pairs it searches by.
_CANDIDATE_BUDGET = 1500
# What a pair's weight is multiplied by at most: k1 + 1 bounds BM25's tf part exactly but
# is reached only by short stories repeating the word; a lower bound trades exactness for
# fewer candidates.
_K1_BOUND = 1.0
# The most stories a second pass scores.
_SECOND_PASS_CAP = 3000
# The most conjunctions of lexemes a second pass searches by (GIN evaluates each for
# every story holding one of their lexemes).
_MAX_CONJUNCTIONS = 48
_TITLE_TSV = "to_tsvector('english'::regconfig, title)"
_COLUMNS = (
    "id",
    "outlet",
    "source",
    "url",
    "title",
    "body",
    "published_at",
    "content_hash",
    "publisher_domain",
    "wire_origin",
    "origin_url",
    "text_basis",
)
_SELECT = ", ".join(_COLUMNS)
_CONNECT_TIMEOUT_S = 10.0


class IndexUnavailableError(RuntimeError):
    """The PostgreSQL server of the wire index cannot be reached."""


class PostgresIndex:
    """The shared `WireIndex` in a PostgreSQL database."""

    def __init__(
        self,
        url: str,
        pool_size: int = 4,
        *,
        migrate_schema: bool = True,
        connect_timeout_s: float = _CONNECT_TIMEOUT_S,
    ) -> None:
        self.url = url
        try:
            with psycopg.connect(
                url, autocommit=True, connect_timeout=max(1, round(connect_timeout_s))
            ) as conn:
                if migrate_schema:
                    migrate(conn)
                row = conn.execute(
                    "SELECT count(*) FROM pg_extension WHERE extname = 'vector'"
                ).fetchone()
        except psycopg.OperationalError as error:
            raise IndexUnavailableError(
                f"cannot reach the wire index database at {_redacted(url)}: {error}"
            ) from error
        self.has_vector = bool(row and row[0])
        self._pool: ConnectionPool[psycopg.Connection[TupleRow]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True},
            open=False,
            name="wire-index",
            timeout=connect_timeout_s,
        )
        self._pool.open(wait=True, timeout=connect_timeout_s)

    def close(self) -> None:
        """Closes the connection pool."""
        self._pool.close()

    # -- writing -----------------------------------------------------------------------

    def add(
        self,
        documents: Iterable[StoryRecord],
        embeddings: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    ) -> tuple[int, int]:
        """Inserts the stories not held yet (same URL or same content hash skip), with their
        embeddings by story id when given; visible to every process once it returns."""
        docs = list(documents)
        if not docs:
            return 0, 0
        vectors = embeddings or {}
        columns = [
            [d.id for d in docs],
            [d.outlet for d in docs],
            [canonical_outlet(d.outlet).lower() for d in docs],
            [d.source for d in docs],
            [d.url for d in docs],
            [d.title for d in docs],
            [d.body for d in docs],
            [_utc(d.published_at) for d in docs],
            [d.content_hash for d in docs],
            [d.publisher_domain for d in docs],
            [d.wire_origin for d in docs],
            [d.origin_url for d in docs],
            [int(d.text_basis) for d in docs],
        ]
        with self._pool.connection() as conn:
            rows = conn.execute(
                "INSERT INTO stories (id, outlet, outlet_key, source, url, title, body,"
                " published_at, content_hash, publisher_domain, wire_origin, origin_url,"
                " text_basis)"
                " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[],"
                " %s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::text[],"
                " %s::text[], %s::text[], %s::text[], %s::int[])"
                " ON CONFLICT DO NOTHING RETURNING id",
                columns,
            ).fetchall()
            added = [str(r[0]) for r in rows]
            if vectors:
                self._store_embeddings(conn, {i: vectors[i] for i in added if i in vectors})
        return len(added), len(docs) - len(added)

    def set_embeddings(self, embeddings: Mapping[str, Sequence[float] | np.ndarray]) -> None:
        """Stores (or replaces) the embeddings of held stories, by story id."""
        with self._pool.connection() as conn:
            self._store_embeddings(conn, embeddings)

    @staticmethod
    def _store_embeddings(
        conn: psycopg.Connection[Any], embeddings: Mapping[str, Sequence[float] | np.ndarray]
    ) -> None:
        if not embeddings:
            return
        ids = list(embeddings)
        vectors = [[float(x) for x in np.asarray(embeddings[i]).ravel()] for i in ids]
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE stories SET embedding = %s::real[] WHERE id = %s",
                list(zip(vectors, ids, strict=True)),
            )

    def commit(self) -> None:
        """Every add commits on its own; nothing is pending."""

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
        """Stories matching any query word, ranked by BM25 over title (boosted) and body,
        with optional filters."""
        terms = query_terms(query)
        if not terms or top_k <= 0:
            return []
        filters, filter_params = _filters(outlet, since, until, undated)
        with self._pool.connection() as conn:
            plan = _plan(conn, " ".join(terms))
            if plan is None:
                return []
            chosen = plan.first_pass()
            first, values = _candidates(plan.pairs[:chosen])
            if not first:
                return []
            params = {**filter_params, **values}
            rows = _scored(conn, plan, first, filters, params, top_k)
            threshold = float(rows[-1][-1]) if len(rows) == top_k else 0.0
            rest = plan.covering(chosen, threshold)
            if rest:
                params["rest"] = rest
                match = "tsv @@ %(rest)s::tsquery"
                more = _scored(conn, plan, match, filters, params, top_k, _SECOND_PASS_CAP)
                unique = {str(row[0]): row for row in [*rows, *more]}
                rows = sorted(unique.values(), key=lambda row: (-float(row[-1]), str(row[0])))
                rows = rows[:top_k]
        return [SearchHit(story=_record(row), score=float(row[-1])) for row in rows]

    def get(self, story_id: str) -> StoryRecord | None:
        """The story with this id, if held."""
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT {_SELECT} FROM stories WHERE id = %s".encode(), (story_id,)
            ).fetchone()
        return _record(row) if row else None

    def embeddings(self, story_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored embeddings of these stories (those without one are left out)."""
        if not story_ids:
            return {}
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT id, embedding FROM stories WHERE id = ANY(%s) AND embedding IS NOT NULL",
                (list(story_ids),),
            ).fetchall()
        return {str(i): np.asarray(vec, dtype=np.float32) for i, vec in rows}

    def similarities(
        self, vector: Sequence[float] | np.ndarray, story_ids: Sequence[str]
    ) -> dict[str, float]:
        """Cosine similarity of `vector` to each story's stored embedding: in the server with
        the `vector` extension, else here."""
        if not story_ids:
            return {}
        query = [float(x) for x in np.asarray(vector).ravel()]
        if self.has_vector:
            with self._pool.connection() as conn:
                rows = conn.execute(
                    "SELECT id, 1 - (embedding::vector <=> %s::real[]::vector) FROM stories"
                    " WHERE id = ANY(%s) AND embedding IS NOT NULL",
                    (query, list(story_ids)),
                ).fetchall()
            return {str(i): float(s) for i, s in rows}
        return cosine_similarities(np.asarray(query, dtype=np.float32), self.embeddings(story_ids))

    def count(self, outlet: str | None = None) -> int:
        """Stories held, in all or of one outlet."""
        with self._pool.connection() as conn:
            if outlet:
                row = conn.execute(
                    "SELECT count(*) FROM stories WHERE outlet_key = %s",
                    (canonical_outlet(outlet).lower(),),
                ).fetchone()
            else:
                row = conn.execute("SELECT count(*) FROM stories").fetchone()
        return int(row[0]) if row else 0

    def stats(self) -> IndexStats:
        """Story counts and newest publication per source, and the bytes of the stories and
        their ranking statistics (with indexes and TOAST)."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT source, count(*), max(published_at) FROM stories GROUP BY source"
            ).fetchall()
            size = conn.execute(
                "SELECT pg_total_relation_size('stories') + pg_total_relation_size('lexeme_stats')"
            ).fetchone()
        by_source = {str(s): int(n) for s, n, _ in rows}
        newest = {str(s): when.astimezone(UTC) for s, _, when in rows if when is not None}
        return IndexStats(
            stories=sum(by_source.values()),
            by_source=by_source,
            size_bytes=int(size[0]) if size else 0,
            newest_by_source=newest,
        )


@dataclass(frozen=True)
class _Pair:
    """One query lexeme in one field: its BM25 weight (query count x boost x idf), the
    stories holding it there, and the most a story can score by it."""

    lexeme: str
    title: bool
    weight: float
    docs: int

    @property
    def bound(self) -> float:
        return self.weight * _K1_BOUND


@dataclass(frozen=True)
class _Plan:
    """A query's lexemes with their field weights, and the length norms of the corpus."""

    lexemes: list[str]
    title_weights: list[float]
    body_weights: list[float]
    pairs: list[_Pair]  # rarest first
    title_norm: float  # k1 * b / average title length
    body_norm: float

    def first_pass(self) -> int:
        """How many of the rarest pairs the first pass searches by: as many as fit the
        candidate budget, at least one held by some story."""
        total = 0
        for count, pair in enumerate(self.pairs):
            if total > 0 and total + pair.docs > _CANDIDATE_BUDGET:
                return count
            total += pair.docs
        return len(self.pairs)

    def covering(self, chosen: int, threshold: float) -> str:
        """A tsquery matching (beside others) every story that holds none of the first
        `chosen` pairs yet may score `threshold` (the k-th score found, 0 when fewer than k
        were) by the other pairs: the sets of lexemes whose remaining bounds reach it, each
        as a conjunction. Empty when no such story can exist."""
        left: dict[str, float] = {}
        for pair in self.pairs[chosen:]:
            left[pair.lexeme] = left.get(pair.lexeme, 0.0) + pair.bound
        ranked = sorted(left.items(), key=lambda item: -item[1])
        if threshold <= 0:
            return _tsquery(lexeme for lexeme, _ in ranked)
        bounds = [bound for _, bound in ranked]
        sets = _reaching(bounds, threshold)
        while sets is None:  # too many: ask the stories for more than the k-th score
            threshold *= 1.25
            sets = _reaching(bounds, threshold)
        return " | ".join(
            "(" + " & ".join(_quoted(ranked[i][0]) for i in found) + ")" for found in sets
        )


def _reaching(bounds: list[float], threshold: float) -> list[list[int]] | None:
    """Every set of indexes into `bounds` (sorted, largest first) whose sum reaches
    `threshold` contains one of the returned sets; None when they would be too many."""
    suffix = [0.0] * (len(bounds) + 1)
    for i in range(len(bounds) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + bounds[i]
    found: list[list[int]] = []

    def walk(i: int, taken: list[int], total: float) -> bool:
        if total >= threshold:
            found.append(taken)
            return len(found) <= _MAX_CONJUNCTIONS
        if i == len(bounds) or total + suffix[i] < threshold:
            return True
        return walk(i + 1, [*taken, i], total + bounds[i]) and walk(i + 1, taken, total)

    return found if walk(0, [], 0.0) else None


def _idf(docs: int, total: int) -> float:
    return math.log(1 + (total - docs + 0.5) / (docs + 0.5))


def _plan(conn: psycopg.Connection[Any], text: str) -> _Plan | None:
    """The query's lexemes (as the index stems them) with their statistics; None when none
    is left or the index is empty."""
    rows = conn.execute(
        "SELECT q.lexeme, cardinality(q.positions), coalesce(s.title_docs, 0),"
        " coalesce(s.body_docs, 0), c.stories, c.title_tokens, c.body_tokens"
        " FROM unnest(to_tsvector('english'::regconfig, %s)) AS q"
        " LEFT JOIN lexeme_stats AS s ON s.lexeme = q.lexeme CROSS JOIN corpus_stats AS c",
        (text,),
    ).fetchall()
    if not rows or int(rows[0][4]) <= 0:
        return None
    stories, title_tokens, body_tokens = (int(v) for v in rows[0][4:7])
    lexemes, title_weights, body_weights, pairs = [], [], [], []
    for lexeme, count, title_docs, body_docs, *_ in rows:
        total = max(stories, int(title_docs), int(body_docs))
        title_weight = int(count) * _TITLE_BOOST * _idf(int(title_docs), total)
        body_weight = int(count) * _idf(int(body_docs), total)
        lexemes.append(str(lexeme))
        title_weights.append(title_weight)
        body_weights.append(body_weight)
        pairs.append(_Pair(str(lexeme), True, title_weight, int(title_docs)))
        pairs.append(_Pair(str(lexeme), False, body_weight, int(body_docs)))
    pairs.sort(key=lambda p: (p.docs, -p.weight))
    return _Plan(
        lexemes=lexemes,
        title_weights=title_weights,
        body_weights=body_weights,
        pairs=pairs,
        title_norm=_K1 * _B / max(title_tokens / stories, 1.0),
        body_norm=_K1 * _B / max(body_tokens / stories, 1.0),
    )


def _quoted(lexeme: str) -> str:
    """A lexeme as a tsquery operand, verbatim."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(lexemes: Iterable[str]) -> str:
    """A tsquery matching any of these (already stemmed) lexemes."""
    return " | ".join(dict.fromkeys(_quoted(x) for x in lexemes))


def _candidates(pairs: list[_Pair]) -> tuple[str, dict[str, Any]]:
    """The condition matching the stories that hold one of these pairs (on the title's
    index for title pairs), with its parameters; empty when none can match."""
    title = _tsquery(p.lexeme for p in pairs if p.title and p.docs)
    body = _tsquery(p.lexeme for p in pairs if not p.title and p.docs)
    matches = []
    if title:
        matches.append(f"{_TITLE_TSV} @@ %(title)s::tsquery")
    if body:
        matches.append("tsv @@ %(body)s::tsquery")
    return " OR ".join(matches), {"title": title, "body": body}


def _filters(
    outlet: str | None, since: datetime | None, until: datetime | None, undated: bool
) -> tuple[list[str], dict[str, Any]]:
    """The outlet and date-window conditions, with their parameters."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if outlet:
        where.append("outlet_key = %(outlet)s")
        params["outlet"] = canonical_outlet(outlet).lower()
    if since is not None or until is not None:
        window = []
        if since is not None:
            window.append("published_at >= %(since)s")
            params["since"] = _utc(since)
        if until is not None:
            window.append("published_at < %(until)s")
            params["until"] = _utc(until)
        clause = " AND ".join(window)
        where.append(f"(({clause}) OR published_at IS NULL)" if undated else clause)
    return where, params


# A story's BM25 score: each query lexeme's positions in `tsv` (the others filtered out),
# those up to `title_end` in the title, the rest in the body; tf / (tf + k1 (1 - b + b len /
# average)) per field, times the field's weight for the lexeme.
_SCORE = """(SELECT coalesce(sum(
    (%(title_weights)s::float8[])[t.i]
        * (%(k1_plus_1)s * t.a / (t.a + %(k1_free)s + %(title_norm)s * s.title_len))
    + (%(body_weights)s::float8[])[t.i]
        * (%(k1_plus_1)s * (t.n - t.a) / (t.n - t.a + %(k1_free)s + %(body_norm)s * s.body_len))
    ), 0)
  FROM unnest(ts_filter(setweight(s.tsv, 'D', %(lexemes)s::text[]), '{d}')) AS u,
    LATERAL (SELECT array_position(%(lexemes)s::text[], u.lexeme) AS i,
                    cardinality(u.positions)::float8 AS n,
                    width_bucket(least(s.title_end, 16383)::smallint, u.positions)::float8 AS a
            ) AS t)"""


def _scored(  # noqa: PLR0917 (one query's parts)
    conn: psycopg.Connection[Any],
    plan: _Plan,
    match: str,
    filters: list[str],
    params: dict[str, Any],
    top_k: int,
    cap: int | None = None,
) -> list[tuple[Any, ...]]:
    """The top `top_k` rows (with their score last) among the stories that `match`,
    filtered (the first `cap` of them found, when given)."""
    values: dict[str, Any] = {
        **params,
        "title_weights": plan.title_weights,
        "body_weights": plan.body_weights,
        "lexemes": plan.lexemes,
        "k1_plus_1": _K1 + 1,
        "k1_free": _K1 * (1 - _B),
        "title_norm": plan.title_norm,
        "body_norm": plan.body_norm,
        "top_k": top_k,
    }
    where = " AND ".join([f"({match})", *filters])
    found = f"SELECT * FROM stories WHERE {where}"
    if cap is not None:
        found += " LIMIT %(cap)s"
        values["cap"] = cap
    sql = (
        f"SELECT {_SELECT}, score FROM (SELECT s.*, {_SCORE} AS score FROM ({found}) AS s)"
        " AS c ORDER BY score DESC, id LIMIT %(top_k)s"
    )
    return [tuple(r) for r in conn.execute(sql.encode(), values).fetchall()]


def _record(row: Sequence[Any]) -> StoryRecord:
    values = dict(zip(_COLUMNS, row, strict=False))
    when = values["published_at"]
    return StoryRecord(
        outlet=values["outlet"],
        title=values["title"],
        body=values["body"],
        source=values["source"],
        url=values["url"],
        published_at=when.astimezone(UTC) if when is not None else None,
        id=values["id"],
        content_hash=values["content_hash"],
        publisher_domain=values["publisher_domain"],
        wire_origin=values["wire_origin"],
        origin_url=values["origin_url"],
        text_basis=int(values["text_basis"]),
    )


def _utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())
