"""One loader per rating list: each reads its file as published and maps every entry's own
label onto the common 0–1 scale (0 unreliable, 1 reliable).

The mappings, and why they were chosen, are documented in MAPPING.md beside this module; a
change here must change that page too.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from services.scorer.ratings.hosts import normalize_host
from services.scorer.ratings.kinds import StatedKind, mbfc_kinds, opensources_kinds, rsp_kinds

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    """One list's rating of one host."""

    list_id: str
    host: str
    label: str
    normalized: float
    names: tuple[str, ...] = ()
    page_url: str = ""
    blacklisted: bool = False
    kinds: tuple[StatedKind, ...] = ()


Loader = Callable[[Path], Iterator[Entry]]

# Wikipedia RSP status -> (label, score). Blacklisting is handled separately (score 0).
RSP_STATUS: dict[str, tuple[str, float]] = {
    "gr": ("generally reliable", 0.9),
    "nc": ("no consensus", 0.5),
    "m": ("mixed (see the entry)", 0.5),
    "gu": ("generally unreliable", 0.2),
    "d": ("deprecated", 0.05),
}
RSP_BLACKLISTED = 0.0
_RSP_WORDS = {
    "generally reliable": "gr",
    "no consensus": "nc",
    "generally unreliable": "gu",
    "deprecated": "d",
}

BURDISSO_WP: dict[int, tuple[str, float]] = {
    1: ("generally reliable", 0.9),
    0: ("no consensus", 0.5),
    -1: ("generally unreliable or deprecated", 0.15),
    -2: ("blacklisted", 0.0),
}

MBFC_FACTUAL: dict[str, float] = {
    "very high": 0.95,
    "high": 0.8,
    "mostly factual": 0.65,
    "mixed": 0.45,
    "low": 0.15,
    "very low": 0.05,
}
MBFC_CREDIBILITY: dict[str, float] = {
    "high credibility": 0.9,
    "medium credibility": 0.5,
    "low credibility": 0.1,
}
MBFC_FACTUAL_SHARE = 0.7
MBFC_QUESTIONABLE_CAP = 0.15
# Small adjustments that break ties inside a factual-reporting level (see MAPPING.md).
MBFC_BIAS_ADJUST: dict[str, float] = {
    "least biased": 0.05,
    "pro-science": 0.05,
    "left-center": 0.03,
    "right-center": 0.02,
    "left": -0.03,
    "right": -0.03,
    "far left": -0.05,
    "far right": -0.03,
    "extreme left": -0.06,
    "extreme right": -0.06,
}
MBFC_TRAFFIC_ADJUST: dict[str, float] = {"high traffic": 0.05, "minimal traffic": -0.03}
MBFC_MEDIA_ADJUST: dict[str, float] = {
    "tv station": -0.05,
    "organization/foundation": 0.04,
    "news agency": 0.04,
    "journal": 0.05,
    "magazine": 0.02,
}
_MBFC_QUESTIONABLE = ("conspiracy", "pseudoscience", "questionable", "satire")

BALY_FACT: dict[str, float] = {"high": 0.8, "mixed": 0.45, "low": 0.15}

GOLDEN: dict[int, tuple[str, float]] = {
    1: ("reliable", 0.85),
    0: ("mixed", 0.45),
    -1: ("unreliable", 0.15),
    -2: ("blacklisted on Wikipedia", 0.0),
}

MANUAL_UNRELIABLE = 0.15

OPENSOURCES: dict[str, float] = {
    "reliable": 0.85,
    "political": 0.45,
    "bias": 0.35,
    "satire": 0.3,
    "clickbait": 0.3,
    "unreliable": 0.2,
    "state": 0.2,
    "rumor": 0.15,
    "junksci": 0.1,
    "conspiracy": 0.1,
    "hate": 0.1,
    "fake": 0.05,
}
_OPENSOURCES_SPELLINGS = {"fake news": "fake", "unrealiable": "unreliable", "satirical": "satire"}

_DOMAIN_IN_TEXT = re.compile(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.IGNORECASE)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _entries_for_hosts(
    list_id: str, raw_hosts: list[str], label: str, score: float, **extra: object
) -> Iterator[Entry]:
    seen: set[str] = set()
    for raw in raw_hosts:
        host = normalize_host(raw)
        if host and host not in seen:
            seen.add(host)
            yield Entry(list_id, host, label, score, **extra)  # type: ignore[arg-type]


def load_wikipedia_rsp(path: Path) -> Iterator[Entry]:
    """audiodude's parse of the current RSP table (JSON lines, one row per source entry)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield from _rsp_row(json.loads(line))


def _rsp_row(row: dict[str, object]) -> Iterator[Entry]:
    domain = row.get("domain")
    status = str(row.get("status") or "")
    if not isinstance(domain, str) or status not in RSP_STATUS:
        return
    label, score = RSP_STATUS[status]
    qualifier = str(row.get("content_qualifier") or "").strip()
    if qualifier:
        label = f"{label} {qualifier}"
    blacklisted = "b=y" in str(row.get("alltext") or "")
    if blacklisted:
        label, score = f"{label}, on Wikipedia's spam blacklist", RSP_BLACKLISTED
    names = (str(row.get("name") or ""),)
    page = "https://en.wikipedia.org/wiki/Wikipedia:Reliable_sources/Perennial_sources"
    yield from _entries_for_hosts(
        "wikipedia_rsp",
        [domain],
        label,
        score,
        names=names,
        page_url=page,
        blacklisted=blacklisted,
        kinds=rsp_kinds(str(row.get("summary") or "")),
    )


def load_wikipedia_rsp_2021(path: Path) -> Iterator[Entry]:
    """Kudusch's March 2021 CSV of the RSP table; domains from `urls`, else from the name."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield from _kudusch_row(row)


def _kudusch_row(row: dict[str, str]) -> Iterator[Entry]:
    statuses = [s.lower() for s in json.loads(row.get("status") or "[]")]
    codes = [_RSP_WORDS[s] for s in statuses if s in _RSP_WORDS]
    if not codes:
        return
    label, score = min((RSP_STATUS[c] for c in codes), key=lambda pair: pair[1])
    blacklisted = "blacklisted" in statuses
    if blacklisted:
        label, score = f"{label}, on Wikipedia's spam blacklist", RSP_BLACKLISTED
    hosts = list(json.loads(row.get("urls") or "[]"))
    name = row.get("name") or ""
    if not hosts:
        hosts = [m.group(1) for m in _DOMAIN_IN_TEXT.finditer(name)]
    yield from _entries_for_hosts(
        "wikipedia_rsp_2021",
        hosts,
        label,
        score,
        names=(name,),
        page_url=row.get("wiki_url") or "",
        blacklisted=blacklisted,
        kinds=rsp_kinds(row.get("info") or ""),
    )


def load_wikipedia_rsp_burdisso(path: Path) -> Iterator[Entry]:
    """Burdisso et al.'s {domain: -2..1} digest of the RSP table."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for domain, value in data.items():
        label, score = BURDISSO_WP[int(value)]
        yield from _entries_for_hosts(
            "wikipedia_rsp_burdisso2024", [domain], label, score, blacklisted=int(value) == -2
        )


def mbfc_score(factual: str, credibility: str, bias: str) -> float:
    """MBFC factual reporting blended with MBFC's credibility rating; questionable sources
    (conspiracy, pseudoscience) are capped low whatever their factual rating."""
    fact = MBFC_FACTUAL.get(factual)
    cred = MBFC_CREDIBILITY.get(credibility)
    if fact is None and cred is None:
        return -1.0
    if fact is None or cred is None:
        score = fact if fact is not None else cred
    else:
        score = MBFC_FACTUAL_SHARE * fact + (1 - MBFC_FACTUAL_SHARE) * cred
    assert score is not None
    if any(word in bias for word in _MBFC_QUESTIONABLE):
        score = min(score, MBFC_QUESTIONABLE_CAP)
    return score


def load_mbfc_burdisso(path: Path) -> Iterator[Entry]:
    """Burdisso et al.'s 2023/24 scrape of MBFC: factual reporting, credibility and bias."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            factual = row["factual_reporting"].strip().lower()
            credibility = row["mbfc_credibility_rating"].strip().lower()
            bias = row["bias"].strip().lower()
            score = mbfc_score(factual, credibility, bias)
            if score < 0:
                continue
            score = _clamp(
                score
                + MBFC_BIAS_ADJUST.get(bias, 0.0)
                + MBFC_TRAFFIC_ADJUST.get(row["popularity"].strip().lower(), 0.0)
                + MBFC_MEDIA_ADJUST.get(row["media_type"].strip().lower(), 0.0)
            )
            parts = [f"factual reporting {factual}" if factual else ""]
            parts += [bias if bias else "", credibility]
            label = ", ".join(p for p in parts if p)
            kinds = mbfc_kinds(bias, row["media_type"].strip().lower())
            yield from _entries_for_hosts(
                "mbfc_burdisso2024", [row["source"]], label, score, kinds=kinds
            )


def _load_baly(path: Path, list_id: str) -> Iterator[Entry]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            fact = row["fact"].strip().lower()
            if fact not in BALY_FACT:
                continue
            slug = row["ref"].rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
            label = f"factual reporting {fact}, bias {row['bias'].strip()}"
            yield from _entries_for_hosts(
                list_id,
                [row["source_url_normalized"], row["source_url"]],
                label,
                BALY_FACT[fact],
                names=(slug,),
                page_url=row["ref"],
            )


def load_mbfc_baly2018(path: Path) -> Iterator[Entry]:
    """Baly et al. (2018): MBFC factual reporting high / mixed / low, 1,066 sources."""
    return _load_baly(path, "mbfc_baly2018")


def load_mbfc_baly2020(path: Path) -> Iterator[Entry]:
    """Baly et al. (2020): MBFC factual reporting high / mixed / low, 859 sources."""
    return _load_baly(path, "mbfc_baly2020")


def load_golden_truth(path: Path) -> Iterator[Entry]:
    """Burdisso et al.'s golden truth: reliability -2..1 with the label's own source."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            label, score = GOLDEN[int(row["reliability_label"])]
            label = f"{label} (label from {row['label_source']})"
            yield from _entries_for_hosts(
                "golden_truth_burdisso2024", [row["domain"]], label, score
            )


def load_unreliable(path: Path) -> Iterator[Entry]:
    """Burdisso et al.'s manually added unreliable domains, one per line."""
    hosts = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    yield from _entries_for_hosts(
        "unreliable_burdisso2024",
        [h for h in hosts if h],
        "listed as unreliable",
        MANUAL_UNRELIABLE,
    )


def load_opensources(path: Path) -> Iterator[Entry]:
    """OpenSources: up to three type tags per domain; the worst tag sets the score."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row in reader:
            if not row or not row[0].strip():
                continue
            tags = _opensources_tags(row[1:4])
            if not tags:
                continue
            score = min(OPENSOURCES[t] for t in tags)
            yield from _entries_for_hosts(
                "opensources", [row[0]], ", ".join(tags), score, kinds=opensources_kinds(tags)
            )


def _opensources_tags(cells: list[str]) -> list[str]:
    tags: list[str] = []
    for cell in cells:
        tag = cell.strip().lower()
        tag = _OPENSOURCES_SPELLINGS.get(tag, tag)
        if tag in OPENSOURCES and tag not in tags:
            tags.append(tag)
    return tags


def load_lin2023(path: Path) -> Iterator[Entry]:
    """Lin et al. (2023) PC1: already 0 (lowest) to 1 (highest quality)."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            value = min(1.0, max(0.0, float(row["pc1"])))
            yield from _entries_for_hosts(
                "lin2023", [row["domain"]], f"quality {value:.2f} on a 0-1 scale (PC1)", value
            )


LOADERS: dict[str, Loader] = {
    "wikipedia_rsp": load_wikipedia_rsp,
    "wikipedia_rsp_2021": load_wikipedia_rsp_2021,
    "wikipedia_rsp_burdisso2024": load_wikipedia_rsp_burdisso,
    "mbfc_burdisso2024": load_mbfc_burdisso,
    "mbfc_baly2020": load_mbfc_baly2020,
    "mbfc_baly2018": load_mbfc_baly2018,
    "golden_truth_burdisso2024": load_golden_truth,
    "unreliable_burdisso2024": load_unreliable,
    "opensources": load_opensources,
    "lin2023": load_lin2023,
}
