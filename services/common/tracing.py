"""OpenTelemetry tracing, switched on by configuration: with `CREDENCE_OTEL_ENDPOINT` set
(an OTLP/gRPC collector such as `http://otel-collector:4317`), spans of every gRPC call
(server and client, asyncio and blocking) and every Celery task (publish and run) go there,
joined into one trace per request. Unset (the default) nothing is imported or patched, so
tracing costs nothing."""

from __future__ import annotations

import logging

from services.common.config import get_settings

_LOGGER = logging.getLogger(__name__)

_installed = False


def setup_tracing(service: str, celery: bool = False) -> bool:
    """Installs the tracer provider and instrumentation once per process when an endpoint
    is configured; returns whether tracing is on. Call it before making servers or
    channels. `celery` also instruments Celery (workers, and processes that publish)."""
    global _installed  # noqa: PLW0603  (one tracer provider per process)
    settings = get_settings()
    if not settings.otel_endpoint:
        return False
    if _installed:
        return True
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.grpc import (
        GrpcAioInstrumentorClient,
        GrpcAioInstrumentorServer,
        GrpcInstrumentorClient,
    )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": f"credence-{service}"}),
    )
    exporter = OTLPSpanExporter(
        endpoint=settings.otel_endpoint, insecure=not settings.otel_endpoint.startswith("https")
    )
    provider.add_span_processor(
        BatchSpanProcessor(exporter, schedule_delay_millis=settings.otel_export_delay_ms)
    )
    trace.set_tracer_provider(provider)
    GrpcAioInstrumentorServer().instrument(tracer_provider=provider)
    GrpcAioInstrumentorClient().instrument(tracer_provider=provider)
    GrpcInstrumentorClient().instrument(tracer_provider=provider)
    if celery:
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        CeleryInstrumentor().instrument(tracer_provider=provider)
    _installed = True
    _LOGGER.info("tracing to %s", settings.otel_endpoint)
    return True
