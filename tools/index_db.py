"""For `make run`: prints the wire index URL the stack should use. CREDENCE_INDEX_URL when
set (empty keeps the tantivy folder); else the `credence` database of the PostgreSQL server
on 127.0.0.1:5432 (created when missing) when one answers; else nothing, after saying on
stderr how to start one, and the stack falls back to the tantivy folder."""

from __future__ import annotations

import os
import sys

import psycopg
from psycopg import sql

SERVER_URL = os.environ.get("CREDENCE_PG_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
DATABASE = "credence"
START_HINT = (
    "no PostgreSQL answers on 127.0.0.1:5432; the wire index falls back to the tantivy folder."
    " For the shared index start one (`sudo apt-get install postgresql && sudo service"
    " postgresql start`, or `docker compose up -d postgres`) or set CREDENCE_INDEX_URL."
)


def index_url() -> str:
    """The URL to use, creating the database when needed; empty for the folder."""
    if "CREDENCE_INDEX_URL" in os.environ:
        return os.environ["CREDENCE_INDEX_URL"]
    try:
        with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True, connect_timeout=3) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if found.fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
                print(f"created database {DATABASE}", file=sys.stderr)
    except psycopg.Error as error:
        print(f"{START_HINT} ({str(error).strip().splitlines()[0]})", file=sys.stderr)
        return ""
    return f"{SERVER_URL}/{DATABASE}"


if __name__ == "__main__":
    url = index_url()
    if url:
        shown = psycopg.conninfo.conninfo_to_dict(url)
        shown.pop("password", None)
        print(f"wire index in PostgreSQL: {shown}", file=sys.stderr)
    print(url)
