"""The downloadable domain-ratings list the browser extension looks sites up in locally, so
that no request leaves the browser when a page is visited.

Built once per process from the RatingsStore: `{model_version, generated_at, domains:
{domain: [score, label_code, known_lists_count, kind_code]}, platforms: [domain, ...]}`,
where label_code is the number of the `credence.v1.Label` band (1 high credibility ... 4 low
credibility, 5 satire), kind_code the number of the `credence.v1.SourceKind` (0 when no
list says; 2 state-affiliated, ...), and `platforms` the platforms of user-generated content
whose score a writer's subdomain or page must not inherit. The body is served
pre-compressed with a strong ETag derived from its content, so an unchanged list costs a
client one 304.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.scorer.ratings import RatingsStore

_LOGGER = logging.getLogger(__name__)

MAX_AGE_S = 3600


@dataclass(frozen=True)
class RatingsList:
    """The list's JSON body, its gzip encoding and its ETag (without quotes)."""

    body: bytes
    gzipped: bytes
    etag: str
    domains: int

    @classmethod
    def build(cls, store: RatingsStore, model_version: str, generated_at: str) -> RatingsList:
        """Rates every host some list rates; hosts no list knows after all are left out."""
        domains: dict[str, list[float | int]] = {}
        for host in sorted(store.hosts()):
            try:
                rating = store.rate(host)
            except Exception:  # a host the look-up rejects has no place in the list
                continue
            if rating.known:
                lists = len({r.list for r in rating.ratings})
                domains[host] = [round(rating.score, 1), int(rating.label), lists, int(rating.kind)]
        document = {
            "model_version": model_version,
            "generated_at": generated_at,
            "domains": domains,
            "platforms": sorted(store.kinds.platforms),
        }
        body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        etag = hashlib.sha256(body).hexdigest()[:32]
        return cls(body, gzip.compress(body, mtime=0), etag, len(domains))

    def matches(self, if_none_match: str) -> bool:
        """True when an If-None-Match header names this list (any encoding of it)."""
        for raw in if_none_match.split(","):
            tag = raw.strip().removeprefix("W/").strip('"')
            if tag == "*" or tag.split("-", 1)[0] == self.etag:
                return True
        return False


def data_timestamp(data_dir: Path) -> str:
    """When the newest rating list was written, ISO 8601 UTC (stable across restarts)."""
    folder = data_dir / "ratings"
    times = [p.stat().st_mtime for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    when = datetime.fromtimestamp(max(times), UTC) if times else datetime(1970, 1, 1, tzinfo=UTC)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def load_ratings_list(data_dir: Path) -> RatingsList:
    """The list for the rating lists in `data_dir`."""
    from services.scorer.weights import MODEL_VERSION

    ratings = RatingsList.build(
        RatingsStore.load(data_dir), MODEL_VERSION, data_timestamp(data_dir)
    )
    _LOGGER.info(
        "ratings list: %d domains, %d bytes, %d gzipped",
        ratings.domains,
        len(ratings.body),
        len(ratings.gzipped),
    )
    return ratings
