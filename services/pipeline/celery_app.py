"""The Celery application, configured from settings for reliability: late acknowledgement,
reject on worker loss, prefetch 1, a visibility timeout above the longest task, and time
limits. With `CREDENCE_EMBEDDED=1` tasks run eagerly in the calling process.

Every task module is listed in `include` and defines its tasks with `shared_task`, so no
module imports the app to register tasks; the worker imports them, and an embedded process
imports them here because it runs them itself."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging

from services.common.config import Settings, get_settings
from services.common.log import configure_logging
from services.matcher.schedule import beat_schedule
from services.pipeline import job_guard, telemetry
from services.pipeline.queue import PUBLISH_RETRY_POLICY, QUEUE

TASK_MODULES = ("services.pipeline.tasks", "services.matcher.tasks")


def make_app(settings: Settings) -> Celery:
    """A Celery app for `settings`; the worker and every submitter use the same one."""
    app = Celery("credence", include=list(TASK_MODULES))
    app.conf.update(
        broker_url="memory://" if settings.embedded else settings.broker_url,
        task_always_eager=settings.embedded,
        task_eager_propagates=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit_s,
        task_time_limit=settings.task_time_limit_s,
        broker_transport_options={
            "visibility_timeout": max(
                settings.visibility_timeout_s, settings.task_time_limit_s + 5
            ),
            # Sweep for tasks of dead workers often enough to honour the visibility timeout.
            "unacked_restore_interval": max(1, min(10, settings.visibility_timeout_s // 4)),
            "unacked_restore_throttle": 1,
            "socket_timeout": 2,
            "socket_connect_timeout": 2,
            **(
                {"master_name": settings.broker_sentinel_master}
                if settings.broker_sentinel_master
                else {}
            ),
        },
        task_publish_retry=True,
        task_publish_retry_policy=PUBLISH_RETRY_POLICY,
        broker_connection_retry_on_startup=True,
        # A worker keeps reconnecting while the broker restarts (None: without limit).
        broker_connection_max_retries=None,
        task_default_queue=QUEUE,
        worker_hijack_root_logger=False,
        worker_send_task_events=settings.task_events,
        task_send_sent_event=settings.task_events,
        beat_schedule=beat_schedule(settings),
    )
    if settings.embedded:
        app.loader.import_default_modules()
    return app


telemetry.connect_signals()
job_guard.connect_signals()
app = make_app(get_settings())


@setup_logging.connect
def _worker_logging(**_: Any) -> None:
    settings = get_settings()
    configure_logging("worker", settings.log_level, settings.log_json)
