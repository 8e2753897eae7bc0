"""The per-process objects the pipeline needs, built once from settings: the report cache,
the job state store and the stage backend (gRPC services, or in-process when embedded)."""

from __future__ import annotations

from functools import lru_cache

from services.common.cache import Cache, MemoryCache, RedisCache
from services.common.config import get_settings
from services.pipeline.jobs import JobRecords
from services.pipeline.stages import GrpcStages, LocalStages, Stages


@lru_cache(maxsize=1)
def report_cache() -> Cache:
    """Where reports are cached (LRU Redis; memory when embedded)."""
    settings = get_settings()
    return MemoryCache() if settings.embedded else RedisCache(settings.cache_url)


@lru_cache(maxsize=1)
def state_store() -> Cache:
    """Where jobs and single-flight locks live (the broker Redis; memory when embedded)."""
    settings = get_settings()
    if settings.embedded:
        return MemoryCache()
    return RedisCache(settings.state_url, timeout_s=2.0, degrade=False)


@lru_cache(maxsize=1)
def job_records() -> JobRecords:
    """The job records in the state store."""
    return JobRecords(state_store(), get_settings().job_ttl_s)


@lru_cache(maxsize=1)
def stages() -> Stages:
    """How tasks reach the stages: gRPC in the stack, direct calls when embedded."""
    settings = get_settings()
    return LocalStages(settings) if settings.embedded else GrpcStages(settings)
