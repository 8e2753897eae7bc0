"""The Celery application, configured from settings for reliability: late acknowledgement,
reject on worker loss, prefetch 1, a visibility timeout above the longest task, and time
limits. With `CREDENCE_EMBEDDED=1` tasks run eagerly in the calling process."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging

from services.common.config import Settings, get_settings
from services.common.log import configure_logging
from services.matcher.schedule import beat_schedule
from services.matcher.tasks import register_tasks

QUEUE = "credence"

# Publishing a job when the broker is down fails within about a second (then the caller gets
# UNAVAILABLE) instead of kombu's default of retrying the connection for a long time.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0.1,
    "interval_step": 0.2,
    "interval_max": 0.3,
}


def make_app(settings: Settings) -> Celery:
    """A Celery app for `settings`; the worker and every submitter use the same one."""
    app = Celery("credence", include=["services.pipeline.tasks"])
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
        worker_send_task_events=True,
        task_send_sent_event=True,
    )
    return app


app = make_app(get_settings())
INGEST_TASKS = register_tasks(app)
app.conf.beat_schedule = beat_schedule(get_settings())


@setup_logging.connect
def _worker_logging(**_: Any) -> None:
    settings = get_settings()
    configure_logging("worker", settings.log_level, settings.log_json)


from services.pipeline import job_guard, telemetry  # noqa: E402, F401  (Celery signal handlers)
