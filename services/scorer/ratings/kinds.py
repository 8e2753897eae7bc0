"""What kind of source a site is (satire, state-affiliated media, a platform of user-generated
content or one writer on it, a news agency, a fact-checker, a conspiracy source), read from
what the lists already say and from the hand-kept `kinds.yaml`, each statement with who
makes it.

A score alone misleads for these sources: satire is not "low credibility" news, state media
should be named as such, and a platform's score says nothing about one of its writers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeAlias
from urllib.parse import urlsplit

import yaml
from credence.v1 import report_pb2

from services.scorer.ratings.hosts import normalize_host

KINDS_PATH = Path(__file__).with_name("kinds.yaml")
HAND_KEPT_LIST = "credence_kinds"
HAND_KEPT_NAME = "Credence's hand-kept source kinds"

Kind: TypeAlias = report_pb2.SourceKind.ValueType

SATIRE = report_pb2.SOURCE_KIND_SATIRE
STATE = report_pb2.SOURCE_KIND_STATE_AFFILIATED
PLATFORM = report_pb2.SOURCE_KIND_PLATFORM
WRITER = report_pb2.SOURCE_KIND_PLATFORM_WRITER
WIRE = report_pb2.SOURCE_KIND_WIRE_SERVICE
FACT_CHECKER = report_pb2.SOURCE_KIND_FACT_CHECKER
CONSPIRACY = report_pb2.SOURCE_KIND_CONSPIRACY_PSEUDOSCIENCE

# The key of each kind in JSON and in kinds.yaml, and its words in a sentence.
KIND_KEYS: dict[int, str] = {
    report_pb2.SOURCE_KIND_UNSPECIFIED: "unspecified",
    SATIRE: "satire",
    STATE: "state_affiliated",
    PLATFORM: "platform",
    WRITER: "platform_writer",
    WIRE: "wire_service",
    FACT_CHECKER: "fact_checker",
    CONSPIRACY: "conspiracy_pseudoscience",
}
KIND_WORDS: dict[int, str] = {
    SATIRE: "satire",
    STATE: "state-affiliated media",
    PLATFORM: "a platform of user-generated content",
    WRITER: "one writer's pages on a platform of user-generated content",
    WIRE: "a news agency (wire service)",
    FACT_CHECKER: "a fact-checking organisation",
    CONSPIRACY: "a conspiracy or pseudoscience source",
}
_BY_KEY: dict[str, Kind] = {
    key: report_pb2.SourceKind.Value(f"SOURCE_KIND_{key.upper()}") for key in KIND_KEYS.values()
}
# When several kinds are stated, the one a reader most needs to know comes first.
PRECEDENCE: tuple[Kind, ...] = (SATIRE, STATE, CONSPIRACY, WRITER, PLATFORM, FACT_CHECKER, WIRE)


@dataclass(frozen=True)
class StatedKind:
    """A list's statement that a site is of some kind, in the list's words."""

    kind: Kind
    note: str


def primary_kind(kinds: Iterable[Kind]) -> Kind:
    """The most telling of the stated kinds (UNSPECIFIED when none)."""
    stated = set(kinds)
    return next((k for k in PRECEDENCE if k in stated), report_pb2.SOURCE_KIND_UNSPECIFIED)


def kind_from_key(key: str) -> Kind:
    """The kind named `key` in kinds.yaml (`satire`, `state_affiliated`, ...)."""
    if key not in _BY_KEY:
        raise ValueError(f"kinds.yaml: unknown kind {key!r}; one of {sorted(_BY_KEY)}")
    return _BY_KEY[key]


# -- what the lists say ------------------------------------------------------------------

_OPENSOURCES_KINDS: dict[str, Kind] = {
    "satire": SATIRE,
    "state": STATE,
    "conspiracy": CONSPIRACY,
    "junksci": CONSPIRACY,
}


def opensources_kinds(tags: Iterable[str]) -> tuple[StatedKind, ...]:
    """OpenSources types that name a kind: satire, state, conspiracy, junksci."""
    return tuple(StatedKind(_OPENSOURCES_KINDS[t], t) for t in tags if t in _OPENSOURCES_KINDS)


def mbfc_kinds(bias: str, media_type: str) -> tuple[StatedKind, ...]:
    """MBFC categories that name a kind (satire, conspiracy-pseudoscience) and its media type
    "news agency"."""
    out: list[StatedKind] = []
    if "satire" in bias:
        out.append(StatedKind(SATIRE, f"category: {bias}"))
    elif "conspiracy" in bias or "pseudoscience" in bias:
        out.append(StatedKind(CONSPIRACY, f"category: {bias}"))
    if media_type == "news agency":
        out.append(StatedKind(WIRE, "media type: news agency"))
    return tuple(out)


_WIKI_LINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_WIKI_TEMPLATE = re.compile(r"\{\{(?:[^}|]*\|)?([^}]*)\}\}")
_RSP_FIRST_SENTENCE: dict[Kind, re.Pattern[str]] = {
    SATIRE: re.compile(r"\bsatiric(?:al)?\b|\bparody (?:site|website)", re.I),
    WIRE: re.compile(r"\bis an? (?:[\w'-]+ ){0,4}(?:news|press) agency\b", re.I),
    FACT_CHECKER: re.compile(
        r"fact-checking (?:website|organi[sz]ation)|certified by the "
        r"(?:[\w'-]+ ){0,3}International Fact-Checking Network",
        re.I,
    ),
    PLATFORM: re.compile(r"blog hosting service|\bsocial network|\bopen wiki|user-generated", re.I),
}
_RSP_STATE = re.compile(
    r"\b(?:state[- ](?:owned|funded|run|controlled|media)|official (?:news|press) agency "
    r"of the [\w ]+ government)",
    re.I,
)


def plain_wikitext(text: str) -> str:
    """Wikitext with links and templates reduced to their shown words."""
    text = _WIKI_LINK.sub(r"\1", text)
    text = _WIKI_TEMPLATE.sub(r"\1", text)
    return " ".join(text.replace("''", "").split())


def rsp_kinds(summary: str) -> tuple[StatedKind, ...]:
    """Kinds a Wikipedia RSP summary states: its first sentence for what the source is,
    any sentence for state ownership. The note quotes the sentence."""
    plain = plain_wikitext(summary)
    if not plain:
        return ()
    first = re.split(r"(?<=[a-z)])\. ", plain, maxsplit=1)[0].rstrip(".")
    out = [
        StatedKind(kind, _clip(first))
        for kind, pattern in _RSP_FIRST_SENTENCE.items()
        if pattern.search(first)
    ]
    state = _RSP_STATE.search(plain)
    if state:
        start = plain.rfind(". ", 0, state.start()) + 1
        end = plain.find(". ", state.end())
        sentence = plain[start : end if end >= 0 else len(plain)].strip()
        out.append(StatedKind(STATE, _clip(sentence)))
    return tuple(out)


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the hand-kept list ------------------------------------------------------------------


@dataclass(frozen=True)
class HandKept:
    """One hand-kept statement of a site's kind, with where to check it."""

    kind: Kind
    note: str
    url: str


@dataclass(frozen=True)
class Platform:
    """A platform of user-generated content and how a writer's pages are told apart."""

    domain: str
    name: str
    subdomains: bool
    writer_paths: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class PlatformPage:
    """A page on a platform: the platform and, when the URL tells, the writer's space
    (`medium.com/@someone`, `someone.substack.com`)."""

    platform: Platform
    writer: str
    has_path: bool


@dataclass(frozen=True)
class KindsCatalogue:
    """The hand-kept kinds and platforms of `kinds.yaml`."""

    sites: dict[str, HandKept]
    platforms: dict[str, Platform]

    @classmethod
    def load(cls, path: Path = KINDS_PATH) -> KindsCatalogue:
        """Reads and checks `kinds.yaml`."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        sites: dict[str, HandKept] = {}
        for domain, (key, note, url) in (data.get("sites") or {}).items():
            sites[normalize_host(domain)] = HandKept(kind_from_key(key), str(note), str(url))
        platforms: dict[str, Platform] = {}
        for domain, spec in (data.get("platforms") or {}).items():
            host = normalize_host(domain)
            paths = tuple(re.compile(p) for p in spec.get("writer_paths") or ())
            platforms[host] = Platform(host, str(spec["name"]), bool(spec.get("subdomains")), paths)
        return cls(sites, platforms)

    def platform_page(self, domain_or_url: str) -> PlatformPage | None:
        """The platform `domain_or_url` is on, with the writer's space when the URL names
        one; None off platforms."""
        host = normalize_host(domain_or_url)
        labels = host.split(".")
        for i in range(len(labels) - 1):
            platform = self.platforms.get(".".join(labels[i:]))
            if platform is not None:
                return _page(platform, host, _path(domain_or_url))
        return None


def _path(domain_or_url: str) -> str:
    text = domain_or_url.strip()
    if "://" not in text:
        text = "//" + text
    try:
        return urlsplit(text).path.lower()
    except ValueError:
        return ""


def _page(platform: Platform, host: str, path: str) -> PlatformPage:
    has_path = path not in ("", "/")
    if host != platform.domain:
        writer = host if platform.subdomains else ""
        return PlatformPage(platform, writer, has_path)
    for pattern in platform.writer_paths:
        match = pattern.match(path)
        if match:
            return PlatformPage(platform, host + match.group(0), has_path)
    return PlatformPage(platform, "", has_path)


@lru_cache(maxsize=1)
def default_catalogue() -> KindsCatalogue:
    """The kinds shipped with this version of Credence."""
    return KindsCatalogue.load()
