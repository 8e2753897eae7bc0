"""Which wire service a story comes from, when another site republishes it.

A Reuters or AP story carried by a newspaper's site is Reuters or AP evidence: the page says
so with a dateline tag ("MOSCOW (Reuters) -", "KYIV, Ukraine (AP) —"), a byline or credit
line ("By Reuters", "Reporting by … ; Editing by …", "Associated Press"), or its address
(".../ap/..."). The publisher's own domain is kept beside it so both are shown.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from services.common.domains import registrable_domain

WIRE_DOMAINS = {"reuters.com": "Reuters", "apnews.com": "AP", "ap.org": "AP"}

_TAGS = (
    ("Reuters", re.compile(r"\(\s*Reuters\s*\)\s*[-–—]")),
    ("AP", re.compile(r"\(\s*AP\s*\)\s*[-–—]")),
)
_CREDITS = (
    (
        "Reuters",
        re.compile(r"\b(?:By|Source:|©)\s+Reuters\b|\bReporting by\b.{0,200}\bEditing by\b"),
    ),
    ("AP", re.compile(r"\b(?:By|Source:|©)\s+(?:The\s+)?Associated Press\b|\bAP Photo\b")),
)
_AP_PATH = re.compile(r"/(?:ap|ap-[a-z-]+|apnews)/", re.IGNORECASE)
_LEAD_CHARS = 400


def outlet_of_domain(domain: str) -> str:
    """The wire service whose own site `domain` is, or ""."""
    return WIRE_DOMAINS.get(domain, "")


def wire_origin(url: str, text: str = "", byline: str = "") -> str:
    """ "Reuters" or "AP" when the page at `url` with this `text` carries a wire story, else
    "". The wire services' own sites are their own origin."""
    own = outlet_of_domain(registrable_domain(url)) if url else ""
    if own:
        return own
    lead = text[:_LEAD_CHARS]
    for outlet, tag in _TAGS:
        if tag.search(lead):
            return outlet
    for outlet, credit in _CREDITS:
        if credit.search(byline) or credit.search(text[-_LEAD_CHARS:]) or credit.search(lead):
            return outlet
    if url and _AP_PATH.search(urlsplit(url).path):
        return "AP"
    return ""
