"""A separate process for the PostgreSQL index tests: opens the index at a URL, adds its
stories one at a time, and after each add searches until it sees one story of the other
writer; prints a JSON line of what it saw. `python -m tests.matcher.pg_worker URL NAME OTHER N`"""

from __future__ import annotations

import json
import sys
import time

from services.matcher.index import open_index
from services.matcher.stories import StoryRecord

DEADLINE_S = 60.0


def story(writer: str, number: int) -> StoryRecord:
    """The `number`th story of `writer`, findable by the word `writer`."""
    return StoryRecord(
        outlet="AP",
        title=f"{writer} report number {number}",
        body=f"Dispatch {number} filed by the {writer} desk about harbour traffic.",
        source=writer,
        url=f"https://wire.example/{writer}/{number}",
    )


def main() -> None:
    url, name, other, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    index = open_index(url, pool_size=2)
    added = 0
    for number in range(count):
        added += index.add([story(name, number)])[0]
    deadline = time.monotonic() + DEADLINE_S
    seen: set[str] = set()
    while time.monotonic() < deadline and len(seen) < count:
        seen = {h.story.url for h in index.search(other, 2 * count) if h.story.source == other}
        time.sleep(0.05)
    print(json.dumps({"added": added, "seen_of_other": len(seen), "total": index.count()}))


if __name__ == "__main__":
    main()
