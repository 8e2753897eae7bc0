"""Host-name normalisation shared by the loaders and the look-up, so that `www.`, `m.` and
`amp.` variants, schemes, ports and paths all land on the same key."""

from __future__ import annotations

from urllib.parse import urlsplit

from services.common.domains import registrable_domain

_VARIANT_PREFIXES = ("www.", "www1.", "www2.", "m.", "mobile.", "amp.")


def normalize_host(value: str) -> str:
    """`https://WWW.BBC.co.uk:443/news` -> `bbc.co.uk`; empty when nothing host-like is left."""
    text = value.strip().lower()
    if not text:
        return ""
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    changed = True
    while changed:
        changed = False
        for prefix in _VARIANT_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and registrable_domain(rest):
                host, changed = rest, True
    return host


def candidate_hosts(host: str) -> list[str]:
    """The host, then each parent down to its registrable domain, most specific first.

    A PSL private suffix is never climbed past: `x.blogspot.com` yields only itself.
    """
    registrable = registrable_domain(host)
    if not registrable:
        return []
    out = [host]
    current = host
    while current != registrable and "." in current:
        current = current.split(".", 1)[1]
        out.append(current)
    return out
