"""Stances already computed, kept per (claim, story) pair.

A claim comes back with the same stories whenever an article is scored again (another URL
for the same text, a refresh after a wire search, a syndicated copy), and the stance model
is the matcher's dearest step after the encoders. Pairs are keyed by a hash of the claim's
text and the story's id and content hash (an updated story is judged again); the cache is
bounded (least recently used first out) and shared by the request threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from services.matcher.stance import StanceModel, StancePrediction
from services.matcher.stories import StoryRecord

DEFAULT_PAIRS = 20_000
"""Pairs kept; one is a few hundred bytes (its probabilities and passage)."""

_Key = tuple[str, str, str]


def claim_key(claim: str) -> str:
    """What identifies a claim's text in the cache."""
    return hashlib.blake2b(claim.encode("utf-8"), digest_size=16).hexdigest()


class StanceCache:
    """`StanceModel.predict` for (claim, stories), computing only the pairs not kept."""

    def __init__(self, model: StanceModel, pairs: int = DEFAULT_PAIRS) -> None:
        self.model = model
        self.pairs = pairs
        self._kept: OrderedDict[_Key, StancePrediction] = OrderedDict()
        self._lock = threading.Lock()

    def predict(self, claim: str, stories: Sequence[StoryRecord]) -> list[StancePrediction]:
        """The stance of every story towards `claim`, in the stories' order."""
        if not stories:
            return []
        head = claim_key(claim)
        keys = [(head, s.id, s.content_hash) for s in stories]
        with self._lock:
            found = {k: self._kept[k] for k in keys if k in self._kept}
            for key in found:
                self._kept.move_to_end(key)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = self.model.predict(claim, [stories[i].text for i in missing])
            computed = {keys[i]: p for i, p in zip(missing, fresh, strict=True)}
            found.update(computed)
            with self._lock:
                self._kept.update(computed)
                while len(self._kept) > self.pairs:
                    self._kept.popitem(last=False)
        return [found[k] for k in keys]
