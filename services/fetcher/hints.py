"""Which lines of a text hold one of a few hint words. The boilerplate and signal patterns are
case-insensitive regular expressions that would otherwise scan every line of every page;
a plain substring search for their hints over the whole text, in C, picks the few lines
worth a regular expression."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

# Occurrences of one hint looked at, at most: a hint repeated thousands of times (an "@" in
# an inline script) must not make a page slow.
_MAX_OCCURRENCES = 64


class HintIndex:
    """The lines of a text, searchable case-insensitively for hint words."""

    def __init__(self, lines: list[str]) -> None:
        """`lines` must not contain newlines (as from `str.splitlines`)."""
        self.lines = lines
        self._lowered = "\n".join(lines).lower()
        self._starts: list[int] = []

    def lines_with(self, hints: Iterable[str]) -> set[int]:
        """Indices of the lines holding one of the lower-case `hints`."""
        text = self._lowered
        found: set[int] = set()
        for hint in hints:
            position = text.find(hint)
            while position != -1:
                found.add(bisect_right(self._line_starts(), position) - 1)
                next_line = text.find("\n", position)
                if next_line == -1:
                    break
                position = text.find(hint, next_line)
        return found

    def search(self, pattern: re.Pattern[str], hints: Iterable[str], reach: int = 200) -> bool:
        """Whether `pattern` (case-insensitive, written for lower-case text) matches within
        `reach` characters of one of the `hints`, on the hint's line."""
        text = self._lowered
        for hint in hints:
            position = text.find(hint)
            for _ in range(_MAX_OCCURRENCES):
                if position == -1:
                    break
                line_end = text.find("\n", position)
                start = max(text.rfind("\n", 0, position) + 1, position - reach)
                end = min(len(text) if line_end == -1 else line_end, position + len(hint) + reach)
                if pattern.search(text, start, end):
                    return True
                position = text.find(hint, position + 1)
        return False

    def _line_starts(self) -> list[int]:
        if not self._starts:
            self._starts = [0]
            position = self._lowered.find("\n")
            while position != -1:
                self._starts.append(position + 1)
                position = self._lowered.find("\n", position + 1)
        return self._starts
