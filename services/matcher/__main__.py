"""`python -m services.matcher`: serves MatcherService on the configured address with the
wire index at the configured folder or database, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging

from services.common.config import get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.server import GrpcServer, run_until_signalled
from services.common.tracing import setup_tracing
from services.matcher.core import Matcher
from services.matcher.index import open_index
from services.matcher.index_metrics import register_index_collector
from services.matcher.service import service_spec
from services.matcher.wire.pages import grpc_page_reader

_LOGGER = logging.getLogger(__name__)


def main() -> None:
    """Configures logging and metrics, opens the index, serves."""
    settings = get_settings()
    configure_logging("matcher", settings.log_level, settings.log_json)
    setup_tracing("matcher")
    pages = grpc_page_reader(settings.fetcher_addr, settings.wire_page_mirror)
    index = open_index(settings.index_location, settings.index_pool_size)
    matcher = Matcher(settings, index, pages=pages)
    BUILD_INFO.info({"service": "matcher"})
    register_index_collector(matcher.index)
    start_metrics_server(settings.metrics_port)
    _LOGGER.info("wire index holds %d stories", matcher.index.count())
    server = GrpcServer("matcher", [service_spec(matcher)], settings.matcher_addr)
    asyncio.run(run_until_signalled(server, settings.grace_s))


if __name__ == "__main__":
    main()
