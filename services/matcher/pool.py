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

import logging
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

from credence.v1 import matcher_pb2

from services.common.config import Settings
from services.common.errors import unavailable
from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.index import WireIndex, open_index
from services.matcher.stance import StanceModel
from services.matcher.wire.pages import grpc_page_reader

_LOGGER = logging.getLogger(__name__)

_WORKER: Matcher | None = None
"""The worker process's matcher (set by `_start_worker`)."""


def _start_worker(settings: Settings, claims: CheckWorthinessModel, stance: StanceModel) -> None:
    """Builds the worker's matcher over the models forked from the parent."""
    global _WORKER  # noqa: PLW0603 (one matcher per worker process)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us
    pages = grpc_page_reader(settings.fetcher_addr, settings.wire_page_mirror)
    index = open_index(settings.index_location, settings.index_pool_size)
    _WORKER = Matcher(settings, index, claims, stance, pages=pages)


def _match(request: bytes) -> bytes:
    """One Match call in a worker, serialized both ways."""
    if _WORKER is None:
        raise RuntimeError("the matcher worker was not started")
    answer = _WORKER.match(matcher_pb2.MatchRequest.FromString(request))
    return answer.SerializeToString()


def _pid() -> int:
    return os.getpid()


def start_workers(
    settings: Settings, claims: CheckWorthinessModel, stance: StanceModel, processes: int
) -> ProcessPoolExecutor:
    """Forks the worker processes now (before gRPC starts in this process)."""
    pool = ProcessPoolExecutor(
        processes,
        mp_context=get_context("fork"),
        initializer=_start_worker,
        initargs=(settings, claims, stance),
    )
    # Fork start: the first call launches every worker; the calls wait until they are up.
    pids = {f.result() for f in [pool.submit(_pid) for _ in range(processes)]}
    _LOGGER.info("%d matcher worker processes: %s", processes, sorted(pids))
    return pool


class PooledMatcher(Matcher):
    """A `Matcher` whose Match calls run in the worker processes (the rest runs here)."""

    def __init__(
        self,
        settings: Settings,
        index: WireIndex,
        claims: CheckWorthinessModel,
        stance: StanceModel,
        pool: ProcessPoolExecutor,
    ) -> None:
        super().__init__(settings, index, claims, stance)
        self.pool = pool

    def match(self, request: matcher_pb2.MatchRequest) -> matcher_pb2.MatchResponse:
        """Runs the call in the first free worker."""
        try:
            answer = self.pool.submit(_match, request.SerializeToString()).result()
        except BrokenProcessPool:
            _LOGGER.critical("a matcher worker process died; stopping the matcher")
            os.kill(os.getpid(), signal.SIGTERM)
            raise unavailable("matcher", "a matcher worker process died") from None
        return matcher_pb2.MatchResponse.FromString(answer)
