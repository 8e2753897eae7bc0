"""What submitters, workers and operators agree on about the Celery queue: its name, the
pipeline's task names and the publish retry policy. Importing it builds no Celery app."""

from __future__ import annotations

from typing import Final

QUEUE: Final = "credence"

FETCH_TASK: Final = "credence.fetch"
MATCH_TASK: Final = "credence.match"
SCORE_TASK: Final = "credence.score"
REFRESH_TASK: Final = "credence.refresh"

# Publishing a job when the broker is down fails within about a second (then the caller gets
# UNAVAILABLE) instead of kombu's default of retrying the connection for a long time.
PUBLISH_RETRY_POLICY: Final = {
    "max_retries": 2,
    "interval_start": 0.1,
    "interval_step": 0.2,
    "interval_max": 0.3,
}
