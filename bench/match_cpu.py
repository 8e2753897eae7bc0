"""CPU per uncached article in the Match stage, with the check-worthiness encoder served
float32 and int8, measured in one process on the benchmark's wire index, the two
alternating article by article so both see the same machine.

    python -m bench.match_cpu          # merges its figures into bench/results/latest.json

Each article is the sample's text under a new URL (nothing is cached between articles but
what serving also keeps: the stance of a (claim, story) pair, the story side of stance
features); CPU is the process's user + system time (`time.process_time`), one inference
thread, as a matcher process serves.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from credence.v1 import fetcher_pb2, matcher_pb2

from bench.stats import merge_results
from bench.wire_index import ensure_index
from services.common.config import Settings, get_settings
from services.fetcher.core import Fetcher
from services.matcher import embeddings
from services.matcher.claims import ENCODER, MODEL_PATH, CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.index import open_index
from services.matcher.stance import StanceModel

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "latest.json"
SAMPLE = "samples/globalresearch-kremlin-drone-2023.txt"
SAMPLE_HOST = "https://www.globalresearch.ca"


def _matchers(settings: Settings, index_dir: Path) -> dict[str, Matcher]:
    """A matcher per check-worthiness precision, sharing the index and the stance model."""
    import joblib

    bundle = joblib.load(MODEL_PATH)
    index = open_index(index_dir)
    stance = StanceModel.load()
    served = embeddings.encoder(ENCODER)
    float32 = embeddings.Encoder(ENCODER, embeddings.onnx_path(ENCODER))
    out = {}
    for name, encoder in (("float32", float32), ("served", served)):
        claims = CheckWorthinessModel.from_bundle(bundle, encoder)
        out[name] = Matcher(settings, index, claims, stance)
    return out


def run(articles: int = 8, index_dir: Path | None = None) -> dict[str, Any]:
    """Match CPU-ms per article for each encoder precision, and their ratio."""
    settings = get_settings().model_copy(update={"wire_search": False})
    index_dir = index_dir or REPO / "var" / "bench-index"
    ensure_index(index_dir, settings.data_dir)
    text = (settings.data_dir / SAMPLE).read_text(encoding="utf-8")
    fetcher = Fetcher(settings)
    matchers = _matchers(settings, index_dir)
    cpu = dict.fromkeys(matchers, 0.0)
    for i in range(articles + 1):  # the first round warms up
        request = fetcher_pb2.ExtractRequest(url=f"{SAMPLE_HOST}/match-cpu/{i}", text=text)
        article = fetcher.extract(request).article
        for name, matcher in matchers.items():
            start = time.process_time()
            matcher.match(matcher_pb2.MatchRequest(article=article))
            if i:
                cpu[name] += time.process_time() - start
    per_article = {name: round(seconds / articles * 1000, 1) for name, seconds in cpu.items()}
    return {
        "match_cpu_ms_per_article_float32": per_article["float32"],
        "match_cpu_ms_per_article": per_article["served"],
        "match_cpu_ratio_served_to_float32": round(
            per_article["served"] / per_article["float32"], 3
        ),
        "match_cpu_articles": articles,
    }


def print_table(results: dict[str, Any]) -> None:
    print("\nMatch stage CPU per uncached article (one process, same run)")
    print(f"  float32 check-worthiness encoder   {results['match_cpu_ms_per_article_float32']} ms")
    print(f"  as served (int8)                   {results['match_cpu_ms_per_article']} ms")
    print(f"  ratio                              {results['match_cpu_ratio_served_to_float32']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=8)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = run(args.articles)
    print_table(results)
    merge_results(results, args.output, REPO)


if __name__ == "__main__":
    main()
