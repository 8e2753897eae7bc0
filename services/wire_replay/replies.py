"""An HTTP answer as a value, so each endpoint is a pure function of its request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """Status, content type and body of one answer."""

    status: int
    content_type: str
    body: bytes

    @staticmethod
    def json(payload: Any, status: int = 200) -> Reply:
        return Reply(status, JSON_TYPE, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    @staticmethod
    def text(message: str, status: int = 200, content_type: str = TEXT_TYPE) -> Reply:
        return Reply(status, content_type, message.encode("utf-8"))

    @staticmethod
    def html(page: str, status: int = 200) -> Reply:
        return Reply(status, HTML_TYPE, page.encode("utf-8"))
