"""Runs the scorer process: the public ReliabilityService (front door) and the internal
ScoringService, sharing one ratings store. `python -m services.scorer`."""

from __future__ import annotations

import asyncio
import logging

from services.common.config import get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.server import GrpcServer, run_until_signalled
from services.common.tracing import setup_tracing
from services.pipeline import runtime
from services.pipeline.queue_metrics import register_pipeline_collector
from services.scorer import front_door, partner_api, scoring_service
from services.scorer.ratings import RatingsStore
from services.scorer.report import MODEL_VERSION, Scorer

_LOGGER = logging.getLogger(__name__)


async def serve() -> None:
    settings = get_settings()
    configure_logging("scorer", settings.log_level, settings.log_json)
    setup_tracing("scorer", celery=True)
    BUILD_INFO.info({"service": "scorer", "model_version": MODEL_VERSION})
    if settings.metrics_port and not settings.embedded:
        register_pipeline_collector(settings)
    start_metrics_server(settings.metrics_port)
    scorer = Scorer(RatingsStore.load(settings.data_dir))
    reliability = front_door.ReliabilityServicer(
        settings, scorer, runtime.report_cache(), runtime.job_records()
    )
    guards = partner_api.interceptors(settings)
    server = GrpcServer(
        "scorer",
        [front_door.service_spec(reliability), scoring_service.service_spec(scorer)],
        settings.scorer_addr,
        interceptors=guards,
    )
    public = partner_api.public_server(settings, front_door.service_spec(reliability), guards)
    if public is not None:
        await public.start()
    try:
        await run_until_signalled(server, settings.grace_s)
    finally:
        if public is not None:
            await public.stop(settings.grace_s)


if __name__ == "__main__":
    asyncio.run(serve())
