"""Runs the gateway process: the public ReliabilityService on `gateway_addr` (and on
`public_addr` with TLS when configured). `python -m services.gateway`."""

from __future__ import annotations

import asyncio
import logging

from services.common.config import get_settings
from services.common.log import configure_logging
from services.common.metrics import BUILD_INFO, start_metrics_server
from services.common.server import GrpcServer, run_until_signalled
from services.common.tracing import setup_tracing
from services.gateway import front_door, partner_api
from services.pipeline import runtime
from services.pipeline.queue_metrics import register_pipeline_collector
from services.scorer.ratings import RatingsStore
from services.scorer.weights import MODEL_VERSION

_LOGGER = logging.getLogger(__name__)


async def serve() -> None:
    settings = get_settings()
    configure_logging("gateway", settings.log_level, settings.log_json)
    setup_tracing("gateway", celery=True)
    BUILD_INFO.info({"service": "gateway", "model_version": MODEL_VERSION})
    if settings.metrics_port and not settings.embedded:
        register_pipeline_collector(settings)
    start_metrics_server(settings.metrics_port)
    reliability = front_door.ReliabilityServicer(
        settings,
        RatingsStore.load(settings.data_dir),
        runtime.report_cache(),
        runtime.job_records(),
    )
    guards = partner_api.interceptors(settings)
    if not settings.require_api_key:
        _LOGGER.warning(
            "API keys are NOT required (CREDENCE_REQUIRE_API_KEY=false): anyone who reaches"
            " %s%s may call ReliabilityService; keep it on loopback or require keys",
            settings.gateway_addr,
            f" or {settings.public_addr}" if settings.public_addr else "",
        )
    spec = front_door.service_spec(reliability)
    server = GrpcServer("gateway", [spec], settings.gateway_addr, interceptors=guards)
    public = partner_api.public_server(settings, spec, guards)
    if public is not None:
        await public.start()
    try:
        await run_until_signalled(server, settings.grace_s)
    finally:
        if public is not None:
            await public.stop(settings.grace_s)


if __name__ == "__main__":
    asyncio.run(serve())
