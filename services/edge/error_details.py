"""Carries the gRPC front door's rich errors (AIP-193) to Connect clients unchanged.

A failed gRPC call holds a `google.rpc.Status` whose details are `Any` messages (ErrorInfo,
BadRequest). Connect sends each detail as `{"type", "value": base64, "debug": {...}}`; the
Connect runtime (connectrpc) writes `debug` only for messages of its own protobuf runtime
(protobuf-py), so the google.rpc detail types are rebuilt there once, at import, from the
descriptors the google-protobuf runtime already holds. A detail of any other type still goes
through, as type and value without `debug`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import grpc
import protobuf
from connectrpc.code import Code
from connectrpc.errors import ConnectError, ErrorDetail
from google.protobuf import descriptor, descriptor_pb2, descriptor_pool
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from protobuf import wkt

from services.common.errors import ERROR_DOMAIN, from_rpc_error

_LOGGER = logging.getLogger(__name__)

_TYPE_URL_PREFIX = "type.googleapis.com/"


def _file_proto(file: descriptor.FileDescriptor) -> wkt.FileDescriptorProto:
    """`file` as protobuf-py's FileDescriptorProto, with the JSON names protoc would set."""
    proto = descriptor_pb2.FileDescriptorProto()
    file.CopyToProto(proto)

    def name_fields(messages: Any, descriptors: Mapping[str, descriptor.Descriptor]) -> None:
        for message in messages:
            desc = descriptors[message.name]
            for field in message.field:
                field.json_name = desc.fields_by_name[field.name].json_name
            name_fields(message.nested_type, desc.nested_types_by_name)

    name_fields(proto.message_type, dict(file.message_types_by_name))
    out = wkt.FileDescriptorProto()
    protobuf.merge_from_binary(out, proto.SerializeToString())
    return out


def _detail_registry() -> protobuf.Registry | None:
    """protobuf-py types of the google.rpc error details, or None if they cannot be built."""
    try:
        from protobuf._file_registry import create_file_registry  # pinned: see module doc

        pool = descriptor_pool.Default()
        return create_file_registry(
            _file_proto(error_details_pb2.DESCRIPTOR),
            lambda name: _file_proto(pool.FindFileByName(name)),
        )
    except Exception:  # a newer protobuf-py: details still go through, without debug
        _LOGGER.warning("error details will be sent without debug", exc_info=True)
        return None


_REGISTRY = _detail_registry()


def connect_detail(detail: Any) -> ErrorDetail:
    """One `google.protobuf.Any` detail of a gRPC status as a Connect error detail."""
    type_name = detail.type_url.removeprefix(_TYPE_URL_PREFIX)
    desc = _REGISTRY.message(type_name) if _REGISTRY is not None else None
    if desc is not None:
        message = desc.type()
        protobuf.merge_from_binary(message, detail.value)
        return ErrorDetail(message)
    return ErrorDetail(wkt.Any(type_url=detail.type_url, value=detail.value))


def connect_error(error: grpc.aio.AioRpcError) -> ConnectError:
    """A failed front-door call as the Connect error a JSON client receives.

    The status details are passed through; a status without them (the front door could not
    be reached, the deadline passed on the way) gets an ErrorInfo whose reason names what
    happened, so every JSON error carries a reason.
    """
    code = Code[error.code().name] if error.code() else Code.UNKNOWN
    message = error.details() or error.code().name
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        status = None
    if status is not None and status.details:
        return ConnectError(code, message, [connect_detail(d) for d in status.details])
    reason = from_rpc_error(error).reason
    if code is Code.UNAVAILABLE and reason == "UNAVAILABLE":
        reason = "SCORER_UNAVAILABLE"
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN)
    packed = wkt.Any(
        type_url=_TYPE_URL_PREFIX + info.DESCRIPTOR.full_name, value=info.SerializeToString()
    )
    return ConnectError(code, message, [connect_detail(packed)])
