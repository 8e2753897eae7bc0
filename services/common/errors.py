"""The error model (Google AIP-193): a gRPC status code, a plain-English message and an
`ErrorInfo` detail whose UPPER_SNAKE_CASE reason clients, the CLI and JSON callers all see.

Service code raises `CredenceError`; the server interceptor turns it into a rich status, and
`from_rpc_error` turns a rich status back into a `CredenceError` on the client side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "credence.v1"


@dataclass
class CredenceError(Exception):
    """A failure with a stable machine-readable reason and a message a person can act on."""

    code: grpc.StatusCode
    reason: str
    message: str
    metadata: dict[str, str] = field(default_factory=dict)
    field_violations: list[tuple[str, str]] = field(default_factory=list)
    details: list[Message] = field(default_factory=list)
    """Further `google.rpc` detail messages (QuotaFailure, RetryInfo, ...), sent after
    ErrorInfo and BadRequest, and read back by `from_rpc_error`."""

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"

    @property
    def transient(self) -> bool:
        """True when retrying later may succeed."""
        return self.code in TRANSIENT_CODES

    def to_status(self) -> status_pb2.Status:
        """The `google.rpc.Status` with ErrorInfo (and BadRequest for field violations)."""
        info = error_details_pb2.ErrorInfo(
            reason=self.reason, domain=ERROR_DOMAIN, metadata=self.metadata
        )
        details = [_pack(info)]
        if self.field_violations:
            bad = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                    for f, d in self.field_violations
                ]
            )
            details.append(_pack(bad))
        details.extend(_pack(extra) for extra in self.details)
        return status_pb2.Status(code=self.code.value[0], message=self.message, details=details)

    def to_dict(self) -> dict[str, object]:
        """The JSON form used by the CLI and the JSON edge."""
        out: dict[str, object] = {
            "code": self.code.name,
            "reason": self.reason,
            "message": self.message,
        }
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        if self.field_violations:
            out["field_violations"] = [
                {"field": f, "description": d} for f, d in self.field_violations
            ]
        retry = self.detail(error_details_pb2.RetryInfo)
        if retry is not None:
            out["retry_after_s"] = retry.retry_delay.ToTimedelta().total_seconds()
        return out

    def detail(self, kind: type[D]) -> D | None:
        """The first extra detail of type `kind` (e.g. RetryInfo), or None."""
        for detail in self.details:
            if isinstance(detail, kind):
                return detail
        return None


D = TypeVar("D", bound=Message)

# Detail types `from_rpc_error` reads back besides ErrorInfo and BadRequest.
_EXTRA_DETAIL_TYPES: tuple[type[Message], ...] = (
    error_details_pb2.QuotaFailure,
    error_details_pb2.RetryInfo,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.ResourceInfo,
    error_details_pb2.Help,
    error_details_pb2.LocalizedMessage,
    error_details_pb2.DebugInfo,
)

TRANSIENT_CODES = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED}
)


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def invalid_argument(
    field_name: str, description: str, reason: str = "INVALID_ARGUMENT"
) -> CredenceError:
    """A bad request naming the field that was wrong."""
    return CredenceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        reason,
        f"{field_name}: {description}",
        metadata={"field": field_name},
        field_violations=[(field_name, description)],
    )


def unavailable(what: str, detail: str) -> CredenceError:
    """A dependency that could not be reached."""
    return CredenceError(
        grpc.StatusCode.UNAVAILABLE,
        f"{what.upper().replace(' ', '_')}_UNAVAILABLE",
        f"{what} is unavailable: {detail}",
        metadata={"dependency": what},
    )


def retry_info(delay_s: float) -> error_details_pb2.RetryInfo:
    """A RetryInfo detail: the client should wait `delay_s` seconds before retrying."""
    delay = duration_pb2.Duration()
    delay.FromNanoseconds(max(0, round(delay_s * 1e9)))
    return error_details_pb2.RetryInfo(retry_delay=delay)


def from_rpc_error(error: grpc.RpcError) -> CredenceError:
    """Reads the reason and details back from a failed call."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else "") or str(code)
    reason = code.name if code else "UNKNOWN"
    metadata: dict[str, str] = {}
    violations: list[tuple[str, str]] = []
    extra: list[Message] = []
    status = None
    try:
        status = rpc_status.from_call(error)
    except (ValueError, AttributeError):
        status = None
    if status is not None:
        reason, metadata, violations, extra = _read_details(status, reason)
    return CredenceError(code, reason, message, metadata, violations, extra)


def from_status(status: status_pb2.Status) -> CredenceError:
    """The `CredenceError` whose `to_status()` gave `status` (e.g. sent from another
    process), with its reason, field violations and extra details."""
    code = next((c for c in grpc.StatusCode if c.value[0] == status.code), None)
    code = code or grpc.StatusCode.UNKNOWN
    reason, metadata, violations, extra = _read_details(status, code.name)
    return CredenceError(code, reason, status.message, metadata, violations, extra)


def _read_details(
    status: status_pb2.Status, reason: str
) -> tuple[str, dict[str, str], list[tuple[str, str]], list[Message]]:
    """The reason and metadata (ErrorInfo), field violations (BadRequest) and the extra
    details of `status`; `reason` when it has no ErrorInfo."""
    metadata: dict[str, str] = {}
    violations: list[tuple[str, str]] = []
    extra: list[Message] = []
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(info):
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Unpack(bad):
            violations = [(v.field, v.description) for v in bad.field_violations]
        else:
            extra.extend(_unpack_known(detail))
    return reason, metadata, violations, extra


def _unpack_known(detail: any_pb2.Any) -> list[Message]:
    for kind in _EXTRA_DETAIL_TYPES:
        if detail.Is(kind.DESCRIPTOR):  # type: ignore[arg-type]
            message = kind()
            detail.Unpack(message)
            return [message]
    return []
