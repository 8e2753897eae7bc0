"""A coverage-guided fuzz target (atheris/libFuzzer) for the inputs strangers control: URL
checks, article extraction from HTML or text, citation parsing and the front door's article
validation. Any exception other than CredenceError is a finding.

    make fuzz                                   # 60 seconds
    python -m tests.fuzz.atheris_inputs -max_total_time=600 corpus_dir/
"""

from __future__ import annotations

import sys

import atheris
from credence.v1 import fetcher_pb2, reliability_pb2

from services.common.config import Settings
from services.common.errors import CredenceError
from services.common.urls import canonical_url, validate_url
from services.fetcher.citations import find_citations
from services.fetcher.core import Fetcher
from services.gateway.validation import score_article

_FETCHER = Fetcher(Settings(embedded=True))


def fuzz_one(data: bytes) -> None:
    """Feeds one input to every check; only CredenceError may come out."""
    provider = atheris.FuzzedDataProvider(data)
    choice = provider.ConsumeIntInRange(0, 3)
    text = provider.ConsumeUnicodeNoSurrogates(len(data))
    try:
        if choice == 0:
            canonical_url(validate_url(text))
        elif choice == 1:
            find_citations(text, limit=50)
        elif choice == 2:
            url, _, body = text.partition("\n")
            request = fetcher_pb2.ExtractRequest(url=url, html=body)
            _FETCHER.extract(request)
        else:
            url, _, body = text.partition("\n")
            score_article(reliability_pb2.ScoreArticleRequest(url=url, text=body), 5 * 1024 * 1024)
    except CredenceError:
        pass


def main() -> None:
    argv = list(sys.argv)
    if not any(arg.startswith(("-max_total_time", "-runs")) for arg in argv[1:]):
        argv.append("-max_total_time=60")
    atheris.instrument_func(validate_url)
    atheris.instrument_func(canonical_url)
    atheris.instrument_func(find_citations)
    atheris.instrument_func(score_article)
    atheris.Setup(argv, fuzz_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
