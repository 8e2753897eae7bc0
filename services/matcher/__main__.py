"""`python -m services.matcher`: serves MatcherService on the configured address with the
wire index at the configured folder or database, until SIGTERM or SIGINT.

With `CREDENCE_MATCHER_PROCESSES=N` (N > 1) the models are loaded once, then N processes are
forked that share them (copy-on-write) and each serve the same port (SO_REUSEPORT: the
kernel spreads connections over them), so the matcher uses N cores. Each process opens the
index, its gRPC server and its tracing after the fork (none of them survive one), and
serves metrics on `CREDENCE_METRICS_PORT + i`. The parent only forwards SIGTERM/SIGINT and
waits; when one process dies the others are stopped and the parent exits non-zero, so the
supervisor restarts the whole group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

from services.common.config import Settings, get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.server import GrpcServer, run_until_signalled
from services.common.tracing import setup_tracing
from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.index import open_index
from services.matcher.index_metrics import register_index_collector
from services.matcher.service import service_spec
from services.matcher.stance import StanceModel
from services.matcher.wire.pages import grpc_page_reader

_LOGGER = logging.getLogger(__name__)


def serve(
    settings: Settings, claims: CheckWorthinessModel, stance: StanceModel, number: int = 0
) -> None:
    """Opens the index and serves in this process (the `number`-th of the group)."""
    setup_tracing("matcher")
    pages = grpc_page_reader(settings.fetcher_addr, settings.wire_page_mirror)
    index = open_index(settings.index_location, settings.index_pool_size)
    matcher = Matcher(settings, index, claims, stance, pages=pages)
    BUILD_INFO.info({"service": "matcher"})
    register_index_collector(matcher.index)
    if settings.metrics_port:
        start_metrics_server(settings.metrics_port + number)
    _LOGGER.info("wire index holds %d stories", matcher.index.count())
    server = GrpcServer("matcher", [service_spec(matcher)], settings.matcher_addr)
    asyncio.run(run_until_signalled(server, settings.grace_s))


def supervise(children: list[int]) -> int:
    """Forwards SIGTERM/SIGINT to the children and waits for them; returns the exit code
    (non-zero when a child ended on its own with an error)."""

    sent: set[int] = set()

    def forward(signum: int, _frame: object) -> None:
        sent.add(signum)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = 0
    running = set(children)
    while running:
        pid, status = os.wait()
        running.discard(pid)
        exit_code = os.waitstatus_to_exitcode(status)
        # A child still starting up when the stop arrived ends by the signal itself.
        stopped_by_us = exit_code < 0 and -exit_code in sent
        if exit_code != 0 and not stopped_by_us and code == 0:
            _LOGGER.error("matcher process %d exited with %d; stopping the others", pid, exit_code)
            code = 1
            forward(signal.SIGTERM, None)
    return code


def main() -> None:
    """Configures logging, loads the models, then serves in one or several processes."""
    settings = get_settings()
    configure_logging("matcher", settings.log_level, settings.log_json)
    claims, stance = CheckWorthinessModel.load(), StanceModel.load()
    if settings.matcher_processes <= 1:
        serve(settings, claims, stance)
        return
    children = []
    for number in range(settings.matcher_processes):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                serve(settings, claims, stance, number)
            except BaseException:
                _LOGGER.exception("matcher process %d failed", number)
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        children.append(pid)
    _LOGGER.info("%d matcher processes serving %s", len(children), settings.matcher_addr)
    sys.exit(supervise(children))


if __name__ == "__main__":
    main()
