"""All configuration, read from environment variables prefixed `CREDENCE_`.

One settings class for every process, so that an operator finds every knob in one place
(each field's description is its documentation; `credence config` prints them).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _default_data_dir() -> Path:
    """`../shared/data` beside the checkout when present, else `./data` in the checkout."""
    shared = _REPO_ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else _REPO_ROOT / "data"


class Settings(BaseSettings):
    """Every setting of every Credence process."""

    model_config = SettingsConfigDict(env_prefix="CREDENCE_", extra="ignore")

    # Where things are.
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder with ratings/, wire/, fnc1/, ... (the shared data sets).",
    )
    state_dir: Path = Field(
        default=_REPO_ROOT / "var",
        description="Folder for local state: the wire index, logs of `make run`.",
    )

    # Redis and Celery.
    broker_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="Celery broker (Redis, noeviction)."
    )
    state_url: str = Field(
        default="redis://127.0.0.1:6379/2",
        description="Redis for jobs and single-flight locks (the broker instance).",
    )
    cache_url: str = Field(
        default="redis://127.0.0.1:6379/1", description="Redis for cached reports (LRU)."
    )
    embedded: bool = Field(
        default=False,
        description="Run the pipeline in-process: Celery eager, in-memory cache, no servers.",
    )
    report_ttl_s: int = Field(default=6 * 3600, description="How long a report stays cached.")
    job_ttl_s: int = Field(default=24 * 3600, description="How long a job record is kept.")
    lock_ttl_s: int = Field(default=120, description="Single-flight lock lifetime.")
    default_wait_s: float = Field(
        default=30.0, description="How long ScoreUrl waits when the caller sets no deadline."
    )

    # gRPC addresses.
    fetcher_addr: str = Field(default="127.0.0.1:50061", description="FetcherService address.")
    matcher_addr: str = Field(default="127.0.0.1:50062", description="MatcherService address.")
    scorer_addr: str = Field(
        default="127.0.0.1:50063", description="ScoringService and ReliabilityService address."
    )
    stage_timeout_s: float = Field(default=20.0, description="Deadline of one stage's RPC.")
    grace_s: float = Field(default=5.0, description="Drain time on SIGTERM.")
    metrics_port: int = Field(
        default=0, description="Port of the Prometheus /metrics endpoint; 0 turns it off."
    )

    # Fetching.
    allow_loopback: bool = Field(
        default=False, description="Let the fetcher reach loopback addresses (tests, demo)."
    )
    max_body_bytes: int = Field(default=5 * 1024 * 1024, description="Largest page fetched.")
    fetch_timeout_s: float = Field(default=10.0, description="Total time for one fetch.")
    user_agent: str = Field(
        default="CredenceBot/0.1 (+https://github.com/credence/credence)",
        description="The User-Agent the fetcher sends.",
    )
    obey_robots: bool = Field(default=True, description="Honour robots.txt.")

    # Matching.
    index_dir: Path | None = Field(
        default=None, description="Wire index folder; default: <state_dir>/index."
    )

    # Logging.
    log_level: str = Field(default="INFO", description="Root log level.")
    log_json: bool = Field(default=True, description="Log one JSON object per line.")

    @property
    def resolved_index_dir(self) -> Path:
        """The wire index folder."""
        return self.index_dir or self.state_dir / "index"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
