"""The adapter interface and the errors adapters raise.

Errors say whether a retry may help (`transient`), and a rate limit carries the wait the
server asked for, so the Celery task can back off by exactly that much.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from services.matcher.stories import StoryRecord


@runtime_checkable
class SourceAdapter(Protocol):
    """A source of stories."""

    name: str

    def stories(self) -> Iterator[StoryRecord]:
        """Yields the source's stories, oldest or newest first as the source gives them."""
        ...


class SourceError(Exception):
    """A source could not be read."""

    def __init__(self, source: str, message: str, transient: bool = False) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.detail = message
        self.transient = transient

    def __reduce__(self) -> tuple[object, ...]:
        # Picklable, so Celery can carry the error between worker and result backend.
        return (type(self), (self.source, self.detail, self.transient))


class RateLimitedError(SourceError):
    """The source answered 429 (or its own rate-limit message); retry after `retry_after_s`."""

    def __init__(self, source: str, message: str, retry_after_s: float = 60.0) -> None:
        super().__init__(source, message, transient=True)
        self.retry_after_s = retry_after_s

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.source, self.detail, self.retry_after_s))
