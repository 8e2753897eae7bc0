"""`python -m services.matcher`: serves MatcherService on the configured address with the
wire index at the configured folder or database, until SIGTERM or SIGINT.

With `CREDENCE_MATCHER_PROCESSES=N` (N > 1) the models are loaded once, then N worker
processes are forked that share them (copy-on-write) and run the Match calls this process
receives, each call in whichever worker is free (`pool.py`), so the matcher uses N cores.
A worker that dies stops the matcher, so the supervisor restarts it whole.
"""

from __future__ import annotations

import asyncio
import logging

from services.common.config import Settings, get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.server import GrpcServer, run_until_signalled
from services.common.tracing import setup_tracing
from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.index import open_index
from services.matcher.index_metrics import register_index_collector
from services.matcher.pool import PooledMatcher, start_workers
from services.matcher.service import service_spec
from services.matcher.stance import StanceModel
from services.matcher.wire.pages import grpc_page_reader

_LOGGER = logging.getLogger(__name__)


def main() -> None:
    """Configures logging, loads the models, forks the workers when asked, then serves."""
    settings = get_settings()
    configure_logging("matcher", settings.log_level, settings.log_json)
    claims, stance = CheckWorthinessModel.load(), StanceModel.load()
    pool = None
    if settings.matcher_processes > 1:
        pool = start_workers(settings, claims, stance, settings.matcher_processes)
    try:
        setup_tracing("matcher")
        index = open_index(settings.index_location, settings.index_pool_size)
        matcher: Matcher
        if pool is None:
            pages = grpc_page_reader(settings.fetcher_addr, settings.wire_page_mirror)
            matcher = Matcher(settings, index, claims, stance, pages=pages)
        else:
            matcher = PooledMatcher(settings, index, claims, stance, pool)
        serve(settings, matcher)
    finally:
        if pool is not None:
            pool.shutdown()


def serve(settings: Settings, matcher: Matcher) -> None:
    """Serves `matcher` until SIGTERM or SIGINT."""
    BUILD_INFO.info({"service": "matcher"})
    register_index_collector(matcher.index)
    if settings.metrics_port:
        start_metrics_server(settings.metrics_port)
    _LOGGER.info("wire index holds %d stories", matcher.index.count())
    server = GrpcServer("matcher", [service_spec(matcher)], settings.matcher_addr)
    asyncio.run(run_until_signalled(server, settings.grace_s))


if __name__ == "__main__":
    main()
