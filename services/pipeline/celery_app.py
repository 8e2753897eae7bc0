"""The Celery application, configured from settings for reliability: late acknowledgement,
reject on worker loss, prefetch 1, a visibility timeout above the longest task, and time
limits. With `CREDENCE_EMBEDDED=1` tasks run eagerly in the calling process."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging

from services.common.config import Settings, get_settings
from services.common.log import configure_logging

TASK_SOFT_TIME_LIMIT_S = 60
TASK_TIME_LIMIT_S = 90
QUEUE = "credence"


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
        task_soft_time_limit=TASK_SOFT_TIME_LIMIT_S,
        task_time_limit=TASK_TIME_LIMIT_S,
        broker_transport_options={
            "visibility_timeout": 10 * TASK_TIME_LIMIT_S,
            "socket_timeout": 2,
            "socket_connect_timeout": 2,
        },
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=3,
        task_default_queue=QUEUE,
        worker_hijack_root_logger=False,
        worker_send_task_events=True,
        task_send_sent_event=True,
    )
    return app


app = make_app(get_settings())


@setup_logging.connect
def _worker_logging(**_: Any) -> None:
    settings = get_settings()
    configure_logging("worker", settings.log_level, settings.log_json)
