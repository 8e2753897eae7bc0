"""The page mirror through the real fetcher on loopback: robots.txt, fetching and
extraction give the recorded title, lead and publication date. The fetcher does not adopt
the mirror's canonical link (a page cannot claim another site's URL), so whoever asks the
mirror keeps the recorded URL itself."""

from __future__ import annotations

import pytest
from credence.v1 import fetcher_pb2

from services.common.config import Settings
from services.fetcher.core import Fetcher
from services.wire_replay import WireReplay
from tests.fetcher.conftest import tight_policy

pytestmark = pytest.mark.timeout(60)


async def test_fetcher_reads_the_recorded_title_and_lead(wire_replay: WireReplay) -> None:
    fetcher = Fetcher(Settings(), policy=tight_policy())
    for origin in ("reuters", "ap"):
        record = next(r for r in wire_replay.records if r.wire_origin == origin)
        reply = await fetcher.fetch(
            fetcher_pb2.FetchRequest(url=wire_replay.page_mirror_url + record.url)
        )
        article = reply.article
        assert reply.http_status == 200
        assert article.title == record.title
        assert record.lead in article.text
        assert "canonical_other_domain" in article.page_signals
        assert article.published_at.ToDatetime().date() == record.published
