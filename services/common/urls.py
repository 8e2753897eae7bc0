"""URL validation and canonicalisation shared by the front door, the fetcher and the CLI.

Canonical URLs key the report cache, so two spellings of one article share one report."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from services.common.errors import invalid_argument

MAX_URL_LENGTH = 2048

_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src"}
)


def validate_url(url: str, field: str = "url") -> str:
    """Returns the URL stripped, or raises INVALID_ARGUMENT naming what is wrong with it."""
    value = url.strip()
    if not value:
        raise invalid_argument(field, "must not be empty", "URL_EMPTY")
    if len(value) > MAX_URL_LENGTH:
        raise invalid_argument(field, f"longer than {MAX_URL_LENGTH} characters", "URL_TOO_LONG")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise invalid_argument(field, "contains whitespace or control characters", "URL_MALFORMED")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise invalid_argument(field, f"is not a valid URL ({error})", "URL_MALFORMED") from error
    if parts.scheme.lower() not in ("http", "https"):
        raise invalid_argument(
            field,
            f"scheme must be http or https, not {parts.scheme or 'none'!r}",
            "URL_UNSUPPORTED_SCHEME",
        )
    if not parts.hostname:
        raise invalid_argument(field, "has no host", "URL_MALFORMED")
    if parts.username or parts.password:
        raise invalid_argument(field, "must not carry credentials", "URL_MALFORMED")
    if port == 0:
        raise invalid_argument(field, "port 0 is not valid", "URL_MALFORMED")
    return value


def canonical_url(url: str) -> str:
    """Lower-cased scheme and host, no default port, no fragment, no tracking parameters,
    sorted query. `validate_url` must have accepted it."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if parts.port in (None, default) else f"[{host}]:{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING_PARAMS and not k.lower().startswith("utm_")
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))
