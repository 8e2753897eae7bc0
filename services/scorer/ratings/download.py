"""`credence ratings download`: fetches the public rating lists from their origin GitHub
repositories, at the pinned commits, for a user who has no data folder.

Each file is written under its local name (the one the loaders read) through a temporary
file, and checked against its known SHA-256 when the origin file is byte-identical to the
one Credence was built against. The base URL is a parameter so tests can serve the files
from a local HTTP server.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

from services.common.errors import CredenceError, unavailable
from services.scorer.ratings.lists import ALL_FILES, RAW_BASE_URL, DataFile

_LOGGER = logging.getLogger(__name__)

MAX_FILE_BYTES = 64 * 1024 * 1024
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Downloaded:
    """One downloaded file."""

    local_name: str
    url: str
    size: int
    verified: bool


def download_file(
    client: httpx.Client, data_file: DataFile, dest: Path, base_url: str
) -> Downloaded:
    """Downloads one file into `dest`, checking size and (when known) its SHA-256."""
    url = data_file.raw_url(base_url)
    digest = hashlib.sha256()
    size = 0
    target = dest / data_file.local_name
    partial = target.with_suffix(target.suffix + ".part")
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise unavailable("ratings download", f"{url} answered HTTP {response.status_code}")
            with partial.open("wb") as handle:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_FILE_BYTES:
                        raise unavailable("ratings download", f"{url} is larger than expected")
                    digest.update(chunk)
                    handle.write(chunk)
    except httpx.HTTPError as error:
        partial.unlink(missing_ok=True)
        raise unavailable("ratings download", f"{url}: {error}") from error
    except CredenceError:
        partial.unlink(missing_ok=True)
        raise
    if data_file.sha256 and digest.hexdigest() != data_file.sha256:
        partial.unlink(missing_ok=True)
        raise unavailable("ratings download", f"{url} does not match its known SHA-256")
    partial.replace(target)
    return Downloaded(data_file.local_name, url, size, bool(data_file.sha256))


def download_all(
    dest: Path,
    base_url: str = RAW_BASE_URL,
    files: Iterable[DataFile] = ALL_FILES,
    progress: Callable[[Downloaded], None] | None = None,
) -> list[Downloaded]:
    """Downloads every list into `dest` (created if needed); returns what was fetched."""
    dest.mkdir(parents=True, exist_ok=True)
    out: list[Downloaded] = []
    with httpx.Client(timeout=TIMEOUT_S, follow_redirects=True) as client:
        for data_file in files:
            done = download_file(client, data_file, dest, base_url)
            _LOGGER.info("downloaded %s (%d bytes)", done.local_name, done.size)
            if progress:
                progress(done)
            out.append(done)
    return out
