"""A local replay of recorded wire-source answers (GDELT DOC 2.0, NYT Article Search, the
outlets' pages), served on loopback for tests, `make bench` and `make demo`, which have no
internet. It depends only on the standard library and `services.common`."""

from services.wire_replay.faults import Endpoint, Fault
from services.wire_replay.server import NYT_REPLAY_KEY, WireReplay

__all__ = ["NYT_REPLAY_KEY", "Endpoint", "Fault", "WireReplay"]
