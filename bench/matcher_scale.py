"""How the matcher's cost grows with the wire index: per-claim match latency (retrieval of
the top 20 stories in the event's date window, the same-event judge, stance on the top 10)
and retrieval alone (top 10 over all dates) at 10k, 100k and 1M indexed stories, the ingest
rate, index bytes per story and the process's resident memory.

`python -m bench.matcher_scale [--sizes 10000,100000,1000000]` runs it alone; `make bench`
(`python -m bench`) runs it too and merges its figures into bench/results/latest.json.

The corpora are synthetic, scaled from Reuters-21578 and the FNC-1 bodies the way
bench/wire_index.py scales them (real stories recombined with another story's sentences,
with moved dates and new ids). Each index is built once into var/bench-index-<size>;
reruns reuse it. Building and measuring each run in a child process of their own, so the
resident memory reported for one size is not inflated by a build or by a larger index.

Up to `--bulk-above` stories (100k by default) an index is built through the matcher's own
`WireIndex.add` in batches (duplicate checks and a commit per batch), which is the ingest
rate reported. Larger indexes are built with the same documents but through one tantivy
writer with a large heap and a single commit, when the rate measured on the smaller build
says the ordinary path would take longer than `--budget-s`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.stats import merge_results, percentile
from bench.wire_index import _base_stories, _synthetic
from services.common.config import get_settings
from services.matcher.index import TantivyIndex, open_index
from services.matcher.stories import StoryRecord

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "latest.json"
SAMPLE = "samples/globalresearch-kremlin-drone-2023.txt"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
TOP_K = 10
CLAIMS = 50
ROUNDS = 3
_BATCH = 10_000
_BULK_HEAP = 1024 * 1024 * 1024
_MARKER = "bench-index.done"


def size_label(size: int) -> str:
    """10000 -> "10k", 1000000 -> "1m"."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def index_dir(size: int) -> Path:
    return REPO / "var" / f"bench-index-{size_label(size)}"


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _rss_mb() -> float:
    """The process's current resident set (VmRSS), in MiB; the peak where /proc is absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stories(base: list[StoryRecord], total: int) -> Iterator[StoryRecord]:
    """The synthetic corpus, generated lazily (only the ~21k real stories are held)."""
    return _synthetic(base, total)


# -- building ------------------------------------------------------------------------------


def _build(size: int, bulk: bool) -> dict[str, Any]:
    """Builds var/bench-index-<size> (in a child process); returns its build figures."""
    path = index_dir(size)
    if path.exists():
        for old in path.iterdir():
            old.unlink()
    base = _base_stories(get_settings().data_dir)  # read before the clock starts
    start = time.perf_counter()
    index = TantivyIndex(path)
    if bulk:
        # One writer, a large heap, one commit: the way to load a big archive in one go.
        # The synthetic stories are distinct by construction, so no duplicate checks.
        writer = index._index.writer(_BULK_HEAP, 2)
        for story in _stories(base, size):
            writer.add_document(index._document(story))
        writer.commit()
        writer.wait_merging_threads()
        index._index.reload()
    else:
        batch: list[StoryRecord] = []
        for story in _stories(base, size):
            batch.append(story)
            if len(batch) >= _BATCH:
                index.add(batch)
                batch = []
        if batch:
            index.add(batch)
    seconds = time.perf_counter() - start
    count = index.count()
    info: dict[str, Any] = {"size": size, "stories": count, "seconds": seconds, "bulk": bulk}
    (path / _MARKER).write_text(json.dumps(info))
    return info


def ensure_built(size: int, bulk: bool) -> tuple[dict[str, Any], bool]:
    """The build figures of var/bench-index-<size>, building it first unless a complete
    one is there; the flag says whether it was built now."""
    marker = index_dir(size) / _MARKER
    if marker.is_file():
        try:
            info = json.loads(marker.read_text())
        except ValueError:
            info = {}
        complete = info.get("size") == size and info.get("stories")
        if complete and not TantivyIndex(index_dir(size)).outdated:
            return info, False
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_build, (size, bulk)), True


# -- measuring ----------------------------------------------------------------------------


def _claim_sentences(count: int) -> list[str]:
    """Check-worthy sentences: the sample article's claims, then Reuters sentences the
    claims model calls check-worthy, `count` in all (deterministic)."""
    from services.matcher.claims import CheckWorthinessModel
    from services.matcher.core import is_candidate
    from services.matcher.textutil import sentences

    settings = get_settings()
    model = CheckWorthinessModel.load()
    text = (settings.data_dir / SAMPLE).read_text(encoding="utf-8")
    found: list[str] = []

    def take(pool: list[str]) -> None:
        pool = [s for s in pool if is_candidate(s) and s not in found]
        if pool:
            scores = model.scores(pool)
            found.extend(s for s, p in zip(pool, scores, strict=True) if p >= model.threshold)

    take(sentences(text))
    found = found[: count // 2]
    base = [s for s in _base_stories(settings.data_dir) if s.source == "reuters21578"]
    rng = random.Random(4)
    while len(found) < count:
        take([sentences(story.body)[0] for story in rng.sample(base, 200) if story.body])
    return found[:count]


def _coverage(claim: str, index: Any) -> Any:
    """What a claim is matched within, as the matcher builds it for an article: the date
    window of an article published the day of the index's best story for the claim (two
    days before to a week after; at 1M stories such windows hold up to 135,000, 75,000 at
    the median, as the synthetic dates crowd into 1987's busy months), and the claim's
    entities for the same-event judge. The window is what the matcher searches for every claim; a
    search over all dates is not one it makes (the retrieval figures are that search)."""
    from services.matcher.core import EVENT_ENTITIES, _Coverage
    from services.matcher.entities import ranked_entities
    from services.matcher.wire.query import EventQuery, window
    from services.matcher.wire.search import SearchResult

    best = index.search(claim, 1)
    published = best[0].story.published_at if best else None
    since, until = window(published)
    names = frozenset(ranked_entities([claim])[:EVENT_ENTITIES])
    return _Coverage(EventQuery((), since, until), SearchResult(()), True, names)


def _measure(size: int, claims: list[str], rounds: int) -> dict[str, Any]:
    """Opens var/bench-index-<size> (in a child process) and times per-claim matching:
    retrieval in the event's window, the same-event judge, stance on the top stories."""
    from services.matcher.claims import CheckWorthinessModel
    from services.matcher.core import Matcher, _Candidate
    from services.matcher.stance import StanceModel

    settings = get_settings()
    claims_model = CheckWorthinessModel.load()
    stance_model = StanceModel.load()
    rss_models = _rss_mb()
    start = time.perf_counter()
    index = open_index(index_dir(size))
    open_s = time.perf_counter() - start
    matcher = Matcher(settings, index, claims_model=claims_model, stance_model=stance_model)
    candidates = [
        (_Candidate(i, text, 1.0), _coverage(text, index)) for i, text in enumerate(claims)
    ]
    # A warm-up pass over every claim (readers, caches, the index's pages); its retrieval
    # times are kept apart as the first, possibly cold, query of each claim.
    first: list[float] = []
    for candidate, coverage in candidates:
        t0 = time.perf_counter()
        index.search(candidate.text, TOP_K, undated=True)
        first.append(time.perf_counter() - t0)
        matcher._claim_evidence(candidate, TOP_K, coverage, {})
    latencies: list[float] = []
    retrieval: list[float] = []
    evidence = 0
    for _ in range(rounds):
        for candidate, coverage in candidates:
            t0 = time.perf_counter()
            index.search(candidate.text, TOP_K, undated=True)
            t1 = time.perf_counter()
            out = matcher._claim_evidence(candidate, TOP_K, coverage, {})
            t2 = time.perf_counter()
            retrieval.append(t1 - t0)
            latencies.append(t2 - t1)
            evidence += len(out.evidence)
    return {
        "stories": index.count(),
        "index_bytes": _dir_bytes(index_dir(size)),
        "open_s": open_s,
        "latencies": latencies,
        "retrieval": retrieval,
        "retrieval_first": first,
        "evidence_per_claim": evidence / len(latencies),
        "rss_mb": _rss_mb(),
        "rss_models_mb": rss_models,
    }


# -- the run -------------------------------------------------------------------------------


def run(
    sizes: list[int], budget_s: float = 480.0, bulk_above: int = 100_000, rounds: int = ROUNDS
) -> dict[str, Any]:
    """Builds (or reuses) each index, measures it, and returns the flat figures."""
    results: dict[str, Any] = {}
    rate = 0.0  # stories/s of the ordinary add path, once measured
    builds: dict[str, Any] = {}
    for size in sorted(sizes):
        label = size_label(size)
        bulk = False
        if size > bulk_above:
            projected = size / rate if rate else float("inf")
            bulk = projected > budget_s
            if rate:
                print(f"  {label}: add path would take ~{projected:.0f}s; bulk={bulk}", flush=True)
        print(f"index {label}: {index_dir(size).relative_to(REPO)} ...", flush=True)
        info, built = ensure_built(size, bulk)
        per_s = info["stories"] / info["seconds"] if info.get("seconds") else 0.0
        if not info.get("bulk") and per_s:
            rate = per_s if size >= 10_000 else rate or per_s
        how = "built" if built else "reused, built earlier"
        kind = "bulk writer" if info.get("bulk") else "WireIndex.add"
        print(f"  {info['stories']:,} stories, {how} in {info['seconds']:.0f}s via {kind}")
        builds[label] = {
            "seconds": round(info["seconds"], 1),
            "stories_per_s": round(per_s, 1),
            "method": kind,
            "built_this_run": built,
        }
    claims = _claim_sentences(CLAIMS)
    print(f"{len(claims)} claims x {rounds} rounds per index, top {TOP_K} + stance", flush=True)
    spawn = multiprocessing.get_context("spawn")
    p50s: dict[int, float] = {}
    for size in sorted(sizes):
        label = size_label(size)
        with spawn.Pool(1) as pool:
            got = pool.apply(_measure, (size, claims, rounds))
        lat, ret, first = got["latencies"], got["retrieval"], got["retrieval_first"]
        p50s[size] = percentile(lat, 50)
        results.update(
            {
                f"match_claim_p50_ms_{label}": round(percentile(lat, 50) * 1000, 2),
                f"match_claim_p99_ms_{label}": round(percentile(lat, 99) * 1000, 2),
                f"retrieval_p50_ms_{label}": round(percentile(ret, 50) * 1000, 2),
                f"retrieval_p99_ms_{label}": round(percentile(ret, 99) * 1000, 2),
                f"retrieval_first_p50_ms_{label}": round(percentile(first, 50) * 1000, 2),
                f"retrieval_first_p99_ms_{label}": round(percentile(first, 99) * 1000, 2),
                f"index_bytes_per_story_{label}": round(got["index_bytes"] / got["stories"]),
                f"index_bytes_{label}": got["index_bytes"],
                f"rss_mb_{label}": round(got["rss_mb"], 1),
                f"index_open_s_{label}": round(got["open_s"], 3),
            }
        )
        results["rss_mb_models_only"] = round(got["rss_models_mb"], 1)
        print(
            f"  {label}: p50 {percentile(lat, 50) * 1000:.1f} ms, "
            f"p99 {percentile(lat, 99) * 1000:.1f} ms, rss {got['rss_mb']:.0f} MiB",
            flush=True,
        )
    largest, smallest = max(sizes), min(sizes)
    results["index_bytes_per_story"] = results[f"index_bytes_per_story_{size_label(largest)}"]
    add_rates = [b["stories_per_s"] for b in builds.values() if b["method"] == "WireIndex.add"]
    bulk_rates = [b["stories_per_s"] for b in builds.values() if b["method"] == "bulk writer"]
    if add_rates:
        results["ingest_stories_per_s"] = add_rates[-1]
    if bulk_rates:
        results["ingest_bulk_stories_per_s"] = bulk_rates[-1]
    if largest != smallest and p50s[smallest]:
        results["match_claim_scaling"] = {
            "corpus_ratio": round(largest / smallest, 1),
            "p50_ratio": round(p50s[largest] / p50s[smallest], 2),
            "p99_ratio": round(
                results[f"match_claim_p99_ms_{size_label(largest)}"]
                / results[f"match_claim_p99_ms_{size_label(smallest)}"],
                2,
            ),
        }
    results["matcher_scale"] = {
        "claims": len(claims),
        "rounds": rounds,
        "top_k": TOP_K,
        "builds": builds,
    }
    return results


def _row(name: str, value: float | str, unit: str = "") -> str:
    shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    return f"  {name:<44} {shown:>12} {unit}"


def print_table(results: dict[str, Any], sizes: list[int]) -> None:
    labels = [size_label(s) for s in sorted(sizes)]
    print("\nMatcher scaling (per claim: BM25 top 10 + stance on the 10, one process)")
    head = "".join(f"{label:>12}" for label in labels)
    print(f"  {'':<28}{head}")

    def line(name: str, key: str, fmt: str = "{:,.1f}") -> None:
        cells = "".join(f"{fmt.format(results[f'{key}_{label}']):>12}" for label in labels)
        print(f"  {name:<28}{cells}")

    line("claim p50 (ms)", "match_claim_p50_ms")
    line("claim p99 (ms)", "match_claim_p99_ms")
    line("retrieval p50 (ms), warm", "retrieval_p50_ms", "{:,.2f}")
    line("retrieval p99 (ms), warm", "retrieval_p99_ms", "{:,.2f}")
    line("first query p50 (ms)", "retrieval_first_p50_ms", "{:,.2f}")
    line("first query p99 (ms)", "retrieval_first_p99_ms", "{:,.2f}")
    line("index bytes per story", "index_bytes_per_story", "{:,}")
    line("RSS after queries (MiB)", "rss_mb")
    builds = results["matcher_scale"]["builds"]
    cells = "".join(f"{builds[label]['stories_per_s']:>12,.0f}" for label in labels)
    print(f"  {'build rate (stories/s)':<28}{cells}")
    cells = "".join(f"{builds[label]['seconds']:>12,.0f}" for label in labels)
    print(f"  {'build time (s)':<28}{cells}")
    print(_row("RSS with models loaded, no index", results["rss_mb_models_only"], "MiB"))
    if "match_claim_scaling" in results:
        scaling = results["match_claim_scaling"]
        print(
            f"  corpus x{scaling['corpus_ratio']:,.0f}  ->  claim p50 x{scaling['p50_ratio']}, "
            f"p99 x{scaling['p99_ratio']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated index sizes",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="passes over the claims")
    parser.add_argument(
        "--budget-s", type=float, default=480.0, help="longest acceptable ordinary build"
    )
    parser.add_argument(
        "--bulk-above", type=int, default=100_000, help="largest size always built via add"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON to merge into")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = run(sizes, args.budget_s, args.bulk_above, args.rounds)
    print_table(results, sizes)
    merge_results(results, args.output, REPO)


if __name__ == "__main__":
    main()
