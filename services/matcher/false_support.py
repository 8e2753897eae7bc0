"""How often the matcher invents support: articles scored against an index of stories about
other events.

The index holds Reuters-21578 and the FNC-1 bodies, every story re-dated into each article's
date window, so that the date filter cannot help: only the same-event gate (shared key
entities, relatedness) stands between topical overlap and a false "supported". Every
supported or contradicted verdict here is false; `make bench` reports the rate and a test
holds it at zero.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from credence.v1 import article_pb2, evidence_pb2, matcher_pb2

from services.matcher.core import Matcher
from services.matcher.index import WireIndex
from services.matcher.sources.local import Fnc1BodiesAdapter, ReutersAdapter
from services.matcher.stories import StoryRecord


@dataclass(frozen=True)
class ProbeArticle:
    """An article whose events the unrelated index does not cover."""

    title: str
    text: str
    published: datetime


BRIDGE_POST = ProbeArticle(
    title="Baltimore's Key Bridge collapse: what they are not telling you",
    text=(
        "The Francis Scott Key Bridge in Baltimore collapsed early on Tuesday after the"
        " container ship Dali lost power and struck one of its supports.\n"
        "Six construction workers who were filling potholes on the bridge are presumed dead,"
        " Maryland State Police said.\n"
        "Governor Wes Moore declared a state of emergency and said the crew had issued a"
        " mayday call that allowed officials to stop traffic onto the span.\n"
        "The Port of Baltimore, one of the busiest on the East Coast, was closed to shipping"
        " indefinitely, the Coast Guard said.\n"
        "President Joe Biden said the federal government would pay for the entire cost of"
        " rebuilding the bridge.\n"
        "Officials said there was no indication of terrorism, but many readers are asking why"
        " the ship's engines failed twice in the minutes before the crash.\n"
    ),
    published=datetime(2024, 3, 27, tzinfo=UTC),
)
TRADE_POST = ProbeArticle(
    title="Ferry sinks off the coast as oil prices climb",
    text=(
        "A passenger ferry carrying more than 200 people sank off the coast of Tanzania on"
        " Sunday, the transport ministry said.\n"
        "Oil prices rose three percent on Monday after OPEC ministers agreed in Vienna to cut"
        " production by 1.5 million barrels a day.\n"
        "The central bank of Brazil raised its benchmark rate by half a point to 12.25 percent,"
        " its president Roberto Campos Neto said.\n"
    ),
    published=datetime(2024, 6, 10, tzinfo=UTC),
)
PROBES = (BRIDGE_POST, TRADE_POST)


@dataclass(frozen=True)
class FalseSupport:
    """Verdicts on articles scored against stories of other events."""

    claims: int
    supported: int
    contradicted: int
    discussed: int

    @property
    def rate(self) -> float:
        """Share of claims wrongly called supported or contradicted."""
        return (self.supported + self.contradicted) / self.claims if self.claims else 0.0


def unrelated_stories(data_dir: Path, limit: int | None = None) -> Iterator[StoryRecord]:
    """Reuters-21578 and the FNC-1 bodies (`limit` of each at most)."""
    yield from islice(ReutersAdapter(data_dir / "wire" / "reuters21578").stories(), limit)
    yield from islice(Fnc1BodiesAdapter(data_dir / "fnc1" / "train_bodies.csv").stories(), limit)


def redated(stories: Iterable[StoryRecord], start: datetime, days: int) -> Iterator[StoryRecord]:
    """The stories spread over `days` days from `start`, as if published then."""
    for i, story in enumerate(stories):
        when = start + timedelta(hours=(i * 7) % (days * 24))
        yield dataclasses.replace(story, published_at=when, id=f"{story.id}-{start:%Y%m%d}")


def fill_index(index: WireIndex, data_dir: Path, limit: int | None = None) -> int:
    """Adds the unrelated stories once per probe article, dated into its window."""
    added = 0
    for probe in PROBES:
        start = probe.published - timedelta(days=2)
        added += index.add(redated(unrelated_stories(data_dir, limit), start, 9))[0]
    return added


def probe_request(probe: ProbeArticle) -> matcher_pb2.MatchRequest:
    article = article_pb2.Article(
        url="https://blog.example/post", title=probe.title, text=probe.text
    )
    article.published_at.FromDatetime(probe.published)
    return matcher_pb2.MatchRequest(article=article)


def measure(matcher: Matcher, probes: Sequence[ProbeArticle] = PROBES) -> FalseSupport:
    """The verdicts the matcher gives the probe articles' claims."""
    counts = {"claims": 0, "supported": 0, "contradicted": 0, "discussed": 0}
    for probe in probes:
        for claim in matcher.match(probe_request(probe)).claims:
            counts["claims"] += 1
            if claim.verdict == evidence_pb2.VERDICT_SUPPORTED:
                counts["supported"] += 1
            elif claim.verdict == evidence_pb2.VERDICT_CONTRADICTED:
                counts["contradicted"] += 1
            elif claim.verdict == evidence_pb2.VERDICT_DISCUSSED:
                counts["discussed"] += 1
    return FalseSupport(**counts)
