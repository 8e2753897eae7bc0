"""Is a story about the same event as a claim? Evidence about the same event, or none.

Topical overlap is not agreement: a 1987 ferry disaster does not support a 2024 bridge
collapse because both mention ships. A story counts as evidence for a claim only when it is
dated inside the article's window (the search filters that), mentions the claim's key
entities (people, places, organisations, numbers; at least one of the claim's own, two with
the article's event entities), and the relatedness model judges the pair related.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.matcher.entities import entities, mentioned, words_of
from services.matcher.stance import StanceModel

MIN_SHARED = 2
MAX_UNRELATED = 0.5
"""The stance model's P(unrelated) above which a pair is not related."""


@dataclass(frozen=True)
class EventMatch:
    """The judgement on one (claim, story) pair."""

    same_event: bool
    shared: frozenset[str]


def distinct(names: set[str]) -> frozenset[str]:
    """The names without those inside a longer one ("coast guard" also counts "guard"
    and "coast": one name, not three)."""
    words = {name: set(name.split()) for name in names}
    return frozenset(
        name
        for name in names
        if not any(other != name and words[name] <= words[other] for other in names)
    )


class SameEventJudge:
    """Judges (claim, story) pairs: shared key entities, then the relatedness model."""

    def __init__(self, stance: StanceModel) -> None:
        self.stance = stance

    def judge(
        self,
        claim: str,
        stories: Sequence[str],
        event_entities: frozenset[str] = frozenset(),
        min_own: int = 1,
        distinctive: frozenset[str] = frozenset(),
    ) -> list[EventMatch]:
        """One EventMatch per story text; a story must mention at least `min_own` of the
        claim's own entities (or all it has), and one of `distinctive` when given."""
        own = entities(claim)
        context = own | set(event_entities)
        shared = [distinct(mentioned(context, words_of(text))) for text in stories]
        candidates = [
            i
            for i, names in enumerate(shared)
            if len(names & own) >= min(min_own, len(own))
            and names & own
            and (names & distinctive or not distinctive)
            and len(names) >= min(MIN_SHARED, len(context))
        ]
        related = set()
        if candidates:
            proba = self.stance.predict_proba(
                [claim] * len(candidates), [stories[i] for i in candidates], features_only=True
            )
            related = {
                i for i, row in zip(candidates, proba, strict=True) if row[-1] < MAX_UNRELATED
            }
        return [EventMatch(i in related, shared[i]) for i in range(len(stories))]
