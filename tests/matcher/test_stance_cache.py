"""`StanceCache` computes the stance of a (claim, story) pair once: a pair seen before is
answered from the cache, an updated story (same id, other content) is judged again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from services.matcher.stance import StanceModel, StancePrediction
from services.matcher.stance_cache import StanceCache
from services.matcher.stories import StoryRecord


class CountingStance(StanceModel):
    """A stance model that records the bodies it was asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def predict(self, claim: str, bodies: Sequence[str]) -> list[StancePrediction]:
        self.asked.extend(bodies)
        return [StancePrediction("discuss", 0.6, body[:20], {}) for body in bodies]


def _story(n: int, body: str = "") -> StoryRecord:
    return StoryRecord(
        outlet="Reuters",
        title=f"Story {n}",
        body=body or f"Body of story {n}.",
        source="test",
        url=f"https://wire.example/{n}",
    )


def test_pairs_are_computed_once() -> None:
    model = CountingStance()
    cache = StanceCache(model)
    first = cache.predict("The drone hit the Kremlin.", [_story(1), _story(2)])
    again = cache.predict("The drone hit the Kremlin.", [_story(2), _story(3), _story(1)])
    assert [p.passage for p in again] == [first[1].passage, _story(3).text[:20], first[0].passage]
    assert model.asked == [_story(1).text, _story(2).text, _story(3).text]
    cache.predict("Another claim entirely.", [_story(1)])
    assert len(model.asked) == 4


def test_an_updated_story_is_judged_again() -> None:
    model = CountingStance()
    cache = StanceCache(model)
    story = _story(1)
    cache.predict("The drone hit the Kremlin.", [story])
    updated = replace(story, body="A corrected body.", content_hash="")
    assert updated.id == story.id
    cache.predict("The drone hit the Kremlin.", [StoryRecord(**updated.__dict__)])
    assert len(model.asked) == 2


def test_the_cache_is_bounded() -> None:
    model = CountingStance()
    cache = StanceCache(model, pairs=2)
    cache.predict("claim", [_story(1), _story(2), _story(3)])
    cache.predict("claim", [_story(1)])
    assert len(model.asked) == 4
    assert cache.predict("claim", []) == []
