"""How the gateway process exposes the partner API: the API-key interceptor when keys are
required, and the optional public listener (ReliabilityService only, TLS when configured)
beside the internal plaintext one the workers call."""

from __future__ import annotations

import logging

import grpc
from credence.v1 import reliability_pb2

from services.auth.api_keys import KeyStore
from services.auth.interceptor import ApiKeyInterceptor
from services.common.config import Settings
from services.common.server import GrpcServer, ServiceSpec
from services.common.tls import TlsConfigError, server_credentials

_LOGGER = logging.getLogger(__name__)

RELIABILITY_SERVICE = reliability_pb2.DESCRIPTOR.services_by_name["ReliabilityService"].full_name


def interceptors(settings: Settings) -> list[grpc.aio.ServerInterceptor]:
    """The API-key guard on ReliabilityService when `require_api_key` is on, else nothing."""
    if not settings.require_api_key:
        return []
    store = KeyStore(settings.api_keys_url or settings.state_url)
    return [ApiKeyInterceptor(store, [RELIABILITY_SERVICE])]


def public_server(
    settings: Settings, reliability: ServiceSpec, guards: list[grpc.aio.ServerInterceptor]
) -> GrpcServer | None:
    """The public listener on `public_addr`, or None when it is not configured."""
    credentials = server_credentials(settings)
    if not settings.public_addr:
        if credentials is not None:
            raise TlsConfigError("TLS is configured but CREDENCE_PUBLIC_ADDR is not set")
        return None
    return GrpcServer(
        "gateway-public",
        [reliability],
        settings.public_addr,
        interceptors=guards,
        credentials=credentials,
    )
