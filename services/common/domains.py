"""Registrable domains through the Public Suffix List, from tldextract's bundled snapshot
only (no download at run time). Private suffixes count, so blogspot.com sites are separate."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


@lru_cache(maxsize=65536)
def registrable_domain(host_or_url: str) -> str:
    """`www.bbc.co.uk` or `https://m.bbc.co.uk/x` -> `bbc.co.uk`; empty when there is none."""
    value = host_or_url.strip().lower()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    value = value.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    parts = _EXTRACT(value)
    if not parts.suffix or not parts.domain:
        return ""
    return f"{parts.domain}.{parts.suffix}"
