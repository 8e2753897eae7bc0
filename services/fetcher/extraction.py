"""Where the fetcher's CPU-bound half, turning a page into an Article, runs: in this process
or, with `CREDENCE_FETCHER_PROCESSES=N` (N > 1), in N forked worker processes that take
the pages from one queue (`services.common.process_pool`), so the fetcher uses N cores.

In-process, a typical page (a few milliseconds) is extracted on the event loop, which is
cheaper than a thread hop; a large input, and a fetched page, go to a worker thread so that
the loop keeps answering health checks and fetches meanwhile. With workers, every
extraction is handed over serialized (the ExtractRequest, or the fetched page) and the
Article comes back serialized; an extraction error comes back as the same CredenceError.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from credence.v1 import article_pb2, fetcher_pb2

from services.common.errors import CredenceError, invalid_argument
from services.common.process_pool import ForkedPool, fork_pool
from services.common.urls import validate_url
from services.fetcher import errors, pagefields
from services.fetcher.article import Draft, build_article
from services.fetcher.decoding import decode_body
from services.fetcher.htmlpage import extract_html
from services.fetcher.http_getter import RawResponse
from services.fetcher.plaintext import extract_text

_LOGGER = logging.getLogger(__name__)

WORKER_DIED = "FETCHER_UNAVAILABLE"
"""The reason of the error a call gets when an extraction worker died under it."""
INLINE_EXTRACT_CHARS = 200_000
"""Inputs up to this size take a few milliseconds to extract: on the loop, in-process."""


@dataclass(frozen=True)
class Extraction:
    """Runs extractions under the body limit, in the workers of `pool` when there is one."""

    max_body_bytes: int
    pool: ForkedPool | None = None

    def extract(self, request: fetcher_pb2.ExtractRequest) -> fetcher_pb2.ExtractResponse:
        """Extracts in this thread."""
        return extract_request(request, self.max_body_bytes)

    async def aextract(self, request: fetcher_pb2.ExtractRequest) -> fetcher_pb2.ExtractResponse:
        """Extracts in a free worker, else here (on the loop, or a thread for a large input)."""
        if self.pool is not None:
            answer = await self.pool.acall(_extract_in_worker, request.SerializeToString())
            return fetcher_pb2.ExtractResponse.FromString(answer)
        if len(request.html) + len(request.text) <= INLINE_EXTRACT_CHARS:
            return self.extract(request)
        return await asyncio.to_thread(self.extract, request)

    async def page_article(self, url: str, raw: RawResponse) -> article_pb2.Article:
        """The Article of a page fetched from `url`, in a free worker or a thread."""
        if self.pool is not None:
            page = FetchedPage(url, raw.url, raw.media_type, raw.charset, raw.body)
            answer = await self.pool.acall(_page_article_in_worker, page.to_bytes())
            return article_pb2.Article.FromString(answer)
        return await asyncio.to_thread(fetched_article, url, raw)


def extract_request(
    request: fetcher_pb2.ExtractRequest, max_body_bytes: int
) -> fetcher_pb2.ExtractResponse:
    """Extracts the article from the HTML or text in `request`; nothing is fetched."""
    url = validate_url(request.url) if request.url.strip() else ""
    html, text = request.html, request.text
    if html and text:
        raise invalid_argument(
            "text", "must be empty when html is set (set exactly one)", "EXTRACT_INPUT_AMBIGUOUS"
        )
    if not html.strip() and not text.strip():
        raise invalid_argument(
            "html", "one of html or text must be set and non-blank", "EXTRACT_INPUT_MISSING"
        )
    field, value = ("html", html) if html else ("text", text)
    if len(value) > max_body_bytes:
        raise invalid_argument(field, f"longer than {max_body_bytes} characters", "INPUT_TOO_LARGE")
    draft = _guard(lambda: extract_html(html, url) if html else extract_text(text, url))
    return fetcher_pb2.ExtractResponse(article=build_article(draft))


def fetched_article(url: str, raw: RawResponse) -> article_pb2.Article:
    """The Article of a page fetched from `url` (its body decoded, then extracted)."""
    return build_article(_guard(lambda: _draft_of(url, raw)))


def _draft_of(url: str, raw: RawResponse) -> Draft:
    text, _encoding = decode_body(raw.body, raw.charset)
    if raw.media_type == "text/plain" or (not raw.media_type and not _looks_like_html(text)):
        draft = extract_text(text, url)
        draft.base_url = raw.url
        return draft
    return extract_html(text, url, base_url=raw.url)


def _looks_like_html(text: str) -> bool:
    head = text[:1024].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head


def _guard(work: Callable[[], Draft]) -> Draft:
    """Runs an extraction, turning any parser failure on hostile input into a CredenceError."""
    try:
        return work()
    except CredenceError:
        raise
    except RecursionError as error:
        raise errors.extraction_failed("the page is nested too deeply") from error
    except Exception as error:  # third-party parsers on arbitrary input: never crash
        _LOGGER.warning("extraction failed: %s", error, exc_info=True)
        raise errors.extraction_failed(type(error).__name__) from error


@dataclass(frozen=True)
class FetchedPage:
    """What a worker needs of a fetched page: a JSON header line, then the body's bytes."""

    url: str
    final_url: str
    media_type: str
    charset: str | None
    body: bytes

    def to_bytes(self) -> bytes:
        header = [self.url, self.final_url, self.media_type, self.charset]
        return json.dumps(header).encode("ascii") + b"\n" + self.body

    @classmethod
    def from_bytes(cls, data: bytes) -> FetchedPage:
        header, _, body = data.partition(b"\n")
        url, final_url, media_type, charset = json.loads(header)
        return cls(url, final_url, media_type, charset, body)

    def raw(self) -> RawResponse:
        """The response as the worker extracts it (its status does not matter there)."""
        return RawResponse(self.final_url, 200, self.media_type, self.charset, self.body)


_WORKER_MAX_BODY_BYTES = 0
"""The body limit in a worker process (set by `_start_worker`)."""


def start_workers(max_body_bytes: int, processes: int) -> ForkedPool:
    """Forks the extraction workers now (before gRPC starts in this process), with the
    language and date models loaded first, so that they share them."""
    pagefields.warm_up()
    return fork_pool("fetcher", processes, _start_worker, (max_body_bytes,))


def _start_worker(max_body_bytes: int) -> None:
    global _WORKER_MAX_BODY_BYTES  # noqa: PLW0603 (one limit per worker process)
    _WORKER_MAX_BODY_BYTES = max_body_bytes


def _extract_in_worker(request: bytes) -> bytes:
    """One Extract call in a worker, serialized both ways."""
    if not _WORKER_MAX_BODY_BYTES:
        raise RuntimeError("the extraction worker was not started")
    answer = extract_request(fetcher_pb2.ExtractRequest.FromString(request), _WORKER_MAX_BODY_BYTES)
    return answer.SerializeToString()


def _page_article_in_worker(page: bytes) -> bytes:
    """One fetched page's Article in a worker, serialized both ways."""
    fetched = FetchedPage.from_bytes(page)
    return fetched_article(fetched.url, fetched.raw()).SerializeToString()
