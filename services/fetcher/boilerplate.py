"""Lines that are page furniture, not article: share buttons, newsletter and membership
appeals, disclaimers, copyright notices, image credits. Text copied from a page (and some
pages' main content) carries them; the article text must not."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.fetcher.hints import HintIndex

_ALWAYS = re.compile(
    r"^\s*(?:disclaimer|note to readers?|featured image|image credit|photo credit|"
    r"for media inquiries|copyright\b|©|\(c\)\s*\d{4}|all rights reserved|"
    r"become a member|advertisement\s*$|related(?: articles| posts| stories)?\s*:?\s*$|"
    r"comment on .{0,60}(?:facebook|twitter))"
    r"|click (?:here|the share button)|share button|\bnewsletter\b|can be read in \d+ languages"
    r"|translate website|copyrighted material|cross-post|subscribe to our"
    r"|^\s*[*\-_=•·]{2,}\s*$",
    re.IGNORECASE,
)
_SHORT = re.compile(
    r"\b(?:share (?:this|on)|follow us|sign up|subscribe|read more|print this|email this|"
    r"tweet this|donate|support (?:us|our))\b",
    re.IGNORECASE,
)
_SHORT_LIMIT = 200
# Every _ALWAYS / _SHORT match but a rule line contains one of these (lower-cased): a cheap
# test first.
_HINTS = (
    "disclaimer",
    "note to reader",
    "image",
    "photo",
    "media inquiries",
    "copyright",
    "©",
    "(c)",
    "rights reserved",
    "member",
    "advertisement",
    "related",
    "facebook",
    "twitter",
    "click",
    "share",
    "newsletter",
    "languages",
    "translate",
    "cross-post",
    "subscribe",
    "follow us",
    "sign up",
    "read more",
    "print",
    "email",
    "tweet",
    "donate",
    "support",
)
_RULE = re.compile(r"^\s*[*\-_=•·]{2,}\s*$")
_AUTHOR_HEADING = re.compile(r"^\s*about the authors?\s*:?\s*$", re.IGNORECASE)
_BIO_NAME = re.compile(
    r"^\s*((?:[A-Z][\w.'’-]+\s+){1,3}[A-Z][\w.'’-]+)\s+(?:is|was|has been|teaches|writes)\b"
)


@dataclass
class Cleaned:
    """Text without boilerplate lines, and what was learnt from the lines removed."""

    text: str
    author: str = ""


def _is_boilerplate(line: str, hinted: bool) -> bool:
    """True for a line that is page furniture (`hinted`: the line holds one of the hints)."""
    if not hinted and not _RULE.match(line):
        return False
    if _ALWAYS.search(line):
        return True
    return len(line) < _SHORT_LIMIT and bool(_SHORT.search(line))


def strip_boilerplate(text: str) -> Cleaned:
    """Drops boilerplate lines and an "About the author" block (keeping the author's name),
    and squeezes runs of blank lines."""
    out: list[str] = []
    author = ""
    lines = text.splitlines()
    hinted = HintIndex(lines).lines_with(_HINTS)
    skip_bio = False
    for index, line in enumerate(lines):
        if _AUTHOR_HEADING.match(line):
            skip_bio = True
            continue
        if skip_bio and line.strip():
            skip_bio = False
            match = _BIO_NAME.match(line)
            if match:
                author = author or match.group(1).strip()
                continue
        if _is_boilerplate(line, index in hinted):
            continue
        out.append(line.rstrip())
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    return Cleaned(joined, author)
