"""Source adapters: every place wire stories come from, behind one interface
(`SourceAdapter.stories()` yielding `StoryRecord`s), so ingestion treats them alike."""

from services.matcher.sources.base import RateLimitedError, SourceAdapter, SourceError
from services.matcher.sources.local import CheckThatAdapter, Fnc1BodiesAdapter, ReutersAdapter
from services.matcher.sources.remote import GdeltAdapter, NytAdapter, RssAdapter

__all__ = [
    "CheckThatAdapter",
    "Fnc1BodiesAdapter",
    "GdeltAdapter",
    "NytAdapter",
    "RateLimitedError",
    "ReutersAdapter",
    "RssAdapter",
    "SourceAdapter",
    "SourceError",
]
