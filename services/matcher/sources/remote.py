"""Adapters over remote sources: RSS/Atom feeds, the NYT Article Search API and the GDELT
DOC 2.0 API. Each takes an `httpx.Client` (so tests point them at a local replay server)
and maps HTTP failures onto `SourceError` / `RateLimitedError`."""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
from credence.v1 import evidence_pb2

from services.common.domains import registrable_domain
from services.matcher.sources.base import RateLimitedError, SourceError
from services.matcher.stories import StoryRecord
from services.matcher.wire_origin import wire_origin

_LOGGER = logging.getLogger(__name__)

NYT_URL = "https://api.nytimes.com/svc/search/v2/articlesearch.json"
GDELT_URL = "https://api.gdeltproject.org/api/v2/doc/doc"
WIRE_DOMAINS = ("reuters.com", "apnews.com", "nytimes.com", "afp.com")
DOMAIN_OUTLETS = {
    "reuters.com": "Reuters",
    "apnews.com": "AP",
    "nytimes.com": "NYT",
    "afp.com": "AFP",
}


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 1.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        return max((when - datetime.now(UTC)).total_seconds(), 1.0)
    except (TypeError, ValueError):
        return 60.0


def get(
    client: httpx.Client,
    source: str,
    url: str,
    params: dict[str, Any] | None = None,
    timeout_s: float | None = None,
) -> httpx.Response:
    """GET with the source's failures mapped: 429 → rate limited, 5xx and network errors →
    transient, other 4xx → permanent. `timeout_s` overrides the client's timeout."""
    timeout = (
        httpx.Timeout(timeout_s, connect=min(2.0, timeout_s))
        if timeout_s is not None
        else httpx.USE_CLIENT_DEFAULT
    )
    try:
        response = client.get(url, params=params, timeout=timeout)
    except httpx.HTTPError as error:
        raise SourceError(source, f"request failed: {error}", transient=True) from error
    if response.status_code == 429:
        raise RateLimitedError(source, _error_text(response), _retry_after(response))
    if response.status_code >= 500:
        raise SourceError(source, f"HTTP {response.status_code}", transient=True)
    if response.status_code >= 400:
        raise SourceError(source, f"HTTP {response.status_code}: {_error_text(response)}")
    return response


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    fault = body.get("fault", {}) if isinstance(body, dict) else {}
    return str(fault.get("faultstring") or body)[:200]


class RssAdapter:
    """One RSS or Atom feed of one outlet."""

    name = "rss"

    def __init__(self, client: httpx.Client, url: str, outlet: str) -> None:
        self.client = client
        self.url = url
        self.outlet = outlet

    def stories(self) -> Iterator[StoryRecord]:
        response = get(self.client, self.name, self.url)
        feed = feedparser.parse(response.content)
        if feed.bozo and not feed.entries:
            raise SourceError(self.name, f"not a feed: {feed.get('bozo_exception')}")
        for entry in feed.entries:
            title = str(entry.get("title", "")).strip()
            body = str(entry.get("summary", "") or entry.get("description", "")).strip()
            if not (title or body):
                continue
            parsed = entry.get("published_parsed") or entry.get("updated_parsed")
            yield StoryRecord(
                outlet=self.outlet,
                title=title,
                body=_strip_html(body) or title,
                source=self.name,
                url=str(entry.get("link", "")),
                published_at=datetime.fromtimestamp(calendar.timegm(parsed), UTC)
                if parsed
                else None,
            )


def _strip_html(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


class NytAdapter:
    """The NYT Article Search API (v2): a query within a date window, page by page."""

    name = "nyt"

    def __init__(
        self,
        client: httpx.Client,
        api_key: str,
        query: str,
        begin: datetime,
        end: datetime,
        *,
        max_pages: int = 3,
        base_url: str = NYT_URL,
        timeout_s: float | None = None,
    ) -> None:
        if not api_key:
            raise SourceError(self.name, "no API key (set CREDENCE_NYT_API_KEY)")
        self.client, self.api_key, self.query = client, api_key, query
        self.begin, self.end, self.max_pages, self.base_url = begin, end, max_pages, base_url
        self.timeout_s = timeout_s

    def stories(self) -> Iterator[StoryRecord]:
        for page in range(self.max_pages):
            params = {
                "q": self.query,
                "begin_date": self.begin.strftime("%Y%m%d"),
                "end_date": self.end.strftime("%Y%m%d"),
                "page": page,
                "sort": "newest",
                "api-key": self.api_key,
            }
            response = get(self.client, self.name, self.base_url, params, self.timeout_s)
            try:
                body = response.json()
            except ValueError:
                raise SourceError(self.name, "not JSON", transient=True) from None
            if not isinstance(body, dict):
                raise SourceError(self.name, f"unexpected answer: {str(body)[:200]!r}")
            if body.get("status") not in (None, "OK"):
                raise SourceError(self.name, f"status {body.get('status')}: {body.get('errors')}")
            docs = (body.get("response") or {}).get("docs") or []
            yield from (self._story(doc) for doc in docs)
            if len(docs) < 10:
                return

    def _story(self, doc: dict[str, Any]) -> StoryRecord:
        headline = doc.get("headline") or {}
        parts = [doc.get("abstract") or "", doc.get("lead_paragraph") or doc.get("snippet") or ""]
        body = " ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
        return StoryRecord(
            outlet="NYT",
            title=str(headline.get("main", "")),
            body=body,
            source=self.name,
            url=str(doc.get("web_url", "")),
            published_at=_iso(doc.get("pub_date")),
            publisher_domain="nytimes.com",
            text_basis=evidence_pb2.TEXT_BASIS_TITLE_AND_LEAD
            if body
            else evidence_pb2.TEXT_BASIS_TITLE,
        )


def _iso(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class GdeltAdapter:
    """The GDELT DOC 2.0 API in `artlist` mode within a date window, optionally limited to
    some domains. GDELT lists articles (URL, title, date), not their text: the title is the
    body until the page is read."""

    name = "gdelt"

    def __init__(
        self,
        client: httpx.Client,
        query: str,
        start: datetime,
        end: datetime,
        *,
        domains: Sequence[str] = WIRE_DOMAINS,
        max_records: int = 250,
        base_url: str = GDELT_URL,
        language: str = "english",
        timeout_s: float | None = None,
    ) -> None:
        self.client, self.query = client, query
        self.start, self.end = _aware(start), _aware(end)
        self.domains, self.max_records, self.base_url = tuple(domains), max_records, base_url
        self.language, self.timeout_s = language, timeout_s

    def _query_text(self) -> str:
        parts = [self.query]
        if len(self.domains) == 1:
            parts.append(f"domain:{self.domains[0]}")
        elif self.domains:
            parts.append("(" + " OR ".join(f"domain:{d}" for d in self.domains) + ")")
        if self.language:
            parts.append(f"sourcelang:{self.language}")
        return " ".join(parts)

    def stories(self) -> Iterator[StoryRecord]:
        params = {
            "query": self._query_text(),
            "mode": "artlist",
            "format": "json",
            "maxrecords": self.max_records,
            "sort": "datedesc",
            "startdatetime": self.start.strftime("%Y%m%d%H%M%S"),
            "enddatetime": self.end.strftime("%Y%m%d%H%M%S"),
        }
        response = get(self.client, self.name, self.base_url, params, self.timeout_s)
        try:
            body = response.json()
        except ValueError:
            text = response.text.strip()
            if "limit requests" in text.lower():
                raise RateLimitedError(self.name, text[:200], 5.0) from None
            # A JSON answer that does not parse is a broken reply (retry); plain text is
            # GDELT's refusal of the query itself ("The specified phrase is too short.").
            garbled = "json" in response.headers.get("content-type", "")
            raise SourceError(self.name, f"not JSON: {text[:200]!r}", transient=garbled) from None
        if not isinstance(body, dict):
            raise SourceError(self.name, f"unexpected answer: {str(body)[:200]!r}")
        for article in body.get("articles") or []:
            story = self._story(article) if isinstance(article, dict) else None
            if story is not None:
                yield story

    def _story(self, article: dict[str, Any]) -> StoryRecord | None:
        url = str(article.get("url", ""))
        host = (urlsplit(url).hostname or "").lower()
        if not host:
            return None
        if self.domains and not any(host == d or host.endswith("." + d) for d in self.domains):
            return None
        when = _gdelt_date(str(article.get("seendate", "")))
        if when is None or not self.start <= when <= self.end:
            return None
        title = str(article.get("title", "")).strip()
        if not title:
            return None
        domain = registrable_domain(url)
        origin = wire_origin(url)
        return StoryRecord(
            outlet=origin or DOMAIN_OUTLETS.get(domain, domain),
            title=title,
            body=title,
            source=self.name,
            url=url,
            published_at=when,
            publisher_domain=domain,
            wire_origin=origin if origin and domain not in DOMAIN_OUTLETS else "",
            text_basis=evidence_pb2.TEXT_BASIS_TITLE,
        )


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _gdelt_date(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
