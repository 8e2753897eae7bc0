"""`python -m services.fetcher`: the FetcherService as its own process, with metrics, the
shared Redis cache (robots.txt rules, recent failures) and a graceful shutdown.

With `CREDENCE_FETCHER_PROCESSES=N` (N > 1), N extraction worker processes are forked first
(before anything of gRPC exists here) and extract the pages this process receives, each in
whichever worker is free (`extraction.py`), so the fetcher uses N cores. A worker that dies
stops the fetcher, so the supervisor restarts it whole.
"""

from __future__ import annotations

import asyncio
import logging

from services.common.cache import RedisCache
from services.common.config import Settings, get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.process_pool import ForkedPool
from services.common.server import GrpcServer, run_until_signalled
from services.common.tracing import setup_tracing
from services.fetcher.core import Fetcher, FetchPolicy
from services.fetcher.extraction import start_workers
from services.fetcher.service import service_spec

_LOGGER = logging.getLogger(__name__)


async def serve(settings: Settings, pool: ForkedPool | None = None) -> None:
    """Serves FetcherService on settings.fetcher_addr until SIGTERM or SIGINT."""
    fetcher = Fetcher(settings, RedisCache(settings.cache_url), pool=pool)
    server = GrpcServer("fetcher", [service_spec(fetcher)], settings.fetcher_addr)
    _LOGGER.info("starting fetcher on %s", settings.fetcher_addr)
    await run_until_signalled(server, settings.grace_s)


def main() -> None:
    """Configures logging, forks the extraction workers when asked, then metrics, serving."""
    settings = get_settings()
    configure_logging("fetcher", settings.log_level, settings.log_json)
    pool = None
    if settings.fetcher_processes > 1:
        max_body_bytes = FetchPolicy.from_settings(settings).max_body_bytes
        pool = start_workers(max_body_bytes, settings.fetcher_processes)
    try:
        setup_tracing("fetcher")
        BUILD_INFO.info({"service": "fetcher"})
        start_metrics_server(settings.metrics_port)
        asyncio.run(serve(settings, pool))
    finally:
        if pool is not None:
            pool.shutdown()


if __name__ == "__main__":
    main()
