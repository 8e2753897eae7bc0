"""The ratings store: every list's entries indexed by host, aggregated on demand into one
`SourceRating` per registrable domain with each list's provenance.

Aggregation works in two steps so that the same rater copied into several lists is not
counted several times: lists are first averaged within their family (the three Wikipedia
RSP copies, the three MBFC scrapes, ...), then families are averaged with their weights.
Confidence grows with the number of independent families and shrinks when they disagree.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from credence.v1 import report_pb2

from services.common.domains import registrable_domain
from services.common.errors import invalid_argument
from services.scorer.ratings.estimate import (
    ESTIMATE_LICENCE,
    ESTIMATE_LIST,
    ESTIMATE_NAME,
    ESTIMATE_PATH,
    DomainEstimator,
    EstimateContext,
    graph_scores_url,
)
from services.scorer.ratings.hosts import candidate_hosts, normalize_host
from services.scorer.ratings.kinds import (
    HAND_KEPT_LIST,
    HAND_KEPT_NAME,
    SATIRE,
    WRITER,
    KindsCatalogue,
    PlatformPage,
    default_catalogue,
    primary_kind,
)
from services.scorer.ratings.lists import LISTS, LISTS_BY_ID, ListInfo
from services.scorer.ratings.loaders import LOADERS, Entry
from services.scorer.weights import Weights, default_weights

_LOGGER = logging.getLogger(__name__)

ALIASES_PATH = Path(__file__).with_name("aliases.yaml")
_CACHE: dict[tuple[str, tuple[float, ...]], RatingsStore] = {}
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Aggregate:
    """The aggregate of some entries: 0–1 score, confidence, number of families."""

    score: float
    confidence: float
    families: int


def load_aliases(path: Path = ALIASES_PATH) -> tuple[dict[str, str], dict[str, str]]:
    """The domain aliases and the outlet-name aliases."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    domains = {normalize_host(k): normalize_host(v) for k, v in (data.get("domains") or {}).items()}
    outlets = {str(k): normalize_host(str(v)) for k, v in (data.get("outlets") or {}).items()}
    return domains, outlets


class RatingsStore:
    """Every loaded list's entries by host, with the look-up and the aggregation."""

    def __init__(
        self,
        entries: Iterable[Entry],
        lists: Iterable[ListInfo] = LISTS,
        weights: Weights | None = None,
        aliases: dict[str, str] | None = None,
        *,
        kinds: KindsCatalogue | None = None,
        estimator_path: Path | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.weights = weights or default_weights()
        self.kinds = kinds or default_catalogue()
        self.estimator_path = estimator_path
        self.data_dir = data_dir
        self._estimator: DomainEstimator | None = None
        self._context: EstimateContext | None = None
        self._estimate_lock = threading.Lock()
        self.lists = {info.list_id: info for info in lists}
        self.aliases = aliases if aliases is not None else load_aliases()[0]
        self._alias_groups: dict[str, set[str]] = defaultdict(set)
        for alias, canonical in self.aliases.items():
            self._alias_groups[canonical].update({alias, canonical})
        self._by_host: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries:
            self._by_host[entry.host].append(entry)
        self.load_seconds = 0.0

    @classmethod
    def load(cls, data_dir: Path, use_cache: bool = True) -> RatingsStore:
        """Loads every list found in `data_dir/ratings` (cached per folder and file times)."""
        folder = Path(data_dir) / "ratings"
        paths = [folder / info.file.local_name for info in LISTS]
        key = (str(folder.resolve()), tuple(p.stat().st_mtime if p.exists() else 0 for p in paths))
        with _CACHE_LOCK:
            if use_cache and key in _CACHE:
                return _CACHE[key]
            store = cls._read(folder)
            store.estimator_path = ESTIMATE_PATH
            store.data_dir = Path(data_dir)
            _CACHE[key] = store
            return store

    @classmethod
    def _read(cls, folder: Path) -> RatingsStore:
        start = time.perf_counter()
        entries: list[Entry] = []
        present: list[ListInfo] = []
        for info in LISTS:
            path = folder / info.file.local_name
            if not path.exists():
                _LOGGER.warning("rating list %s missing: %s", info.list_id, path.name)
                continue
            present.append(info)
            entries.extend(LOADERS[info.list_id](path))
        store = cls(entries, present)
        store.load_seconds = time.perf_counter() - start
        _LOGGER.info(
            "loaded %d ratings of %d hosts from %d lists in %.2fs",
            len(entries),
            len(store._by_host),
            len(present),
            store.load_seconds,
        )
        return store

    # -- look-up -------------------------------------------------------------------------

    def hosts(self) -> list[str]:
        """Every host some list rates."""
        return list(self._by_host)

    def entries_for_host(self, host: str) -> list[Entry]:
        """The entries recorded for exactly `host`."""
        return list(self._by_host.get(host, ()))

    def find(self, domain_or_url: str) -> tuple[str, list[Entry]]:
        """The rated host for `domain_or_url` and its entries (its own, then its alias's).

        The most specific rated host wins: `news.bbc.co.uk` uses `bbc.co.uk`, but a blog on
        a private suffix (`x.blogspot.com`) never inherits the platform's rating.
        """
        host = normalize_host(domain_or_url)
        candidates = candidate_hosts(host) or ([host] if host in self._by_host else [])
        if not candidates:
            if not (_is_ip_address(host) or _HOSTNAME.fullmatch(host)):
                raise invalid_argument("domain", f"{domain_or_url!r} is not a domain name or URL")
            return host, []  # an IP address or an unlisted suffix: rated by no list
        found = next((c for c in candidates if c in self._by_host), candidates[-1])
        entries = self.entries_for_host(found)
        for other in self._aliases_of(found) | self._aliases_of(candidates[-1]):
            own = {e.list_id for e in entries}
            entries += [e for e in self._by_host.get(other, ()) if e.list_id not in own]
        return found, entries

    def _aliases_of(self, host: str) -> set[str]:
        canonical = self.aliases.get(host, host)
        return self._alias_groups.get(canonical, set()) - {host}

    # -- aggregation ---------------------------------------------------------------------

    def aggregate(self, entries: Iterable[Entry]) -> Aggregate | None:
        """Family-then-list weighted mean, with confidence from count and agreement."""
        by_family: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries:
            by_family[LISTS_BY_ID[entry.list_id].family].append(entry)
        if not by_family:
            return None
        fam_scores: list[tuple[float, float]] = []
        for family, members in by_family.items():
            per_list: dict[str, list[float]] = defaultdict(list)
            for entry in members:
                per_list[entry.list_id].append(entry.normalized)
            weights = {lid: self.weights.list_weights.get(lid, 1.0) for lid in per_list}
            mean = sum(weights[lid] * sum(v) / len(v) for lid, v in per_list.items())
            fam_scores.append(
                (self.weights.family_weights.get(family, 1.0), mean / sum(weights.values()))
            )
        total = sum(w for w, _ in fam_scores)
        score = sum(w * s for w, s in fam_scores) / total
        spread = math.sqrt(sum(w * (s - score) ** 2 for w, s in fam_scores) / total)
        agreement = max(0.0, 1.0 - 2.0 * spread)
        coverage = 1.0 - 0.5 ** len(fam_scores)
        confidence = min(0.95, coverage * (0.4 + 0.6 * agreement))
        return Aggregate(score, confidence, len(fam_scores))

    def rating_proto(self, entry: Entry) -> report_pb2.Rating:
        """One entry as a `Rating` with its list's provenance."""
        info = self.lists.get(entry.list_id) or LISTS_BY_ID[entry.list_id]
        return report_pb2.Rating(
            list=info.list_id,
            list_name=info.name,
            original_label=entry.label,
            normalized=round(entry.normalized, 4),
            as_of=info.as_of,
            licence=info.licence,
            url=info.url,
        )

    def rate(self, domain_or_url: str) -> report_pb2.SourceRating:
        """The aggregated reputation of the site at `domain_or_url`, with its kind.

        On a platform of user-generated content the writer's own space is rated (with only
        the lists that rate that space), never the platform: `medium.com/@someone` and
        `someone.substack.com` do not inherit medium.com's or substack.com's score.
        """
        page = self.kinds.platform_page(domain_or_url)
        if page is not None and (page.writer or page.has_path):
            return self._rate_platform_page(page)
        host, entries = self.find(domain_or_url)
        notes = self.kind_notes(host, entries)
        rating = self._rating(host, entries, notes)
        if not rating.known and self.estimator_path is not None and registrable_domain(host):
            self._add_estimate(rating)
        return rating

    def _estimate_model(self) -> tuple[DomainEstimator, EstimateContext] | None:
        """The estimate model and what it knows around a domain, loaded on first use."""
        with self._estimate_lock:
            if self._estimator is None and self.estimator_path is not None:
                self._estimator = DomainEstimator.load(self.estimator_path)
                if self._estimator is None:
                    self.estimator_path = None  # no model shipped: unlisted stay neutral
            if self._estimator is None:
                return None
            if self._context is None:
                self._context = EstimateContext.build(self, self.data_dir or Path("."))
            return self._estimator, self._context

    def _add_estimate(self, rating: report_pb2.SourceRating) -> None:
        loaded = self._estimate_model()
        if loaded is None:
            return
        model, context = loaded
        value = float(model.predict([rating.domain], context)[0])
        rating.score = round(100.0 * value, 1)
        rating.label = self.label(rating.score, rating.kind)
        rating.confidence = self.weights.estimate_confidence
        rating.estimated = True
        rating.ratings.append(
            report_pb2.Rating(
                list=ESTIMATE_LIST,
                list_name=ESTIMATE_NAME,
                original_label=f"estimated quality {value:.2f} on a 0-1 scale from the "
                "domain's name, TLD, graph scores and rated neighbours (an estimate, not a "
                "rating)",
                normalized=round(value, 4),
                as_of=model.trained_on,
                licence=ESTIMATE_LICENCE,
                url=graph_scores_url(),
            )
        )

    def _rating(
        self, host: str, entries: list[Entry], notes: list[report_pb2.SourceKindNote]
    ) -> report_pb2.SourceRating:
        agg = self.aggregate(entries)
        kind = primary_kind(n.kind for n in notes)
        if agg is None:
            prior = self.weights.unknown_prior
            return report_pb2.SourceRating(
                domain=host,
                score=prior,
                label=self.label(prior, kind),
                confidence=self.weights.unknown_confidence,
                known=False,
                kind=kind,
                kind_notes=notes,
            )
        score = round(100.0 * agg.score, 1)
        unique = {(e.list_id, e.label): e for e in entries}
        ordered = sorted(unique.values(), key=lambda e: _list_order(e.list_id))
        return report_pb2.SourceRating(
            domain=host,
            score=score,
            label=self.label(score, kind),
            confidence=round(agg.confidence, 3),
            known=True,
            ratings=[self.rating_proto(e) for e in ordered],
            kind=kind,
            kind_notes=notes,
        )

    def label(self, score: float, kind: int) -> report_pb2.Label.ValueType:
        """The band of `score`, except that satire has its own band whatever its score."""
        return report_pb2.LABEL_SATIRE if kind == SATIRE else self.weights.bands.label(score)

    def _rate_platform_page(self, page: PlatformPage) -> report_pb2.SourceRating:
        platform = page.platform
        writer = page.writer
        entries = self.entries_for_host(writer) if writer and "/" not in writer else []
        if writer:
            what = f"{writer} is one writer's space on {platform.name} ({platform.domain})"
        else:
            what = f"the page is on {platform.name} ({platform.domain}); its writer is not known"
            writer = platform.domain
        note = report_pb2.SourceKindNote(
            kind=WRITER,
            list=HAND_KEPT_LIST,
            list_name=HAND_KEPT_NAME,
            note=f"{what}, a platform of user-generated content; the platform's own rating "
            "is not the writer's and is not inherited",
            url=f"https://{platform.domain}/",
        )
        return self._rating(writer, entries, [note, *self.kind_notes(writer, entries)])

    def kind_notes(self, host: str, entries: list[Entry]) -> list[report_pb2.SourceKindNote]:
        """Every statement of the site's kind: the lists' (from their entries), then the
        hand-kept list's, one per (list, kind)."""
        notes: dict[tuple[str, int], report_pb2.SourceKindNote] = {}
        for entry in sorted(entries, key=lambda e: _list_order(e.list_id)):
            info = self.lists.get(entry.list_id) or LISTS_BY_ID[entry.list_id]
            for stated in entry.kinds:
                notes.setdefault(
                    (entry.list_id, stated.kind),
                    report_pb2.SourceKindNote(
                        kind=stated.kind,
                        list=info.list_id,
                        list_name=info.name,
                        note=stated.note,
                        url=entry.page_url or info.url,
                    ),
                )
        hand = self.kinds.sites.get(host) or self.kinds.sites.get(self.aliases.get(host, ""))
        if hand is not None:
            notes.setdefault(
                (HAND_KEPT_LIST, hand.kind),
                report_pb2.SourceKindNote(
                    kind=hand.kind,
                    list=HAND_KEPT_LIST,
                    list_name=HAND_KEPT_NAME,
                    note=hand.note,
                    url=hand.url,
                ),
            )
        platform = self.kinds.platforms.get(host)
        if platform is not None:
            notes.setdefault(
                (HAND_KEPT_LIST, report_pb2.SOURCE_KIND_PLATFORM),
                report_pb2.SourceKindNote(
                    kind=report_pb2.SOURCE_KIND_PLATFORM,
                    list=HAND_KEPT_LIST,
                    list_name=HAND_KEPT_NAME,
                    note=f"{platform.name}, a platform where anyone publishes; its writers "
                    "are rated on their own",
                    url=f"https://{platform.domain}/",
                ),
            )
        return list(notes.values())

    def __len__(self) -> int:
        return len(self._by_host)


_HOSTNAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}")


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


_ORDER = {info.list_id: i for i, info in enumerate(LISTS)}


def _list_order(list_id: str) -> int:
    return _ORDER.get(list_id, len(_ORDER))


def registrable(domain_or_url: str) -> str:
    """The registrable domain of a host or URL after variant stripping."""
    return registrable_domain(normalize_host(domain_or_url))
