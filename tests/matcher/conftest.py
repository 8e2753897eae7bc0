"""Fixtures for the matcher tests: the committed models (loaded once), a real tantivy index
in a temporary folder holding a few hand-written wire-like stories about the May 2023
Kremlin drone incident, and the sample article when the data folder is present."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.common.config import Settings, get_settings
from services.matcher.claims import CheckWorthinessModel
from services.matcher.core import Matcher
from services.matcher.index import TantivyIndex
from services.matcher.stance import StanceModel
from services.matcher.stories import StoryRecord
from tests.support.needs import need_path

DATA_DIR = get_settings().data_dir
SAMPLE = DATA_DIR / "samples" / "globalresearch-kremlin-drone-2023.txt"


def _day(day: int, month: int = 5, year: int = 2023) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


KREMLIN_STORIES = [
    StoryRecord(
        outlet="Reuters",
        title="Russia says Ukraine tried to kill Putin with drones over the Kremlin",
        body=(
            "Russia said on Wednesday that Ukraine had tried to assassinate President Vladimir "
            "Putin overnight with two drones targeting the Kremlin, and called it a planned "
            "terrorist attack. The two unmanned aerial vehicles were disabled by the military "
            "and special services using radar systems, the Kremlin said, and fragments fell "
            "in the Kremlin grounds without causing casualties or damage. Putin was not hurt "
            "and his working schedule was unchanged. Russia reserved the right to retaliate "
            "whenever and wherever it saw fit, ahead of the May 9 Victory Day parade."
        ),
        source="handwritten",
        url="https://wire.example/reuters/kremlin-drones-2023-05-03",
        published_at=_day(3),
    ),
    StoryRecord(
        outlet="AP",
        title="Zelenskyy denies Ukraine attacked Putin or the Kremlin",
        body=(
            "Ukrainian President Volodymyr Zelenskyy denied on Wednesday that Ukraine had "
            'attacked Putin or Moscow. "We didn\'t attack Putin. We fight on our territory," '
            "he said. Russia had accused Kyiv of a drone attack on the Kremlin overnight."
        ),
        source="handwritten",
        url="https://wire.example/ap/zelenskyy-denies-2023-05-03",
        published_at=_day(3),
    ),
    StoryRecord(
        outlet="NYT",
        title="U.S. officials say they had no prior knowledge of the Kremlin drone attack",
        body=(
            "American officials said on Wednesday that the United States had no prior knowledge "
            "of the drone attack on the Kremlin and were still trying to determine who was "
            "behind it. Secretary of State Antony Blinken said he could not validate the "
            "Russian claims."
        ),
        source="handwritten",
        url="https://wire.example/nyt/us-no-knowledge-2023-05-03",
        published_at=_day(3),
    ),
    StoryRecord(
        outlet="Reuters",
        title="Kremlin says U.S. ordered drone attack; White House says Peskov is lying",
        body=(
            "Kremlin spokesman Dmitry Peskov said on Thursday that Ukraine had acted on U.S. "
            "orders in the drone attack on the Kremlin, saying decisions on such attacks were "
            "taken in Washington. White House national security spokesman John Kirby said "
            "Peskov was just lying and that the United States had nothing to do with it."
        ),
        source="handwritten",
        url="https://wire.example/reuters/peskov-us-orders-2023-05-04",
        published_at=_day(4),
    ),
    StoryRecord(
        outlet="Reuters",
        title="Central bank raises interest rates by a quarter point",
        body=(
            "The central bank raised its benchmark interest rate by 25 basis points on "
            "Wednesday, its tenth increase in a row, and signalled it may pause."
        ),
        source="handwritten",
        url="https://wire.example/reuters/rates-2023-05-03",
        published_at=_day(3),
    ),
]


@pytest.fixture(scope="session")
def claims_model() -> CheckWorthinessModel:
    return CheckWorthinessModel.load()


@pytest.fixture(scope="session")
def stance_model() -> StanceModel:
    return StanceModel.load()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Index-only matching: the on-demand wire search has tests of its own."""
    return Settings(state_dir=tmp_path, data_dir=DATA_DIR, wire_search=False)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[TantivyIndex]:
    wire = TantivyIndex(tmp_path / "index")
    wire.add(KREMLIN_STORIES)
    yield wire


@pytest.fixture(scope="session")
def wire_data() -> Path:
    """The data folder's wire corpora (see tests.support.needs)."""
    return need_path(DATA_DIR / "wire", "the data folder's wire corpora")


needs_wire = pytest.mark.usefixtures("wire_data")


@pytest.fixture
def matcher(
    settings: Settings,
    index: TantivyIndex,
    claims_model: CheckWorthinessModel,
    stance_model: StanceModel,
) -> Matcher:
    return Matcher(settings, index, claims_model=claims_model, stance_model=stance_model)


@pytest.fixture
def sample_text() -> str:
    need_path(SAMPLE, "the data folder's sample article")
    return SAMPLE.read_text(encoding="utf-8")
