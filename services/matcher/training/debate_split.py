"""The validation split of ClaimBuster by debate, so that validation predicts unseen data.

ClaimBuster's sentences come from U.S. presidential debates, and their sentence ids run in
debate order: a block of 1,000 consecutive ids holds about one debate. A random split puts
sentences of every debate on both sides, so the models meet the speakers, topics and phrasing
of the validation debates while training (0.891 F1 at equal priors on a random split against
0.876 on held-out debates, same recipe). Here whole blocks are held out: validation (about
20 % of the sentences), a separate tuning part (about 12 %: the stack and the thresholds are
fitted there, never on validation), and the rest to fit the models. Blocks are drawn in a
seeded order, so the split is the same on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BLOCK = 1000
"""Consecutive sentence ids per block (about one debate)."""
SEED = 13
VALIDATION_SHARE = 0.2
TUNE_SHARE = 0.12
_MIN_BLOCKS = 3


@dataclass(frozen=True)
class DebateSplit:
    """Row indices of the three parts, and the blocks (sentence id // BLOCK) each holds."""

    fit: np.ndarray
    tune: np.ndarray
    validation: np.ndarray
    tune_blocks: tuple[int, ...]
    validation_blocks: tuple[int, ...]

    def describe(self) -> str:
        """One line naming the held-out blocks, for the metrics file."""
        return (
            f"by debate: blocks of {BLOCK} consecutive sentence ids; validation blocks "
            f"{list(self.validation_blocks)}, tuning blocks {list(self.tune_blocks)}, "
            f"the other blocks to fit; seed {SEED}"
        )


def blocks(sentence_ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """Each sentence's block (about one debate each)."""
    ids = np.asarray(sentence_ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError("sentence ids must be a flat sequence of integers")
    if ids.size and int(ids.min()) < 0:
        raise ValueError(f"sentence ids must not be negative (found {int(ids.min())})")
    return ids // BLOCK


def split_by_debate(
    sentence_ids: Sequence[int] | np.ndarray,
    validation_share: float = VALIDATION_SHARE,
    tune_share: float = TUNE_SHARE,
    seed: int = SEED,
) -> DebateSplit:
    """Whole blocks to validation until it holds `validation_share` of the sentences, then
    to tuning until that holds `tune_share`; the rest is fitted on. Raises ValueError when
    the shares or ids cannot give three non-empty parts."""
    if not (0 < validation_share < 1 and 0 < tune_share < 1 and validation_share + tune_share < 1):
        raise ValueError(
            f"shares must be in (0, 1) with a sum below 1 "
            f"(validation {validation_share}, tune {tune_share})"
        )
    block = blocks(sentence_ids)
    present, counts = np.unique(block, return_counts=True)
    if len(present) < _MIN_BLOCKS:
        raise ValueError(
            f"sentence ids span {len(present)} block(s) of {BLOCK}; at least {_MIN_BLOCKS} "
            "are needed to hold out whole debates"
        )
    size = dict(zip(present.tolist(), counts.tolist(), strict=True))
    order = [int(b) for b in np.random.default_rng(seed).permutation(present)]
    total = len(block)
    validation = _take(order, size, validation_share * total)
    rest = [b for b in order if b not in validation]
    tune = _take(rest, size, tune_share * total)
    if len(validation) + len(tune) >= len(present):
        raise ValueError("no block is left to fit on; lower the validation or tuning share")
    in_validation = np.isin(block, validation)
    in_tune = np.isin(block, tune)
    return DebateSplit(
        fit=np.flatnonzero(~in_validation & ~in_tune),
        tune=np.flatnonzero(in_tune),
        validation=np.flatnonzero(in_validation),
        tune_blocks=tuple(sorted(tune)),
        validation_blocks=tuple(sorted(validation)),
    )


def _take(order: list[int], size: dict[int, int], target: float) -> list[int]:
    """Blocks in `order` until their sentences reach `target` (at least one block)."""
    taken: list[int] = []
    count = 0
    for block in order:
        if taken and count >= target:
            break
        taken.append(block)
        count += size[block]
    return taken
