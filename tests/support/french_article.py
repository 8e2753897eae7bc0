"""A short French news report on lemonde.fr (a hand-written page in
tests/fetcher/fixtures), as the fetcher extracts it: the article the multilingual tests of
the fetcher, the matcher and the scorer share."""

from __future__ import annotations

from pathlib import Path

from credence.v1 import article_pb2, fetcher_pb2

from services.common.config import Settings
from services.fetcher.core import Fetcher

PAGE = Path(__file__).resolve().parents[1] / "fetcher" / "fixtures" / "lemonde-plan-velo.html"
URL = "https://www.lemonde.fr/planete/article/lyon-plan-velo_6171234_3244.html"


def french_article() -> article_pb2.Article:
    """The lemonde.fr report extracted from its HTML."""
    request = fetcher_pb2.ExtractRequest(html=PAGE.read_text(encoding="utf-8"), url=URL)
    return Fetcher(Settings()).extract(request).article
