"""The PostgreSQL wire index's schema, as plain numbered SQL files in `migrations/` applied at
start: each file once, in its own transaction, recorded in `schema_migrations`. A session
advisory lock makes processes that start together (several matchers, an ingestion worker)
apply them one after the other instead of racing."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

_LOGGER = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# An arbitrary constant shared by every process that migrates the wire index.
ADVISORY_LOCK_KEY = 0x43524544_57495245 & 0x7FFFFFFFFFFFFFFF
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations of `directory`, in version order."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} is not named NNNN_words.sql")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations in {directory} share a version number")
    return found


def applied_versions(conn: psycopg.Connection) -> set[int]:
    """The versions recorded as applied (none when the table does not exist yet)."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return set()
    return {int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}


def migrate(
    conn: psycopg.Connection, up_to: int | None = None, directory: Path = MIGRATIONS_DIR
) -> list[int]:
    """Applies the pending migrations (up to version `up_to`, when given) on an autocommit
    connection; returns the versions applied now."""
    done: list[int] = []
    conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        applied = applied_versions(conn)
        for migration in migrations(directory):
            if migration.version in applied or (up_to is not None and migration.version > up_to):
                continue
            with conn.transaction():
                conn.execute(migration.sql.encode("utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
            _LOGGER.info("applied wire index migration %s", migration.name)
            done.append(migration.version)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    return done
