"""`GET /page?url=<recorded url>`: a small HTML page per record, so the fetcher and the
extractor can be run against loopback in place of the outlet's site.

It holds only what was recorded (title, publication time, canonical address, and the lead as
the first paragraph, verbatim with any "(Reuters) -" or "(AP) —" tag), never a body."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from services.wire_replay.records import CoverageRecord
from services.wire_replay.replies import TEXT_TYPE, Reply

PATH = "/page"
ROBOTS_PATH = "/robots.txt"


def page(params: Mapping[str, str], by_url: Mapping[str, CoverageRecord]) -> Reply:
    """The mirror page of the record at `url`, 400 without one, 404 for an unknown one."""
    url = params.get("url", "")
    if not url:
        return Reply.text("missing the url parameter: /page?url=<recorded article URL>", 400)
    record = by_url.get(url)
    if record is None:
        return Reply.text(f"no recorded page for {url}", 404)
    return Reply.html(render(record))


def render(record: CoverageRecord) -> str:
    title, url = escape(record.title), escape(record.url, quote=True)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<link rel="canonical" href="{url}">\n'
        f'<meta property="og:url" content="{url}">\n'
        f'<meta property="og:title" content="{escape(record.title, quote=True)}">\n'
        f'<meta property="og:site_name" content="{escape(record.domain, quote=True)}">\n'
        f'<meta property="article:published_time" content="{record.published_time}">\n'
        "</head>\n<body>\n"
        "<!-- recorded title and lead only; the page's body was not recorded -->\n"
        f"<article>\n<h1>{title}</h1>\n<p>{escape(record.lead)}</p>\n</article>\n"
        "</body>\n</html>\n"
    )


def robots() -> Reply:
    """Every path may be fetched (the mirror stands in for pages that were public)."""
    return Reply(200, TEXT_TYPE, b"User-agent: *\nAllow: /\n")
