"""Host names in the one form the fetcher uses for everything: IDNA 2008 ASCII (UTS #46
mapping, no transitional processing; `bücher.example` is `xn--bcher-kva.example`), lower
case, without a trailing dot. Resolving, the Host header, TLS SNI and the per-host rate limit
all use this string, so they cannot disagree about which host a URL names (Python's own
`idna` codec is IDNA 2003 and would send `faß.de` to `fass.de`)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import idna

from services.common.errors import invalid_argument


def ascii_host(host: str) -> str:
    """The IDNA 2008 ASCII form of `host`; raises INVALID_ARGUMENT when it has none."""
    value = host.strip().rstrip(".").lower()
    if value.isascii():
        return value
    try:
        return idna.encode(value, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as error:
        raise invalid_argument(
            "url", f"host {host!r} is not a valid internationalised name ({error})", "URL_MALFORMED"
        ) from error


def url_host(url: str) -> str:
    """The ASCII host name of an absolute URL (no user info, port, path or query)."""
    return ascii_host(urlsplit(url).hostname or "")


def ascii_url(url: str) -> str:
    """`url` with its host in ASCII form, so every later step sees one spelling."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ascii_name = ascii_host(host)
    if ascii_name == host or ":" in host:  # already ASCII, or an IPv6 literal
        return url
    netloc = ascii_name if parts.port is None else f"{ascii_name}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
