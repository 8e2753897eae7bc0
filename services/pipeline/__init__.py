"""The Celery pipeline: fetch → match → score, one task a stage, each calling a service."""
