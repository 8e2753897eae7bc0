"""The FNC-1 topic split: no body, headline or topic on both sides."""

from __future__ import annotations

import pytest

from services.matcher.training.fnc import read_bodies, read_stances
from services.matcher.training.stance_split import StancePair, pairs_from_rows, topic_split
from tests.support.needs import need_data


def _assert_disjoint(
    pairs: list[StancePair], train: tuple[int, ...], held: tuple[int, ...]
) -> None:
    for attribute in ("headline", "body_id"):
        fit_side = {getattr(pairs[i], attribute) for i in train}
        held_side = {getattr(pairs[i], attribute) for i in held}
        assert not fit_side & held_side, attribute


def _story(topic: int, headlines: int, bodies: int) -> tuple[list[StancePair], dict[int, str]]:
    words = f"topic{topic} alpha{topic} beta{topic} gamma{topic}"
    texts = {
        topic * 100 + b: f"{words} body {b} " + f"filler{topic}x{b} " * 20 for b in range(bodies)
    }
    pairs = [
        StancePair(f"{words} headline number {h} variant{topic}v{h}", body, "discuss")
        for h in range(headlines)
        for body in texts
    ]
    return pairs, texts


def test_topics_are_held_out_whole() -> None:
    pairs: list[StancePair] = []
    bodies: dict[int, str] = {}
    for topic in range(10):
        story_pairs, story_bodies = _story(topic, 3, 2)
        pairs.extend(story_pairs)
        bodies.update(story_bodies)
    # Unrelated pairs across stories join no topics.
    pairs.append(StancePair(pairs[0].headline, 901, "unrelated"))
    pairs.append(StancePair(pairs[-2].headline, 100, "unrelated"))
    bodies[901] = "an article about nothing else"
    split = topic_split(pairs, bodies, validation_share=0.3)
    assert split.validation and split.train
    _assert_disjoint(pairs, split.train, split.validation)
    fit_topics = {split.topics[i] for i in split.train}
    assert not fit_topics & {split.topics[i] for i in split.validation}
    assert len(set(split.topics)) == 10
    everything = sorted(split.train + split.validation + split.dropped)
    assert everything == list(range(len(pairs)))


def test_bad_input_is_named() -> None:
    pairs, bodies = _story(1, 2, 2)
    with pytest.raises(ValueError, match="validation_share"):
        topic_split(pairs, bodies, validation_share=1.5)
    with pytest.raises(ValueError, match="bodies that are not given"):
        topic_split([*pairs, StancePair("x", 999, "agree")], bodies)


def test_fnc1_split_is_disjoint() -> None:
    folder = need_data("fnc1")
    bodies = read_bodies(folder / "train_bodies.csv")
    pairs = pairs_from_rows(read_stances(folder / "train_stances.csv"))
    split = topic_split(pairs, bodies)
    _assert_disjoint(pairs, split.train, split.validation)
    assert not {split.topics[i] for i in split.train} & split.validation_topics
    assert {split.topics[i] for i in split.validation} <= split.validation_topics
    share = len(split.validation) / len(pairs)
    assert 0.05 < share < 0.3
    assert {pairs[i].stance for i in split.dropped} == {"unrelated"}
