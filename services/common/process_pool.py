"""CPU-bound calls of a gRPC service spread over forked worker processes through one queue.

A service that runs its calls in one process uses one core however many it has. With a
`ForkedPool` the service forks N workers at start, before anything of gRPC exists in it
(gRPC does not survive a fork), and hands each call, serialized as bytes, to whichever
worker is free: the queue, not the kernel, spreads the work (with one server per process on
a shared port the kernel gave each connection to one process, so two callers could land on
the same process while another idled). What the workers need (models, settings) is set up
by the initializer, in the parent's memory shared copy-on-write.

A `CredenceError` raised in a worker crosses back as its `google.rpc.Status`, so the caller
sees the same rich status as from an in-process call. A worker that dies breaks the pool:
the service then stops itself (SIGTERM), its supervisor restarts it whole, and the calls
meanwhile fail as UNAVAILABLE.

The workers count how many of them are running a call (`spare_workers`), so a call that
finds the others idle may use a second thread where its work releases the GIL.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from queue import Empty

from google.rpc import status_pb2

from services.common.errors import CredenceError, from_status, unavailable

_LOGGER = logging.getLogger(__name__)

Work = Callable[[bytes], bytes]
"""A call run in a worker: a module-level function (sent by name), request to answer."""

_PR_SET_PDEATHSIG = 1
_ANSWER = b"A"
_ERROR = b"E"
_busy: Synchronized[int] | None = None
"""In a worker: how many of its pool's workers are running a call (None outside a pool)."""
_size = 0


@dataclass(frozen=True)
class ForkedPool:
    """Worker processes forked by `fork_pool`, running `Work` calls one at a time each."""

    service: str
    """The service's name, in logs and in the UNAVAILABLE error of a dead worker."""
    executor: ProcessPoolExecutor
    pids: tuple[int, ...]

    def call(self, work: Work, request: bytes) -> bytes:
        """Runs `work(request)` in the first free worker, blocking this thread."""
        try:
            outcome = self.executor.submit(_run, work, request).result()
        except BrokenProcessPool:
            raise self._died() from None
        return _unwrap(outcome)

    async def acall(self, work: Work, request: bytes) -> bytes:
        """Runs `work(request)` in the first free worker; the event loop serves meanwhile."""
        try:
            outcome = await asyncio.wrap_future(self.executor.submit(_run, work, request))
        except BrokenProcessPool:
            raise self._died() from None
        return _unwrap(outcome)

    def shutdown(self) -> None:
        """Stops the workers, dropping the calls not started yet."""
        self.executor.shutdown(cancel_futures=True)

    def _died(self) -> CredenceError:
        """Stops this service (its supervisor restarts it); the error for the caller."""
        _LOGGER.critical("a %s worker process died; stopping the %s", self.service, self.service)
        os.kill(os.getpid(), signal.SIGTERM)
        return unavailable(self.service, f"a {self.service} worker process died")


def fork_pool(
    service: str,
    processes: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[object, ...] = (),
    start_timeout_s: float = 300.0,
) -> ForkedPool:
    """Forks `processes` workers now (call it before gRPC starts in this process), each
    running `initializer(*initargs)` first, and returns once every one is up."""
    context = get_context("fork")
    started: Queue[int] = context.Queue()
    busy = context.Value("i", 0)
    executor = ProcessPoolExecutor(
        processes,
        mp_context=context,
        initializer=_start_worker,
        initargs=(initializer, initargs, started, os.getpid(), (busy, processes)),
    )
    # Fork start: the first call launches every worker at once.
    launch = executor.submit(os.getpid)
    try:
        pids = _wait_for_pids(started, processes, launch, start_timeout_s)
    except BaseException:
        executor.shutdown(cancel_futures=True)
        raise
    finally:
        started.close()
    _LOGGER.info("%d %s worker processes: %s", processes, service, list(pids))
    return ForkedPool(service, executor, pids)


def _wait_for_pids(
    started: Queue[int], processes: int, launch: Future[int], timeout_s: float
) -> tuple[int, ...]:
    """The pid of every worker, each sent once its initializer has run."""
    deadline = time.monotonic() + timeout_s
    pids: set[int] = set()
    while len(pids) < processes:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{processes - len(pids)} worker processes did not start")
        try:
            pids.add(started.get(timeout=0.2))
        except Empty:
            if launch.done() and launch.exception() is not None:
                raise RuntimeError("a worker process failed to start") from launch.exception()
    return tuple(sorted(pids))


def _start_worker(
    initializer: Callable[..., None] | None,
    initargs: tuple[object, ...],
    started: Queue[int],
    parent: int,
    pool: tuple[Synchronized[int], int],
) -> None:
    global _busy, _size
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us
    _die_with(parent)
    _busy, _size = pool
    if initializer is not None:
        initializer(*initargs)
    started.put(os.getpid())


def _die_with(parent: int) -> None:
    """On Linux, asks the kernel to kill this worker when its parent dies, however it dies
    (a worker blocked on the queue would otherwise outlive a SIGKILLed parent)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def spare_workers() -> int:
    """In a pool's worker running a call: how many of the pool's other workers are idle
    (each, on a machine with a core per worker, a core this call may use); 0 outside a pool."""
    if _busy is None:
        return 0
    return max(0, _size - _busy.value)


def _run(work: Work, request: bytes) -> bytes:
    """In a worker: the answer, or the CredenceError raised as its status."""
    _count_busy(1)
    try:
        return _ANSWER + work(request)
    except CredenceError as error:
        status: bytes = error.to_status().SerializeToString()
        return _ERROR + status
    finally:
        _count_busy(-1)


def _count_busy(change: int) -> None:
    if _busy is not None:
        with _busy.get_lock():
            _busy.value += change


def _unwrap(outcome: bytes) -> bytes:
    if outcome[:1] == _ERROR:
        raise from_status(status_pb2.Status.FromString(outcome[1:]))
    return outcome[1:]
