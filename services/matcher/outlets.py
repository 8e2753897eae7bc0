"""Outlet names: the many ways articles spell an outlet ("the Associated Press", "AP") map
to one canonical name, so that the index, citation checks and attributions agree."""

from __future__ import annotations

import re

# Outlets that wire evidence can come from, with the spellings articles use.
OUTLET_ALIASES: dict[str, str] = {
    "reuters": "Reuters",
    "ap": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "new york times": "NYT",
    "the new york times": "NYT",
    "nyt": "NYT",
    "ny times": "NYT",
    "nytimes": "NYT",
    "nytimes.com": "NYT",
    "reuters.com": "Reuters",
    "ap news": "AP",
    "apnews.com": "AP",
    "snopes": "Snopes",
    "bbc": "BBC",
    "cnn": "CNN",
    "washington post": "Washington Post",
    "the washington post": "Washington Post",
}


def canonical_outlet(name: str) -> str:
    """The canonical name of an outlet spelling, or the spelling itself, stripped."""
    cleaned = re.sub(r"\s+", " ", name.strip())
    return OUTLET_ALIASES.get(cleaned.lower(), cleaned)
