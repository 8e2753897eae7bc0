"""Client channels to Credence services that pass the request id and job id on every call,
so the logs of each hop carry the ids of the request that caused it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from services.common.log import REQUEST_ID_HEADER, job_id_var, request_id_var

JOB_ID_HEADER = "x-job-id"

_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 32 * 1024 * 1024),
    ("grpc.enable_retries", 0),
]


def _context_metadata(metadata: Any) -> list[tuple[str, str]]:
    out = list(metadata or ())
    if request_id_var.get():
        out.append((REQUEST_ID_HEADER, request_id_var.get()))
    if job_id_var.get():
        out.append((JOB_ID_HEADER, job_id_var.get()))
    return out


class _ClientCallDetails(grpc.ClientCallDetails):
    def __init__(self, base: grpc.ClientCallDetails, metadata: list[tuple[str, str]]) -> None:
        self.method = base.method
        self.timeout = base.timeout
        self.metadata = metadata
        self.credentials = base.credentials
        self.wait_for_ready = getattr(base, "wait_for_ready", None)
        self.compression = getattr(base, "compression", None)


class _SyncContextInterceptor(grpc.UnaryUnaryClientInterceptor):
    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        return continuation(
            _ClientCallDetails(details, _context_metadata(details.metadata)), request
        )


class _AsyncContextInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        new = grpc.aio.ClientCallDetails(
            details.method,
            details.timeout,
            _context_metadata(details.metadata),
            details.credentials,
            details.wait_for_ready,
        )
        return await continuation(new, request)


def sync_channel(address: str, credentials: grpc.ChannelCredentials | None = None) -> grpc.Channel:
    """A blocking channel (Celery tasks, the CLI) that propagates the request id; TLS when
    `credentials` are given."""
    if credentials is not None:
        channel = grpc.secure_channel(address, credentials, options=_CHANNEL_OPTIONS)
    else:
        channel = grpc.insecure_channel(address, options=_CHANNEL_OPTIONS)
    return grpc.intercept_channel(channel, _SyncContextInterceptor())


def async_channel(
    address: str, credentials: grpc.ChannelCredentials | None = None
) -> grpc.aio.Channel:
    """An asyncio channel (servers calling servers, the asyncio client) that propagates the
    request id; TLS when `credentials` are given."""
    if credentials is not None:
        return grpc.aio.secure_channel(
            address,
            credentials,
            options=_CHANNEL_OPTIONS,
            interceptors=[_AsyncContextInterceptor()],
        )
    return grpc.aio.insecure_channel(
        address, options=_CHANNEL_OPTIONS, interceptors=[_AsyncContextInterceptor()]
    )
