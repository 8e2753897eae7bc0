"""ReliabilityService over the Connect protocol, driven by the service descriptor.

Every method of `credence.v1.ReliabilityService` is served at
`POST /credence.v1.ReliabilityService/<Method>` (JSON or binary protobuf; server streams in
the Connect envelope; `GET` for methods the proto marks `NO_SIDE_EFFECTS`) by the connectrpc
runtime, and forwarded to the gRPC front door with the caller's deadline
(`connect-timeout-ms`), API key and request id. No method is named here: a new RPC in the
proto reaches JSON clients without code, and its messages are the generated ones.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import grpc
from connectrpc.compat import google_protobuf_codecs
from connectrpc.method import IdempotencyLevel, MethodInfo, StreamType
from connectrpc.request import RequestContext
from connectrpc.server import ConnectASGIApplication, Endpoint
from credence.v1 import reliability_pb2
from google.protobuf import descriptor, descriptor_pb2, message_factory
from google.protobuf.message import Message

from services.common.log import REQUEST_ID_HEADER, new_request_id, request_id_var
from services.edge.error_details import connect_error

_LOGGER = logging.getLogger(__name__)

SERVICE = reliability_pb2.DESCRIPTOR.services_by_name["ReliabilityService"]
SERVICE_PATH = f"/{SERVICE.full_name}"
API_KEY_HEADER = "x-api-key"
FORWARDED_HEADERS = (API_KEY_HEADER, REQUEST_ID_HEADER)

_IDEMPOTENCY = {
    descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS: IdempotencyLevel.NO_SIDE_EFFECTS,
    descriptor_pb2.MethodOptions.IDEMPOTENT: IdempotencyLevel.IDEMPOTENT,
}


def _stream_type(method: descriptor.MethodDescriptor) -> StreamType:
    if method.client_streaming and method.server_streaming:
        return StreamType.BIDI_STREAM
    if method.client_streaming:
        return StreamType.CLIENT_STREAM
    if method.server_streaming:
        return StreamType.SERVER_STREAM
    return StreamType.UNARY


def method_info(method: descriptor.MethodDescriptor) -> MethodInfo[Message, Message]:
    """The Connect description of one method, from its descriptor."""
    return MethodInfo(
        name=method.name,
        service_name=method.containing_service.full_name,
        input=message_factory.GetMessageClass(method.input_type),
        output=message_factory.GetMessageClass(method.output_type),
        idempotency_level=_IDEMPOTENCY.get(
            method.GetOptions().idempotency_level, IdempotencyLevel.UNKNOWN
        ),
        stream_type=_stream_type(method),
    )


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


class FrontDoorForwarder:
    """Forwards Connect calls to the gRPC front door over one channel."""

    def __init__(self, channel: Callable[[], grpc.aio.Channel], max_timeout_s: float) -> None:
        self._channel = channel  # made in the server's event loop, after this object
        self._max_timeout_s = max_timeout_s

    def _call_options(self, ctx: RequestContext[Any, Any]) -> dict[str, Any]:
        """The gRPC deadline and metadata of the caller's HTTP request."""
        headers = ctx.request_headers
        request_id = headers.get(REQUEST_ID_HEADER) or new_request_id()
        request_id_var.set(request_id)
        ctx.response_headers[REQUEST_ID_HEADER] = request_id
        metadata = [(name, value) for name in FORWARDED_HEADERS if (value := headers.get(name))]
        if not headers.get(REQUEST_ID_HEADER):
            metadata.append((REQUEST_ID_HEADER, request_id))
        timeout = self._max_timeout_s
        if ctx.timeout_ms is not None:
            timeout = min(timeout, max(ctx.timeout_ms, 1.0) / 1000.0)
        return {"timeout": timeout, "metadata": metadata}

    def endpoint(self, method: descriptor.MethodDescriptor) -> Any:
        """The Connect endpoint that forwards `method`."""
        info = method_info(method)
        path = f"{SERVICE_PATH}/{method.name}"
        decode = info.output.FromString
        stream_type = info.stream_type
        if stream_type is StreamType.UNARY:

            async def call_unary(request: Message, ctx: RequestContext[Any, Any]) -> Message:
                unary = self._channel().unary_unary(path, _serialize, decode)
                try:
                    return await unary(request, **self._call_options(ctx))
                except grpc.aio.AioRpcError as error:
                    raise connect_error(error) from None

            return Endpoint.unary(info, call_unary)
        if stream_type is StreamType.SERVER_STREAM:

            def call_server_stream(
                request: Message, ctx: RequestContext[Any, Any]
            ) -> AsyncIterator[Message]:
                server_stream = self._channel().unary_stream(path, _serialize, decode)
                return _relay(server_stream(request, **self._call_options(ctx)))

            return Endpoint.server_stream(info, call_server_stream)
        if stream_type is StreamType.CLIENT_STREAM:

            async def call_client_stream(
                requests: AsyncIterator[Message], ctx: RequestContext[Any, Any]
            ) -> Message:
                client_stream = self._channel().stream_unary(path, _serialize, decode)
                try:
                    return await client_stream(requests, **self._call_options(ctx))
                except grpc.aio.AioRpcError as error:
                    raise connect_error(error) from None

            return Endpoint.client_stream(info, call_client_stream)

        def call_bidi_stream(
            requests: AsyncIterator[Message], ctx: RequestContext[Any, Any]
        ) -> AsyncIterator[Message]:
            bidi_stream = self._channel().stream_stream(path, _serialize, decode)
            return _relay(bidi_stream(requests, **self._call_options(ctx)))

        return Endpoint.bidi_stream(info, call_bidi_stream)

    def endpoints(self) -> dict[str, Any]:
        """Every method of the service, by its Connect path."""
        return {f"{SERVICE_PATH}/{m.name}": self.endpoint(m) for m in SERVICE.methods}


async def _relay(call: Any) -> AsyncIterator[Message]:
    """The messages of a streaming gRPC call; its failure as a Connect error; cancelled when
    the HTTP client goes away."""
    try:
        async for message in call:
            yield message
    except grpc.aio.AioRpcError as error:
        raise connect_error(error) from None
    finally:
        call.cancel()


class ReliabilityConnectApp(ConnectASGIApplication[FrontDoorForwarder]):
    """The Connect ASGI application of ReliabilityService."""

    def __init__(self, forwarder: FrontDoorForwarder, read_max_bytes: int) -> None:
        endpoints: Callable[[FrontDoorForwarder], Mapping[str, Any]] = FrontDoorForwarder.endpoints
        super().__init__(
            service=forwarder,
            endpoints=endpoints,
            read_max_bytes=read_max_bytes,
            codecs=google_protobuf_codecs(),
        )

    @property
    def path(self) -> str:
        """The URL path prefix of the service."""
        return SERVICE_PATH
