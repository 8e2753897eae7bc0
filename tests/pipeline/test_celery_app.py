"""The Celery app's configuration from settings: reliability options always, task events
only when asked for (Flower turns them on in running workers itself)."""

from __future__ import annotations

from services.common.config import Settings
from services.pipeline.celery_app import make_app


def test_task_events_are_off_unless_asked_for_and_reliability_options_are_on() -> None:
    quiet = make_app(Settings(embedded=False)).conf
    assert not quiet.worker_send_task_events and not quiet.task_send_sent_event
    assert quiet.task_acks_late and quiet.task_reject_on_worker_lost
    assert quiet.worker_prefetch_multiplier == 1
    loud = make_app(Settings(embedded=False, task_events=True)).conf
    assert loud.worker_send_task_events and loud.task_send_sent_event
