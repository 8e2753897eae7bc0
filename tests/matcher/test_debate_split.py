"""The ClaimBuster split holds out whole debates: no block of sentence ids is on two sides,
the parts cover every sentence once, the shares are near their targets, the split is the
same on every run, and impossible requests fail with a message naming what was wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest

from services.matcher.training.debate_split import BLOCK, blocks, split_by_debate
from tests.support.needs import need_data

# 30 debates of 200 to 400 sentences, ids in debate order with gaps between debates.
_RNG = np.random.default_rng(5)
IDS = np.concatenate(
    [d * BLOCK + np.sort(_RNG.choice(BLOCK, _RNG.integers(200, 400), False)) for d in range(30)]
)


def test_whole_blocks_on_one_side_and_every_sentence_once() -> None:
    split = split_by_debate(IDS)
    parts = [split.fit, split.tune, split.validation]
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(IDS)))
    sides = [set(blocks(IDS[part]).tolist()) for part in parts]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert set(split.validation_blocks) == sides[2]
    assert set(split.tune_blocks) == sides[1]


def test_shares_near_their_targets_and_stable() -> None:
    split = split_by_debate(IDS, validation_share=0.2, tune_share=0.12)
    assert 0.2 <= len(split.validation) / len(IDS) < 0.2 + 400 / len(IDS)
    assert 0.12 <= len(split.tune) / len(IDS) < 0.12 + 400 / len(IDS)
    again = split_by_debate(IDS, validation_share=0.2, tune_share=0.12)
    assert np.array_equal(split.validation, again.validation)
    assert split.validation_blocks != split_by_debate(IDS, seed=1).validation_blocks
    assert "validation blocks" in split.describe()


@pytest.mark.parametrize(
    ("ids", "shares", "message"),
    [
        ([1, 2, 1001], (0.2, 0.1), "at least 3"),
        (IDS, (0.0, 0.1), "shares"),
        (IDS, (0.6, 0.5), "shares"),
        (IDS, (0.5, 0.45), "no block is left"),
        ([-1000, 5, 2000], (0.2, 0.1), "negative"),
        ([1.5, 2000.0, 3000.0], (0.2, 0.1), "integers"),
    ],
)
def test_bad_requests_are_named(ids: object, shares: tuple[float, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_by_debate(np.asarray(ids), *shares)


def test_claimbuster_split() -> None:
    rows = json.loads(need_data("claimbuster", "train.json").read_text(encoding="utf-8"))
    split = split_by_debate([int(r["sentence_id"]) for r in rows])
    assert 0.18 < len(split.validation) / len(rows) < 0.25
    assert 0.1 < len(split.tune) / len(rows) < 0.16
    assert len(split.validation_blocks) >= 5 and len(split.tune_blocks) >= 3
