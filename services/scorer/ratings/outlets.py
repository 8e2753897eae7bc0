"""Which outlet a citation names: "AP", "the New York Times", "WSWS", "C-Span" -> a domain.

Built from the rating lists themselves (every rated domain's name stem, the names Wikipedia
RSP gives its entries, MBFC page slugs) plus the small hand-kept alias table, so that an
outlet that exists almost always resolves and one that does not ("MNBC") is a finding.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from services.common.domains import registrable_domain
from services.scorer.ratings.store import RatingsStore, load_aliases

_LOGGER = logging.getLogger(__name__)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PAREN = re.compile(r"\(([^)]*)\)")
_MIN_KEY = 2


def outlet_key(name: str) -> str:
    """`The New York Times` -> `newyorktimes`; `C-Span` -> `cspan`."""
    text = name.strip().lower()
    text = re.sub(r"^the\s+", "", text)
    return _NON_ALNUM.sub("", text)


@dataclass(frozen=True)
class OutletMatch:
    """A resolved outlet name."""

    name: str
    domain: str
    via: str


class KnownOutlets:
    """Outlet name -> domain, with a "did you mean" for names that match nothing."""

    def __init__(
        self, names: dict[str, str], curated: dict[str, str], display: dict[str, str]
    ) -> None:
        self._names = names
        self._curated = curated
        self._display = display

    @classmethod
    def build(cls, store: RatingsStore) -> KnownOutlets:
        """From the store's hosts and list names plus the alias table."""
        names: dict[str, str] = {}
        for host in sorted(store.hosts(), key=lambda h: (len(h), h)):
            _add_host(names, host)
            for entry in store.entries_for_host(host):
                for name in entry.names:
                    _add_name(names, name, host)
        aliases = load_aliases()[1]
        curated = {outlet_key(k): v for k, v in aliases.items()}
        display = {outlet_key(k): k for k in aliases}
        return cls(names, curated, display)

    def resolve(self, outlet: str) -> OutletMatch | None:
        """The outlet's domain, or None when no outlet of that name is known."""
        key = outlet_key(outlet)
        if len(key) < _MIN_KEY:
            return None
        if key in self._curated:
            return OutletMatch(outlet, self._curated[key], "alias table")
        if key in self._names:
            return OutletMatch(outlet, self._names[key], "rating lists")
        if "." in outlet and registrable_domain(outlet):
            return OutletMatch(outlet, registrable_domain(outlet), "domain name")
        return None

    def suggest(self, outlet: str) -> str | None:
        """The closest curated outlet name, for "did you mean MSNBC?"."""
        key = outlet_key(outlet)
        close = difflib.get_close_matches(key, list(self._curated), n=1, cutoff=0.75)
        return self._display[close[0]] if close else None

    def __len__(self) -> int:
        return len(self._names) + len(self._curated)


def _add_host(names: dict[str, str], host: str) -> None:
    registrable = registrable_domain(host)
    if registrable != host:
        return
    stem = outlet_key(host.split(".", 1)[0])
    if len(stem) > _MIN_KEY:
        names.setdefault(stem, host)


def _add_name(names: dict[str, str], name: str, host: str) -> None:
    for alternative in _alternatives(name):
        key = outlet_key(alternative)
        if len(key) > _MIN_KEY:
            names.setdefault(key, host)


def _alternatives(name: str) -> list[str]:
    head = _PAREN.sub("", name).strip()
    out = [head] if head else []
    for inner in _PAREN.findall(name):
        out.extend(part.strip() for part in inner.split(",") if part.strip())
    return out
