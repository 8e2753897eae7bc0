"""The clients' retry policy: exponential backoff with full jitter, for UNAVAILABLE only
(the one code that means the call never reached a server that could act on it; every other
failure is returned at once, since retrying bad input or an exhausted quota cannot help)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import grpc

from services.common.errors import CredenceError


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a call is retried."""

    attempts: int = 4
    """Calls in all, the first included."""
    initial_backoff_s: float = 0.1
    max_backoff_s: float = 5.0
    multiplier: float = 2.0

    def backoff(self, retry: int) -> float:
        """The pause before retry number `retry` (0-based): uniform in [0, cap]."""
        cap = min(self.max_backoff_s, self.initial_backoff_s * self.multiplier**retry)
        return random.uniform(0, cap)

    def should_retry(self, error: CredenceError, attempt: int) -> bool:
        """True when `error`, after call number `attempt` (1-based), is worth a retry."""
        return error.code == grpc.StatusCode.UNAVAILABLE and attempt < self.attempts


NO_RETRY = RetryPolicy(attempts=1)
