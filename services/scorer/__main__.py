"""Runs the scorer process: the internal ScoringService the pipeline's score stage calls.
`python -m services.scorer`."""

from __future__ import annotations

import asyncio
import logging

from services.common.config import get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.server import GrpcServer, run_until_signalled
from services.common.tracing import setup_tracing
from services.scorer import scoring_service
from services.scorer.ratings import RatingsStore
from services.scorer.report import Scorer
from services.scorer.weights import MODEL_VERSION

_LOGGER = logging.getLogger(__name__)


async def serve() -> None:
    settings = get_settings()
    configure_logging("scorer", settings.log_level, settings.log_json)
    setup_tracing("scorer")
    BUILD_INFO.info({"service": "scorer", "model_version": MODEL_VERSION})
    start_metrics_server(settings.metrics_port)
    scorer = Scorer(RatingsStore.load(settings.data_dir))
    server = GrpcServer("scorer", [scoring_service.service_spec(scorer)], settings.scorer_addr)
    await run_until_signalled(server, settings.grace_s)


if __name__ == "__main__":
    asyncio.run(serve())
