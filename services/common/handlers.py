"""Rebuilding a gRPC method handler with its behaviour wrapped. Server interceptors wrap
every kind of RPC (unary, server, client and bidirectional streams) the same way, so the
four cases are written here once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

Wrap = Callable[[Any, str], Any]


def wrap_handler(handler: grpc.RpcMethodHandler, unary: Wrap, stream: Wrap) -> Any:
    """`handler` with its behaviour passed through `unary` (for RPCs answering one message)
    or `stream` (for RPCs answering a stream); both get the behaviour and the RPC kind."""
    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary, "unary"), **codecs)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            stream(handler.unary_stream, "server_stream"), **codecs
        )
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            unary(handler.stream_unary, "client_stream"), **codecs
        )
    if handler.stream_stream:
        return grpc.stream_stream_rpc_method_handler(
            stream(handler.stream_stream, "bidi_stream"), **codecs
        )
    return handler
