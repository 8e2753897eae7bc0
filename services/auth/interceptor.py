"""The server interceptor that guards the partner API: every call to a guarded service must
carry a known, unrevoked `x-api-key` allowed that method, within the key's quota.

Failures follow AIP-193: UNAUTHENTICATED (no key, unknown key), PERMISSION_DENIED (revoked,
or the method is not allowed), RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo details.
Health and reflection (`grpc.*` services) are never guarded. The admitted caller is kept in
a context variable so a streaming handler can charge each item it takes (`Caller.pace`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import grpc
from google.rpc import error_details_pb2

from services.auth.api_keys import ApiKey, KeyStore, key_id_of, matches
from services.auth.quota import TokenBuckets
from services.common.errors import CredenceError, retry_info
from services.common.handlers import wrap_handler

_LOGGER = logging.getLogger(__name__)

API_KEY_HEADER = "x-api-key"
_MAX_PACE_SLEEP_S = 1.0


def _unauthenticated(reason: str, message: str) -> CredenceError:
    return CredenceError(
        grpc.StatusCode.UNAUTHENTICATED, reason, message, metadata={"header": API_KEY_HEADER}
    )


def quota_exceeded(record: ApiKey, retry_after_s: float) -> CredenceError:
    """RESOURCE_EXHAUSTED naming the key's quota, with when to retry."""
    subject = f"api_key:{record.key_id}"
    description = f"more than {record.rate:g} calls per second (burst {record.burst})"
    violation = error_details_pb2.QuotaFailure.Violation(subject=subject, description=description)
    failure = error_details_pb2.QuotaFailure(violations=[violation])
    details: list[Any] = [failure]
    if retry_after_s >= 0:
        details.append(retry_info(retry_after_s))
    return CredenceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "QUOTA_EXCEEDED",
        f"quota of API key {record.key_id} exceeded: {description}",
        metadata={"key_id": record.key_id, "retry_after_s": f"{max(retry_after_s, 0):.3f}"},
        details=details,
    )


@dataclass(frozen=True)
class Caller:
    """An admitted caller: its key record and the buckets to charge."""

    record: ApiKey
    buckets: TokenBuckets

    async def pace(self, cost: int = 1) -> None:
        """Waits until the key's bucket holds `cost` tokens and takes them; a key whose rate
        is zero gets RESOURCE_EXHAUSTED instead of waiting for ever."""
        while True:
            take = await self.buckets.take(
                self.record.key_id, self.record.rate, self.record.burst, cost
            )
            if take.allowed:
                return
            if take.retry_after_s < 0:
                raise quota_exceeded(self.record, take.retry_after_s)
            await asyncio.sleep(min(take.retry_after_s, _MAX_PACE_SLEEP_S))


caller_var: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "credence_caller", default=None
)


def _header(details: grpc.HandlerCallDetails) -> str:
    for key, value in details.invocation_metadata or ():
        if key == API_KEY_HEADER:
            return value if isinstance(value, str) else value.decode(errors="replace")
    return ""


class ApiKeyInterceptor(grpc.aio.ServerInterceptor):
    """Admits calls to `services` (full names) that carry a valid key within its quota."""

    def __init__(self, store: KeyStore, services: Iterable[str]) -> None:
        self._store = store
        self._buckets = TokenBuckets(store.redis)
        self._services = frozenset(services)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        _, service, method = handler_call_details.method.split("/")
        if service.startswith("grpc.") or service not in self._services:
            return handler
        key = _header(handler_call_details)
        admit = lambda: self._admit(key, method)  # noqa: E731
        return wrap_handler(
            handler,
            lambda behavior, _kind: _guard_unary(behavior, admit),
            lambda behavior, _kind: _guard_stream(behavior, admit),
        )

    async def _admit(self, key: str, method: str) -> None:
        if not key:
            raise _unauthenticated("API_KEY_MISSING", f"send an API key in {API_KEY_HEADER}")
        key_id = key_id_of(key)
        record = await self._store.aget(key_id) if key_id else None
        if record is None or not matches(record, key):
            raise _unauthenticated("API_KEY_INVALID", f"the {API_KEY_HEADER} is not a valid key")
        if record.revoked:
            raise CredenceError(
                grpc.StatusCode.PERMISSION_DENIED,
                "API_KEY_REVOKED",
                f"API key {record.key_id} has been revoked",
                metadata={"key_id": record.key_id},
            )
        if not record.allows(method):
            raise CredenceError(
                grpc.StatusCode.PERMISSION_DENIED,
                "METHOD_NOT_ALLOWED",
                f"API key {record.key_id} may not call {method}",
                metadata={"key_id": record.key_id, "method": method},
            )
        take = await self._buckets.take(record.key_id, record.rate, record.burst)
        if not take.allowed:
            raise quota_exceeded(record, take.retry_after_s)
        caller_var.set(Caller(record, self._buckets))


def _guard_unary(
    behavior: Callable[..., Awaitable[Any]], admit: Callable[[], Awaitable[None]]
) -> Callable[..., Awaitable[Any]]:
    async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await admit()
        return await behavior(request, context)

    return guarded


def _guard_stream(
    behavior: Callable[..., AsyncIterator[Any]], admit: Callable[[], Awaitable[None]]
) -> Callable[..., AsyncIterator[Any]]:
    async def guarded(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        await admit()
        async for response in behavior(request, context):
            yield response

    return guarded
