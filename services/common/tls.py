"""TLS credentials for the public server and its clients: PEM files named in settings (or
given by the caller) turned into gRPC credentials, with a clear error for a bad combination
or an unreadable file instead of a failure deep inside the TLS stack."""

from __future__ import annotations

from pathlib import Path

import grpc

from services.common.config import Settings


class TlsConfigError(ValueError):
    """A TLS setting that cannot work, naming the setting."""


def _read(path: Path | str, setting: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise TlsConfigError(f"{setting}: cannot read {path}: {error.strerror}") from error
    if b"-----BEGIN" not in data:
        raise TlsConfigError(f"{setting}: {path} is not a PEM file")
    return data


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS (and, when required, client-certificate) credentials; None when TLS is off."""
    if settings.tls_cert_file is None and settings.tls_key_file is None:
        if settings.tls_require_client_auth or settings.tls_client_ca_file:
            raise TlsConfigError("CREDENCE_TLS_CLIENT_CA_FILE needs CREDENCE_TLS_CERT_FILE")
        return None
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        raise TlsConfigError("set both CREDENCE_TLS_CERT_FILE and CREDENCE_TLS_KEY_FILE")
    chain = _read(settings.tls_cert_file, "CREDENCE_TLS_CERT_FILE")
    key = _read(settings.tls_key_file, "CREDENCE_TLS_KEY_FILE")
    client_ca = None
    if settings.tls_client_ca_file is not None:
        client_ca = _read(settings.tls_client_ca_file, "CREDENCE_TLS_CLIENT_CA_FILE")
    elif settings.tls_require_client_auth:
        raise TlsConfigError("CREDENCE_TLS_REQUIRE_CLIENT_AUTH needs CREDENCE_TLS_CLIENT_CA_FILE")
    return grpc.ssl_server_credentials(
        [(key, chain)],
        root_certificates=client_ca,
        require_client_auth=settings.tls_require_client_auth,
    )


def channel_credentials(
    ca_file: Path | str | None = None,
    cert_file: Path | str | None = None,
    key_file: Path | str | None = None,
) -> grpc.ChannelCredentials:
    """Client TLS credentials: a CA to trust (default: the system roots) and, for mTLS, a
    client certificate and key."""
    if (cert_file is None) != (key_file is None):
        raise TlsConfigError("a client certificate needs its key, and a key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=_read(ca_file, "tls_ca") if ca_file else None,
        private_key=_read(key_file, "tls_key") if key_file else None,
        certificate_chain=_read(cert_file, "tls_cert") if cert_file else None,
    )
