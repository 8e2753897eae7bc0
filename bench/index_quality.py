"""Retrieval quality through `WireIndex.search` alone, for each backend on the same stories:
the tantivy folder (BM25) and PostgreSQL (BM25 in SQL over candidates from the rarest query
terms). `credence eval retrieve` ranks verified claims with its own in-memory index and
fused similarities, so it cannot tell the backends apart; this does.

- CheckThat! 2020 task 2: the verified claims are the stories, each tweet (train and dev)
  the query; MAP@5 and recall@10 against the gold pairs.
- FNC-1: the bodies are the stories, each distinct headline the query; the relevant bodies
  are those paired with it under a stance other than "unrelated"; MAP@5 and recall@10.

`python -m bench.index_quality` prints both backends and their differences and merges them
into bench/results/latest.json; `make bench` runs it too when PostgreSQL answers.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from bench.pg_scale import SERVER_URL, server_answers
from bench.stats import merge_results
from services.common.config import get_settings
from services.matcher.index import WireIndex, open_index
from services.matcher.ingest import local_adapter
from services.matcher.pg_index import PostgresIndex
from services.matcher.retrieval import map_at, read_qrels, read_queries
from services.matcher.stories import StoryRecord

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "latest.json"
DEPTH = 10


@contextmanager
def _backend(name: str, label: str) -> Iterator[WireIndex]:
    """An empty index of one backend, removed afterwards."""
    if name == "tantivy":
        with tempfile.TemporaryDirectory() as folder:
            yield open_index(Path(folder))
        return
    database = f"credence_quality_{label}"
    url = urlsplit(SERVER_URL)._replace(path=f"/{database}").geturl()
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    index = open_index(url, pool_size=1)
    try:
        yield index
    finally:
        if isinstance(index, PostgresIndex):
            index.close()
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(drop)


def _recall_at(run: dict[str, list[str]], qrels: dict[str, set[str]], k: int) -> float:
    recalls = [len(set(run.get(q, [])[:k]) & rel) / len(rel) for q, rel in qrels.items() if rel]
    return sum(recalls) / len(recalls) if recalls else 0.0


def _evaluate(
    index: WireIndex,
    stories: list[StoryRecord],
    queries: list[tuple[str, str]],
    qrels: dict[str, set[str]],
    prefix: str,
) -> dict[str, float]:
    for start in range(0, len(stories), 2000):
        index.add(stories[start : start + 2000])
    index.commit()
    run = {
        qid: [h.story.id.removeprefix(prefix) for h in index.search(text, DEPTH)]
        for qid, text in queries
    }
    return {"map5": map_at(run, qrels, 5), "recall10": _recall_at(run, qrels, DEPTH)}


def _fnc_queries(stances_csv: Path) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    """Distinct headlines (as query ids) and their related bodies."""
    qrels: dict[str, set[str]] = {}
    with stances_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            related = qrels.setdefault(row["Headline"], set())
            if row["Stance"] != "unrelated":
                related.add(row["Body ID"])
    qrels = {h: bodies for h, bodies in qrels.items() if bodies}
    return [(h, h) for h in qrels], qrels


def run() -> dict[str, Any]:
    """Both backends on both benchmarks; flat figures with the differences."""
    data = get_settings().data_dir
    checkthat = list(local_adapter("checkthat", data).stories())
    fnc_bodies = list(local_adapter("fnc1", data).stories())
    splits = {
        split: (
            read_queries(data / "checkthat2020" / split / "tweets.queries.tsv"),
            read_qrels(data / "checkthat2020" / split / "tweet-vclaim-pairs.qrels"),
        )
        for split in ("train", "dev")
    }
    fnc_queries, fnc_qrels = _fnc_queries(data / "fnc1" / "train_stances.csv")
    results: dict[str, Any] = {}
    for backend, short in (("tantivy", "tantivy"), ("postgres", "pg")):
        with _backend(backend, "checkthat") as index:
            index.add(checkthat)
            for split, (queries, qrels) in splits.items():
                got = _evaluate(index, [], queries, qrels, "checkthat2020-")
                results[f"index_quality_checkthat_{split}_map5_{short}"] = round(got["map5"], 4)
                results[f"index_quality_checkthat_{split}_recall10_{short}"] = round(
                    got["recall10"], 4
                )
        with _backend(backend, "fnc1") as index:
            got = _evaluate(index, fnc_bodies, fnc_queries, fnc_qrels, "fnc1-")
            results[f"index_quality_fnc1_map5_{short}"] = round(got["map5"], 4)
            results[f"index_quality_fnc1_recall10_{short}"] = round(got["recall10"], 4)
        print(f"  {backend} done", flush=True)
    for key in _tantivy_keys(results):
        stem = key.removesuffix("_tantivy")
        results[f"{stem}_pg_minus_tantivy"] = round(results[f"{stem}_pg"] - results[key], 4)
    return results


def _tantivy_keys(results: dict[str, Any]) -> list[str]:
    return [k for k in results if k.endswith("_tantivy") and not k.endswith("_minus_tantivy")]


def print_table(results: dict[str, Any]) -> None:
    print("\nRetrieval through WireIndex.search (top 10), tantivy vs PostgreSQL")
    print(f"  {'':<34}{'tantivy':>10}{'postgres':>10}{'pg - tan':>10}")
    for key in sorted(_tantivy_keys(results)):
        stem = key.removesuffix("_tantivy")
        name = stem.removeprefix("index_quality_")
        cells = [results[key], results[f"{stem}_pg"], results[f"{stem}_pg_minus_tantivy"]]
        print(f"  {name:<34}" + "".join(f"{c:>10.4f}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON to merge into")
    args = parser.parse_args()
    if not server_answers():
        raise SystemExit(f"no PostgreSQL server at {SERVER_URL}; see deploy/README.md")
    results = run()
    print_table(results)
    merge_results(results, args.output, REPO)


if __name__ == "__main__":
    main()
