"""Match calls spread over forked worker processes through one queue.

With `CREDENCE_MATCHER_PROCESSES=N` (N > 1) the matcher loads its models once, then forks N
worker processes that share them (copy-on-write), each opening the index and building its
own `Matcher`; the parent serves the port and hands each Match call, serialized, to
whichever worker is free. The queue, not the kernel, spreads the work: with one server per
process on a shared port (SO_REUSEPORT) the kernel gave each connection to one process, so
two callers could land on the same process while another idled, and two workers were
sometimes no faster than one. The workers are forked before anything of gRPC exists in the
parent (gRPC does not survive a fork). A worker that dies breaks the pool: the matcher then
stops, and its supervisor restarts it.
"""

from __future__ import annotations

from credence.v1 import matcher_pb2

from services.common.config import Settings
from services.common.process_pool import ForkedPool, fork_pool
from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.index import WireIndex, open_index
from services.matcher.stance import StanceModel
from services.matcher.wire.pages import grpc_page_reader

_WORKER: Matcher | None = None
"""The worker process's matcher (set by `_start_worker`)."""


def _start_worker(settings: Settings, claims: CheckWorthinessModel, stance: StanceModel) -> None:
    """Builds the worker's matcher over the models forked from the parent."""
    global _WORKER  # noqa: PLW0603 (one matcher per worker process)
    pages = grpc_page_reader(settings.fetcher_addr, settings.wire_page_mirror)
    index = open_index(settings.index_location, settings.index_pool_size)
    _WORKER = Matcher(settings, index, claims, stance, pages=pages)


def _match(request: bytes) -> bytes:
    """One Match call in a worker, serialized both ways."""
    if _WORKER is None:
        raise RuntimeError("the matcher worker was not started")
    answer = _WORKER.match(matcher_pb2.MatchRequest.FromString(request))
    return answer.SerializeToString()


def start_workers(
    settings: Settings, claims: CheckWorthinessModel, stance: StanceModel, processes: int
) -> ForkedPool:
    """Forks the worker processes now (before gRPC starts in this process)."""
    return fork_pool("matcher", processes, _start_worker, (settings, claims, stance))


class PooledMatcher(Matcher):
    """A `Matcher` whose Match calls run in the worker processes (the rest runs here)."""

    def __init__(
        self,
        settings: Settings,
        index: WireIndex,
        claims: CheckWorthinessModel,
        stance: StanceModel,
        pool: ForkedPool,
    ) -> None:
        super().__init__(settings, index, claims, stance)
        self.pool = pool

    def match(self, request: matcher_pb2.MatchRequest) -> matcher_pb2.MatchResponse:
        """Runs the call in the first free worker."""
        answer = self.pool.call(_match, request.SerializeToString())
        return matcher_pb2.MatchResponse.FromString(answer)
