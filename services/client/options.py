"""What both clients share: the API-key header, TLS options and the call metadata."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from services.common.tls import channel_credentials

API_KEY_HEADER = "x-api-key"


@dataclass(frozen=True)
class Tls:
    """TLS to the server: trust `ca_file` (default: the system roots) and, for mTLS, present
    `cert_file` with `key_file`."""

    ca_file: Path | str | None = None
    cert_file: Path | str | None = None
    key_file: Path | str | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        return channel_credentials(self.ca_file, self.cert_file, self.key_file)


def metadata(api_key: str) -> list[tuple[str, str]]:
    """The metadata every call carries."""
    return [(API_KEY_HEADER, api_key)] if api_key else []
