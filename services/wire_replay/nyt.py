"""`GET /svc/search/v2/articlesearch.json`: the NYT Article Search API's shape over the
snapshot (the records are other outlets' pages; `source` names the outlet's domain).

As the real API: `api-key` is required (401 with an Apigee fault otherwise), `begin_date`
and `end_date` are `YYYYMMDD` and inclusive, 10 documents a page, `page` 0 to 100. `q` is
read leniently: its words and quoted phrases must all appear in title or lead. Results are
newest first (`sort=oldest` reverses); NYT's relevance order cannot be reproduced."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from services.wire_replay.query import parse_keywords
from services.wire_replay.records import CoverageRecord
from services.wire_replay.replies import Reply

PATH = "/svc/search/v2/articlesearch.json"
PAGE_SIZE = 10
MAX_PAGE = 100
COPYRIGHT = "Recorded coverage snapshot served by the Credence wire replay; not NYT content."


class _BadRequest(ValueError):
    pass


def fault(faultstring: str, errorcode: str) -> dict[str, object]:
    """The Apigee fault body the NYT API answers with for key and quota failures."""
    return {"fault": {"faultstring": faultstring, "detail": {"errorcode": errorcode}}}


def rate_limited(api_key: str) -> Reply:
    """NYT's answer past its quota: 429 with an Apigee QuotaViolation fault."""
    return Reply.json(
        fault(
            f"Rate limit quota violation. Quota limit  exceeded. Identifier : {api_key}",
            "policies.ratelimit.QuotaViolation",
        ),
        status=429,
    )


def key_refusal(params: Mapping[str, str], expected_key: str) -> Reply | None:
    """The 401 for a missing or wrong `api-key`, or None when the key is right."""
    if "api-key" not in params:
        return Reply.json(
            fault(
                "Failed to resolve API Key variable request.queryparam.api-key",
                "steps.oauth.v2.FailedToResolveAPIKey",
            ),
            status=401,
        )
    if params["api-key"] != expected_key:
        return Reply.json(fault("Invalid ApiKey", "oauth.v2.InvalidApiKey"), status=401)
    return None


def article_search(
    params: Mapping[str, str], records: Sequence[CoverageRecord], expected_key: str
) -> Reply:
    """The answer to one Article Search request."""
    refusal = key_refusal(params, expected_key)
    if refusal is not None:
        return refusal
    try:
        begin = _date("begin_date", params.get("begin_date", ""))
        end = _date("end_date", params.get("end_date", ""))
        page = _page(params.get("page", "0"))
    except _BadRequest as error:
        return Reply.json({"status": "ERROR", "copyright": COPYRIGHT, "errors": [str(error)]}, 400)
    query = parse_keywords(params.get("q", ""))
    found = [
        r
        for r in records
        if (begin is None or r.published >= begin)
        and (end is None or r.published <= end)
        and query.matches(r.document)
    ]
    found.sort(key=lambda r: r.seen, reverse=params.get("sort", "newest") != "oldest")
    docs = [_doc(r) for r in found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]]
    meta = {"hits": len(found), "offset": page * PAGE_SIZE, "time": 0}
    return Reply.json(
        {"status": "OK", "copyright": COPYRIGHT, "response": {"docs": docs, "meta": meta}}
    )


def _doc(record: CoverageRecord) -> dict[str, object]:
    return {
        "_id": f"replay://{record.url}",
        "uri": f"replay://{record.url}",
        "web_url": record.url,
        "headline": {"main": record.title, "kicker": None, "print_headline": None},
        "abstract": record.lead,
        "snippet": record.lead,
        "lead_paragraph": record.lead,
        "source": record.domain,
        "pub_date": record.seen.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "document_type": "article",
        "type_of_material": "News",
        "word_count": 0,
    }


def _date(name: str, text: str) -> date | None:
    if not text:
        return None
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError(text)
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise _BadRequest(f"{name} must be YYYYMMDD, not {text!r}") from None


def _page(text: str) -> int:
    try:
        page = int(text)
    except ValueError:
        raise _BadRequest(f"page must be a number from 0 to {MAX_PAGE}, not {text!r}") from None
    if not 0 <= page <= MAX_PAGE:
        raise _BadRequest(f"page must be a number from 0 to {MAX_PAGE}, not {page}")
    return page
