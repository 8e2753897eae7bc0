"""The one serializer of what stages hand each other: a PipelineState travels in Celery's
JSON messages as base64 text of its binary form. Nothing else in the pipeline encodes."""

from __future__ import annotations

import base64
import time

from credence.v1 import pipeline_pb2

PipelineState = pipeline_pb2.PipelineState


def encode(state: PipelineState) -> str:
    """The state as text for a JSON task payload."""
    return base64.b64encode(state.SerializeToString()).decode()


def decode(raw: str) -> PipelineState:
    """The state `encode` wrote."""
    state = PipelineState()
    state.ParseFromString(base64.b64decode(raw))
    return state


def set_deadline(state: PipelineState, timeout_s: float) -> None:
    """Gives the job `timeout_s` seconds from now."""
    state.deadline.FromNanoseconds(int((time.time() + timeout_s) * 1e9))


def remaining_s(state: PipelineState) -> float:
    """Seconds the job has left before its deadline (infinite for a state without one)."""
    if not state.HasField("deadline"):
        return float("inf")
    return state.deadline.ToNanoseconds() / 1e9 - time.time()
