"""`Matcher.claims` scores candidates one topic weight at a time and stops when no sentence
left could enter the top `max_claims`: the same claims as scoring every sentence, fewer
sentences scored."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher, is_candidate, topic_weight, topic_words
from services.matcher.index import TantivyIndex
from services.matcher.stance import StanceModel

TITLE = "Drone attack on the Kremlin"
ON_TOPIC = [
    f"The drone attack on the Kremlin was reported overnight by {n} Russian military officials "
    "and Moscow police on Wednesday morning near Red Square, citing radar data, the government "
    "said."
    for n in range(11, 17)
]
"""Twenty words in each: the article's most frequent words, so these are on its topic."""
OFF_TOPIC = [
    "A bakery in the old town sold forty loaves of bread to visitors last summer.",
    "Two swimmers crossed the cold lake at dawn and were greeted with hot tea.",
    "Farmers in the valley expect a late harvest of apples after heavy rains.",
    "The orchestra will tour five cities next spring with a programme of waltzes.",
]
"""Words of their own: off the article's topic."""


class ScriptedScores(CheckWorthinessModel):
    """Scores from a table (no encoder), remembering which sentences it fully scored."""

    def __init__(self, table: dict[str, float]) -> None:
        super().__init__(pipeline=None, threshold=0.3)
        self.table = table
        self.scored: list[str] = []

    def lexical_scores(self, sentences: Sequence[str]) -> np.ndarray:
        return np.asarray([self.table[s] for s in sentences])

    def scores(
        self,
        sentences: Sequence[str],
        encode: Callable[[Sequence[int]], np.ndarray] | None = None,
    ) -> np.ndarray:
        self.scored.extend(sentences)
        return np.asarray([self.table[s] for s in sentences])


def _everything(sents: list[str], table: dict[str, float], max_claims: int) -> list[int]:
    """The claims chosen by scoring every candidate (what the early stop must not change)."""
    topic = topic_words(TITLE, sents)
    ranked = sorted(
        (i for i, s in enumerate(sents) if is_candidate(s) and table[s] >= 0.3),
        key=lambda i: -table[sents[i]] * topic_weight(sents[i], topic),
    )
    return sorted(ranked[:max_claims])


@pytest.mark.parametrize("max_claims", [1, 3, 6, 8, 20])
@pytest.mark.parametrize("off_topic_score", [0.35, 0.95])
def test_same_claims_as_scoring_every_sentence(
    index: TantivyIndex,
    stance_model: StanceModel,
    settings: object,
    max_claims: int,
    off_topic_score: float,
) -> None:
    sents = [s for pair in zip(ON_TOPIC, OFF_TOPIC + OFF_TOPIC[:2], strict=True) for s in pair]
    table = {s: 0.5 + 0.08 * i for i, s in enumerate(ON_TOPIC)}
    table.update({s: off_topic_score for s in OFF_TOPIC})
    model = ScriptedScores(table)
    matcher = Matcher(settings, index, model, stance_model)  # type: ignore[arg-type]
    chosen = matcher.claims(sents, max_claims, TITLE)
    assert [c.index for c in chosen] == _everything(sents, table, max_claims)


def test_off_topic_sentences_are_not_scored_when_they_cannot_rank(
    index: TantivyIndex, stance_model: StanceModel, settings: object
) -> None:
    sents = OFF_TOPIC + ON_TOPIC
    model = ScriptedScores({**dict.fromkeys(ON_TOPIC, 0.9), **dict.fromkeys(OFF_TOPIC, 0.99)})
    matcher = Matcher(settings, index, model, stance_model)  # type: ignore[arg-type]
    chosen = matcher.claims(sents, 3, TITLE)
    assert [c.text for c in chosen] == ON_TOPIC[:3]
    assert not set(model.scored) & set(OFF_TOPIC)
