"""JSON logs that carry the request id and job id, so one request can be followed through
the front door, the Celery tasks and every gRPC hop."""

from __future__ import annotations

import contextvars
import logging
import sys
import uuid

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
job_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="")

REQUEST_ID_HEADER = "x-request-id"


def new_request_id() -> str:
    """A fresh request id."""
    return uuid.uuid4().hex


class _ContextFilter(logging.Filter):
    """Stamps every record with the service name and the current request and job ids."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.request_id = request_id_var.get()
        record.job_id = job_id_var.get()
        return True


def configure_logging(service: str, level: str = "INFO", json_lines: bool = True) -> None:
    """Sends this process's logs to stderr, one JSON object per line when `json_lines`."""
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "filelock", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
