"""A private PostgreSQL database on the local server for tests: created with a unique name,
dropped afterwards. The server itself is the one on 127.0.0.1:5432 (CREDENCE_TEST_PG_URL
overrides); when it does not answer, tests skip locally and fail under CI=true with the
command that starts one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

SERVER_URL = os.environ.get("CREDENCE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
START_HINT = (
    "start one with `apt-get install -y postgresql && service postgresql start` (trust auth"
    " for user postgres on 127.0.0.1), or `docker compose up -d postgres`, or point"
    " CREDENCE_TEST_PG_URL at a server"
)


def server_error() -> str | None:
    """Why the test server cannot be used, or None when it answers."""
    try:
        with psycopg.connect(SERVER_URL, connect_timeout=5):
            return None
    except psycopg.Error as error:
        return f"no PostgreSQL server at {SERVER_URL} ({str(error).strip()}); {START_HINT}"


def require_server() -> None:
    """Skips the test (fails it under CI=true) when the server does not answer."""
    error = server_error()
    if error is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(error)
    pytest.skip(error)


def database_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    return urlsplit(SERVER_URL)._replace(path=f"/{name}").geturl()


@contextmanager
def scratch_database(prefix: str = "credence_test") -> Iterator[str]:
    """A new, empty database (its URL), dropped on exit even if connections remain."""
    require_server()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(name)
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
