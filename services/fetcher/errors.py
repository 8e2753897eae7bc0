"""The fetcher's refusals and failures, one constructor per reason, so every caller sees the
same stable UPPER_SNAKE_CASE reason and the gRPC code that tells it whether to retry."""

from __future__ import annotations

import grpc

from services.common.errors import CredenceError

_DENIED = grpc.StatusCode.PERMISSION_DENIED
_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
_UNAVAILABLE = grpc.StatusCode.UNAVAILABLE


def blocked_address(host: str, address: str) -> CredenceError:
    """The host resolves to, or is, an address that is not on the public internet."""
    return CredenceError(
        _DENIED,
        "FETCH_BLOCKED_PRIVATE_ADDRESS",
        f"{host} resolves to {address}, which is not a public address",
        metadata={"host": host, "address": address},
    )


def blocked_port(host: str, port: int) -> CredenceError:
    """The URL names a port other than the scheme's default."""
    return CredenceError(
        _DENIED,
        "FETCH_BLOCKED_PORT",
        f"port {port} of {host} is not allowed; only the default http and https ports are",
        metadata={"host": host, "port": str(port)},
    )


def dns_failed(host: str, detail: str) -> CredenceError:
    """The host name does not resolve (or resolves to nothing)."""
    return CredenceError(
        _UNAVAILABLE,
        "DNS_RESOLUTION_FAILED",
        f"cannot resolve {host}: {detail}",
        metadata={"host": host},
    )


def body_too_large(limit: int, what: str = "body") -> CredenceError:
    """The body (raw or decompressed) grew past the cap."""
    return CredenceError(
        _PRECONDITION,
        "BODY_TOO_LARGE",
        f"the response {what} exceeds {limit} bytes",
        metadata={"limit_bytes": str(limit), "what": what},
    )


def unsupported_content_type(content_type: str) -> CredenceError:
    """The server sent something other than HTML, XHTML or plain text."""
    return CredenceError(
        _PRECONDITION,
        "UNSUPPORTED_CONTENT_TYPE",
        f"content type {content_type or 'unknown'!r} is not HTML or plain text",
        metadata={"content_type": content_type},
    )


def unsupported_encoding(encoding: str) -> CredenceError:
    """The server compressed the body in a way we did not offer."""
    return CredenceError(
        _PRECONDITION,
        "UNSUPPORTED_CONTENT_ENCODING",
        f"content encoding {encoding!r} is not supported",
        metadata={"content_encoding": encoding},
    )


def bad_compression(detail: str) -> CredenceError:
    """The compressed body is corrupt."""
    return CredenceError(
        _PRECONDITION, "BAD_CONTENT_ENCODING", f"the body cannot be decompressed: {detail}"
    )


def robots_disallowed(url: str) -> CredenceError:
    """robots.txt forbids our User-Agent from fetching the URL."""
    return CredenceError(
        _DENIED,
        "ROBOTS_DISALLOWED",
        f"robots.txt of the site disallows fetching {url}",
        metadata={"url": url},
    )


def robots_unavailable(url: str, detail: str) -> CredenceError:
    """robots.txt could not be read because the server failed (RFC 9309: assume disallow)."""
    return CredenceError(
        _UNAVAILABLE,
        "ROBOTS_UNAVAILABLE",
        f"robots.txt of the site could not be read ({detail}); not fetching {url}",
        metadata={"url": url},
    )


def too_many_redirects(limit: int) -> CredenceError:
    """The redirect chain is longer than the cap."""
    return CredenceError(
        _PRECONDITION,
        "TOO_MANY_REDIRECTS",
        f"more than {limit} redirects",
        metadata={"limit": str(limit)},
    )


def bad_redirect(location: str, detail: str) -> CredenceError:
    """A redirect points somewhere we cannot follow."""
    return CredenceError(
        _PRECONDITION,
        "BAD_REDIRECT",
        f"cannot follow the redirect to {location[:200]!r}: {detail}",
        metadata={"location": location[:200]},
    )


def timeout(stage: str, limit_s: float) -> CredenceError:
    """Connecting, reading or the whole fetch took too long."""
    return CredenceError(
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "FETCH_TIMEOUT",
        f"the fetch timed out while {stage} (limit {limit_s:g}s)",
        metadata={"stage": stage},
    )


def connect_failed(host: str, detail: str) -> CredenceError:
    """The connection failed or broke."""
    return CredenceError(
        _UNAVAILABLE,
        "FETCH_CONNECTION_FAILED",
        f"cannot fetch from {host}: {detail}",
        metadata={"host": host},
    )


def upstream_status(status: int, url: str) -> CredenceError:
    """The server answered with an error status; 5xx and 429 may pass, the rest will not."""
    transient = status >= 500 or status in (408, 429)
    return CredenceError(
        _UNAVAILABLE if transient else _PRECONDITION,
        "UPSTREAM_STATUS",
        f"the server answered HTTP {status} for {url}",
        metadata={"status": str(status), "url": url},
    )


def rate_limited(host: str, per_s: float) -> CredenceError:
    """Too many requests to one host in a short time."""
    return CredenceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "FETCH_RATE_LIMITED",
        f"too many requests to {host}; the limit is {per_s:g} per second",
        metadata={"host": host},
    )


def extraction_failed(detail: str) -> CredenceError:
    """The page could not be parsed at all."""
    return CredenceError(
        _PRECONDITION, "EXTRACTION_FAILED", f"cannot extract the article: {detail}"
    )


def no_article_text() -> CredenceError:
    """The page has no main text (an empty page, or nothing but boilerplate)."""
    return CredenceError(_PRECONDITION, "NO_ARTICLE_TEXT", "the page contains no article text")
