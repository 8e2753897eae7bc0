"""The story record every source adapter yields and every index backend stores.

It is a plain dataclass rather than the protobuf message so that adapters, the index and
the Celery tasks do not depend on gRPC; `to_proto`/`from_proto` convert at the service edge.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from credence.v1 import evidence_pb2, matcher_pb2

_SPACE = re.compile(r"\s+")


def content_hash(title: str, body: str) -> str:
    """SHA-256 of the normalised title and body: the same story under two URLs has one hash."""
    normal = _SPACE.sub(" ", f"{title}\n{body}".lower()).strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


@dataclass
class StoryRecord:
    """One wire story or fact-check, as a source adapter yields it."""

    outlet: str
    title: str
    body: str
    source: str
    url: str = ""
    published_at: datetime | None = None
    id: str = ""
    content_hash: str = field(default="")
    publisher_domain: str = ""
    """The registrable domain of the site that published this copy."""
    wire_origin: str = ""
    """"Reuters" or "AP" for a syndicated wire story (then `outlet` is the wire service)."""
    origin_url: str = ""
    """The wire service's own URL of the story, when known."""
    text_basis: int = evidence_pb2.TEXT_BASIS_UNSPECIFIED
    """How much of the story's text `body` holds (an `evidence_pb2.TextBasis`)."""

    def __post_init__(self) -> None:
        if self.published_at is not None and self.published_at.tzinfo is None:
            self.published_at = self.published_at.replace(tzinfo=UTC)
        if not self.content_hash:
            self.content_hash = content_hash(self.title, self.body)
        if not self.id:
            key = self.url or self.content_hash
            self.id = hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]

    @property
    def text(self) -> str:
        """Title and body together, as stance and retrieval read them."""
        return f"{self.title}\n{self.body}" if self.title else self.body

    def to_proto(self) -> evidence_pb2.WireStory:
        """The WireStory message (metadata only, no body)."""
        story = evidence_pb2.WireStory(
            id=self.id,
            outlet=self.outlet,
            url=self.url,
            title=self.title,
            source=self.source,
            publisher_domain=self.publisher_domain,
            wire_origin=self.wire_origin,
            origin_url=self.origin_url,
            text_basis=evidence_pb2.TextBasis.ValueType(self.text_basis),
        )
        if self.published_at is not None:
            story.published_at.FromDatetime(self.published_at.astimezone(UTC))
        return story

    @classmethod
    def from_proto(cls, doc: matcher_pb2.StoryDocument) -> StoryRecord:
        """A record from an AddStories document."""
        story = doc.story
        published = (
            story.published_at.ToDatetime(tzinfo=UTC) if story.HasField("published_at") else None
        )
        return cls(
            outlet=story.outlet,
            title=story.title,
            body=doc.body,
            source=story.source or "api",
            url=story.url,
            published_at=published,
            id=story.id,
            publisher_domain=story.publisher_domain,
            wire_origin=story.wire_origin,
            origin_url=story.origin_url,
            text_basis=int(story.text_basis),
        )


@dataclass(frozen=True)
class SearchHit:
    """A story found for a query, with its retrieval score."""

    story: StoryRecord
    score: float


@dataclass(frozen=True)
class IndexStats:
    """What an index holds."""

    stories: int
    by_source: dict[str, int]
    size_bytes: int
    newest_by_source: dict[str, datetime] = field(default_factory=dict)
    """Publication time of the newest dated story of each source (UTC)."""
    outdated: bool = False
    """The index predates the current schema: it still serves, and a rebuild gives it what
    it lacks (a tantivy folder; PostgreSQL migrates itself)."""
