"""The matcher never invents support: articles about events the index does not cover get no
supported or contradicted verdict, even when the index's stories (Reuters-21578, FNC-1)
share their words and are dated inside their window."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.common.config import Settings
from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.false_support import fill_index, measure
from services.matcher.index import TantivyIndex
from services.matcher.stance import StanceModel

STORIES_PER_SOURCE = 3000


@pytest.mark.slow
def test_no_support_from_stories_of_other_events(
    data_dir: Path,
    tmp_path: Path,
    claims_model: CheckWorthinessModel,
    stance_model: StanceModel,
) -> None:
    index = TantivyIndex(tmp_path / "index")
    assert fill_index(index, data_dir, STORIES_PER_SOURCE) > 4000
    settings = Settings(state_dir=tmp_path, data_dir=data_dir, wire_search=False)
    matcher = Matcher(settings, index, claims_model=claims_model, stance_model=stance_model)
    result = measure(matcher)
    assert result.claims >= 5
    assert (result.supported, result.contradicted) == (0, 0), result
