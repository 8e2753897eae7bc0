"""The gRPC server bootstrap every service uses: a grpc.aio server with the standard health
service, reflection, request-id and error-mapping interceptor, metrics, and a graceful
shutdown on SIGTERM/SIGINT (health NOT_SERVING, drain in-flight calls, stop)."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from services.common import metrics
from services.common.channels import JOB_ID_HEADER
from services.common.errors import CredenceError
from services.common.handlers import wrap_handler
from services.common.log import REQUEST_ID_HEADER, job_id_var, new_request_id, request_id_var

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    """One gRPC service to host: its full name and how to add its servicer."""

    full_name: str
    register: Callable[[grpc.aio.Server], None]


def _split_method(full_method: str) -> tuple[str, str]:
    _, service, method = full_method.split("/")
    return service, method


def _header(details: grpc.HandlerCallDetails, name: str) -> str:
    for key, value in details.invocation_metadata or ():
        if key == name and isinstance(value, str) and value:
            return value[:128]
    return ""


def _request_id(details: grpc.HandlerCallDetails) -> str:
    return _header(details, REQUEST_ID_HEADER) or new_request_id()


async def _fail(context: grpc.aio.ServicerContext, error: CredenceError) -> None:
    await context.abort_with_status(rpc_status.to_status(error.to_status()))


def _code_of(context: grpc.aio.ServicerContext) -> str:
    code = context.code()
    if code is None:
        return "OK"
    return code.name if isinstance(code, grpc.StatusCode) else str(code)


def _is_abort(error: BaseException) -> bool:
    return isinstance(error, grpc.aio.AbortError) or type(error).__name__ == "AbortError"


@dataclass(frozen=True)
class _Series:
    """One method's grpc_server_* series, looked up once: prometheus_client's `labels()`
    costs tens of microseconds, several times a cached report's own work."""

    started: Any
    received: Any
    sent: Any
    handling: Any


@functools.cache
def _series(kind: str, service: str, method: str) -> _Series:
    labels = (kind, service, method)
    return _Series(
        metrics.GRPC_STARTED.labels(*labels),
        metrics.GRPC_MSG_RECEIVED.labels(*labels),
        metrics.GRPC_MSG_SENT.labels(*labels),
        metrics.GRPC_HANDLING.labels(*labels),
    )


@functools.cache
def _handled(kind: str, service: str, method: str, code: str) -> Any:
    return metrics.GRPC_HANDLED.labels(kind, service, method, code)


@dataclass
class _Call:
    """One RPC being served: its labels, ids and clock, and how it is counted and logged."""

    kind: str
    service: str
    method: str
    request_id: str
    job_id: str
    start: float = 0.0
    code: str = "OK"

    def begin(self) -> None:
        request_id_var.set(self.request_id)
        job_id_var.set(self.job_id)
        _series(self.kind, self.service, self.method).started.inc()
        self.start = time.perf_counter()

    def received(self) -> None:
        _series(self.kind, self.service, self.method).received.inc()

    def sent(self) -> None:
        _series(self.kind, self.service, self.method).sent.inc()

    def end(self, context: grpc.aio.ServicerContext) -> None:
        if self.code == "OK":
            self.code = _code_of(context)
        elapsed = time.perf_counter() - self.start
        _handled(self.kind, self.service, self.method, self.code).inc()
        _series(self.kind, self.service, self.method).handling.observe(elapsed)
        _LOGGER.info(
            "%s/%s %s in %.1f ms",
            self.service,
            self.method,
            self.code,
            elapsed * 1000,
            extra={"grpc_method": self.method, "grpc_code": self.code, "duration_s": elapsed},
        )

    async def failed(self, context: grpc.aio.ServicerContext, error: BaseException) -> None:
        """Maps an exception to the call's status; re-raises what must propagate."""
        if isinstance(error, CredenceError):
            self.code = error.code.name
            _LOGGER.info("%s/%s failed: %s", self.service, self.method, error)
            await _fail(context, error)
            return
        if isinstance(error, asyncio.CancelledError):
            self.code = "CANCELLED"
            raise error
        if _is_abort(error):
            self.code = _code_of(context)
            raise error
        self.code = "INTERNAL"
        _LOGGER.exception("%s/%s crashed", self.service, self.method)
        await context.abort(grpc.StatusCode.INTERNAL, "internal error; see server logs")


class ContextInterceptor(grpc.aio.ServerInterceptor):
    """Sets the request and job ids for logs (from the x-request-id and x-job-id headers),
    counts and times calls with the usual grpc_server_* metrics (every kind of RPC, streams
    too), logs one line per call, and maps CredenceError to a rich status. Unexpected
    exceptions become INTERNAL with no stack trace sent out."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        service, method = _split_method(handler_call_details.method)
        if service.startswith("grpc."):
            return handler
        rid = _request_id(handler_call_details)
        jid = _header(handler_call_details, JOB_ID_HEADER)

        def call(kind: str) -> _Call:
            return _Call(kind, service, method, rid, jid)

        return wrap_handler(
            handler,
            lambda behavior, kind: self._wrap_unary(behavior, call, kind),
            lambda behavior, kind: self._wrap_stream(behavior, call, kind),
        )

    @staticmethod
    def _wrap_unary(
        behavior: Callable[..., Awaitable[Any]],
        make_call: Callable[[str], _Call],
        kind: str = "unary",
    ) -> Callable[..., Awaitable[Any]]:
        async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> Any:
            call = make_call(kind)
            call.begin()
            if kind == "unary":
                call.received()
            else:
                request = _counted(request, call)
            try:
                reply = await behavior(request, context)
                call.sent()
                return reply
            except BaseException as error:
                await call.failed(context, error)
            finally:
                call.end(context)

        return wrapper

    @staticmethod
    def _wrap_stream(
        behavior: Callable[..., AsyncIterator[Any]],
        make_call: Callable[[str], _Call],
        kind: str,
    ) -> Callable[..., AsyncIterator[Any]]:
        async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            call = make_call(kind)
            call.begin()
            if kind == "server_stream":
                call.received()
            else:
                request = _counted(request, call)
            try:
                async for item in behavior(request, context):
                    call.sent()
                    yield item
            except BaseException as error:
                if isinstance(error, GeneratorExit):
                    call.code = "CANCELLED"
                    raise
                await call.failed(context, error)
            finally:
                call.end(context)

        return wrapper


async def _counted(requests: AsyncIterator[Any], call: _Call) -> AsyncIterator[Any]:
    """The request stream, counting each message received."""
    async for item in requests:
        call.received()
        yield item


class GrpcServer:
    """A started grpc.aio server with health and reflection; `stop` drains it gracefully."""

    def __init__(
        self,
        name: str,
        specs: Sequence[ServiceSpec],
        address: str,
        interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
        credentials: grpc.ServerCredentials | None = None,
    ) -> None:
        """`interceptors` run inside the context interceptor (so their CredenceErrors become
        rich statuses); `credentials` binds a TLS port instead of a plaintext one."""
        self.name = name
        self._specs = specs
        self._address = address
        self._interceptors = list(interceptors)
        self._credentials = credentials
        self.port = 0
        self._server: grpc.aio.Server | None = None
        self._health: health.aio.HealthServicer | None = None

    @property
    def server(self) -> grpc.aio.Server:
        """The underlying grpc.aio server; exists once `start` has run."""
        if self._server is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._server

    async def start(self) -> int:
        """Binds, starts and marks every service SERVING; returns the bound port.

        The server is made here, inside the running event loop, never before it."""
        self._server = grpc.aio.server(
            interceptors=[ContextInterceptor(), *self._interceptors],
            options=[("grpc.max_receive_message_length", 32 * 1024 * 1024)],
        )
        self._health = health.aio.HealthServicer()
        for spec in self._specs:
            spec.register(self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self.server)
        names = [s.full_name for s in self._specs]
        reflection.enable_server_reflection(
            [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        if self._credentials is not None:
            self.port = self.server.add_secure_port(self._address, self._credentials)
        else:
            self.port = self.server.add_insecure_port(self._address)
        if self.port == 0:
            raise RuntimeError(f"cannot bind {self._address}")
        await self.server.start()
        for name in ["", *names]:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        _LOGGER.info("%s serving on port %d", self.name, self.port)
        return self.port

    async def stop(self, grace: float, announce_s: float = 0.0) -> None:
        """Health NOT_SERVING; for `announce_s` seconds new calls are still accepted (so load
        balancers see NOT_SERVING and route away), then in-flight calls get up to `grace`
        seconds to finish while new ones are refused."""
        _LOGGER.info("%s shutting down (grace %.1fs)", self.name, grace)
        if self._health is not None:
            await self._health.enter_graceful_shutdown()
        if announce_s > 0:
            await asyncio.sleep(announce_s)
        await self.server.stop(grace)


def freeze_startup_objects(young_threshold: int = 20_000) -> None:
    """Moves every object alive after start-up (modules, models, the server) out of the
    garbage collector's reach, and collects the young generation less often. Request work
    (an lxml tree, a report) makes many short-lived objects; without this, each full
    collection walks all the start-up objects again, which costs a service about a fifth of
    its CPU time on extraction."""
    gc.collect()
    gc.freeze()
    _first, second, third = gc.get_threshold()
    gc.set_threshold(young_threshold, second, third)


async def run_until_signalled(
    server: GrpcServer, grace: float, announce_s: float | None = None
) -> None:
    """Starts `server` and serves until SIGTERM or SIGINT, then shuts down gracefully.

    `announce_s` defaults to the `shutdown_announce_s` setting."""
    if announce_s is None:
        from services.common.config import get_settings

        announce_s = get_settings().shutdown_announce_s
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    freeze_startup_objects()
    await stop.wait()
    await server.stop(grace, announce_s)
    _LOGGER.info("%s stopped", server.name)
