"""The `WireIndex` on PostgreSQL, for deployments where several matcher replicas and the
ingestion workers share one writable store that operators already back up, replicate and
partition.

Stories live in one table (`migrations/`): full-text search over a generated `tsvector`
(title weighted A above body B) with a GIN index, ranked by `ts_rank_cd`; outlet and date
filters on btree-indexed columns; dedup by URL and content hash through unique indexes and
`INSERT … ON CONFLICT DO NOTHING`, so concurrent writers never hold the same story twice.
Sentence embeddings are stored per story (`real[]`); similarity uses the `vector`
extension when the server has it, else numpy in this process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
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

# ts_rank_cd weights of the D, C, B and A labels: title (A) counts 1.5 times the body (B),
# the title boost of the tantivy backend. Normalisation 1 divides by 1 + log(length).
_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 0.6}"
_RANK_NORMALIZATION = 1
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
        """Stories matching any query word, ranked by `ts_rank_cd`, with optional filters."""
        terms = query_terms(query)
        if not terms or top_k <= 0:
            return []
        where = ["tsv @@ q"]
        params: list[Any] = [_RANK_WEIGHTS, _RANK_NORMALIZATION, " | ".join(terms)]
        if outlet:
            where.append("outlet_key = %s")
            params.append(canonical_outlet(outlet).lower())
        if since is not None or until is not None:
            window = []
            if since is not None:
                window.append("published_at >= %s")
                params.append(_utc(since))
            if until is not None:
                window.append("published_at <= %s")
                params.append(_utc(until))
            clause = " AND ".join(window)
            where.append(f"(({clause}) OR published_at IS NULL)" if undated else clause)
        params.append(top_k)
        sql = (
            f"SELECT {_SELECT}, ts_rank_cd(%s::float4[], tsv, q, %s) AS score"
            " FROM stories, to_tsquery('english'::regconfig, %s) AS q"
            f" WHERE {' AND '.join(where)}"
            " ORDER BY score DESC, id LIMIT %s"
        )
        with self._pool.connection() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
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
        """Story counts and newest publication per source, and the table's bytes (with its
        indexes and TOAST)."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT source, count(*), max(published_at) FROM stories GROUP BY source"
            ).fetchall()
            size = conn.execute("SELECT pg_total_relation_size('stories')").fetchone()
        by_source = {str(s): int(n) for s, n, _ in rows}
        newest = {str(s): when.astimezone(UTC) for s, _, when in rows if when is not None}
        return IndexStats(
            stories=sum(by_source.values()),
            by_source=by_source,
            size_bytes=int(size[0]) if size else 0,
            newest_by_source=newest,
        )


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
