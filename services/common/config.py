"""All configuration, read from environment variables prefixed `CREDENCE_`.

One settings class for every process, so that an operator finds every knob in one place
(each field's description is its documentation; `credence config` prints them).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
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
    broker_sentinel_master: str = Field(
        default="",
        description="With a sentinel:// broker URL: the name of the master Sentinel watches.",
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
    uncached_max_waiting: int = Field(
        default=32,
        ge=0,
        description="Most callers one front-door process keeps waiting for uncached reports;"
        " past it a caller's job is still started or joined, but it is answered at once with"
        " the job to poll (as when its deadline passes), so waiting never crowds out cached"
        " answers.",
    )
    job_timeout_s: float = Field(
        default=60.0,
        description="Deadline of a whole job from its start (longer when the caller's deadline"
        " is); each stage RPC gets the job's remaining time, at most stage_timeout_s.",
    )
    max_job_s: float = Field(
        default=110.0,
        description="Longest any job may run, whatever deadline its caller asks for; kept"
        " below lock_ttl_s so no job outlives its single-flight lock.",
    )
    task_soft_time_limit_s: int = Field(
        default=60, description="A task past this many seconds is told to stop (fails its job)."
    )
    task_time_limit_s: int = Field(
        default=90, description="A task past this many seconds is killed and its worker replaced."
    )
    visibility_timeout_s: int = Field(
        default=300,
        description="A task taken by a worker that died is redelivered after this many seconds;"
        " kept above task_time_limit_s so a live task is never delivered twice.",
    )
    task_events: bool = Field(
        default=False,
        description="Workers send Celery task events from the start (monitors that do not"
        " ask for them). Flower turns them on in running workers itself (its enable_events"
        " option, on by default); off, a task costs a few Redis messages less.",
    )

    # gRPC addresses.
    fetcher_addr: str = Field(default="127.0.0.1:50061", description="FetcherService address.")
    matcher_addr: str = Field(default="127.0.0.1:50062", description="MatcherService address.")
    scorer_addr: str = Field(default="127.0.0.1:50064", description="ScoringService address.")
    gateway_addr: str = Field(
        default="127.0.0.1:50063",
        description="ReliabilityService address (the gateway): the port clients, the CLI's"
        " --server and the edge use.",
    )
    stage_timeout_s: float = Field(default=20.0, description="Deadline of one stage's RPC.")
    grace_s: float = Field(default=5.0, description="Drain time on SIGTERM.")
    shutdown_announce_s: float = Field(
        default=1.0,
        description="On SIGTERM, how long health reports NOT_SERVING while calls are still"
        " accepted (so load balancers stop routing), before the drain starts.",
    )
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
    fetcher_processes: int = Field(
        default=1,
        ge=1,
        description="Fetcher worker processes (forked at start) that extract the pages of the"
        " one process serving the port, each page in a free worker; 1: extraction runs in"
        " that process.",
    )

    # Matching.
    index_dir: Path | None = Field(
        default=None, description="Wire index folder; default: <state_dir>/index."
    )
    index_url: str = Field(
        default="",
        description="PostgreSQL URL of a shared wire index (postgresql://user:pass@host/db);"
        " empty: the embedded tantivy folder index_dir.",
    )
    index_pool_size: int = Field(
        default=4, ge=1, description="Connections each process keeps to the index database."
    )
    wire_feeds: list[dict[str, str]] = Field(
        default_factory=list,
        description='RSS/Atom feeds ingested periodically, JSON: [{"url": ..., "outlet": ...}].',
    )
    feed_interval_s: int = Field(default=900, description="How often each feed is pulled.")
    inference_threads: int = Field(
        default=1,
        ge=1,
        description="ONNX Runtime intra-op threads per model; one per process is fastest "
        "under load, where processes rather than threads use the cores.",
    )
    encoder_spare_core: bool = Field(
        default=False,
        description="A matcher worker that finds another idle runs every other encoder call "
        "on a second thread: a lone article is encoded on two cores (lower latency on a "
        "lightly loaded stack), but a second Celery worker then adds less; off by default.",
    )
    matcher_processes: int = Field(
        default=1,
        ge=1,
        description="Matcher worker processes (forked after the models load) that run the"
        " Match calls of the one process serving the port, each call in a free worker.",
    )
    nyt_api_key: str = Field(default="", description="NYT Article Search API key (optional).")
    nyt_queries: list[str] = Field(
        default_factory=list, description="NYT Article Search queries pulled periodically."
    )
    nyt_url: str = Field(
        default="https://api.nytimes.com/svc/search/v2/articlesearch.json",
        description="NYT Article Search endpoint (a local replay in tests and the demo).",
    )

    # Wire evidence on demand: searched per article at scoring time.
    wire_search: bool = Field(
        default=True,
        description="Search wire coverage of each article's event at scoring time (GDELT, NYT"
        " with a key); off: only the index is searched.",
    )
    gdelt_url: str = Field(
        default="https://api.gdeltproject.org/api/v2/doc/doc",
        description="GDELT DOC 2.0 API endpoint (a local replay in tests and the demo).",
    )
    gdelt_domains: list[str] = Field(
        default_factory=list,
        description="Limit GDELT searches to these domains (JSON list); empty: every outlet"
        " GDELT monitors, rated later by the source lists.",
    )
    gdelt_min_interval_s: float = Field(
        default=5.0, description="GDELT allows about one request per this many seconds."
    )
    nyt_per_minute: int = Field(default=5, description="NYT Article Search requests a minute.")
    nyt_per_day: int = Field(default=500, description="NYT Article Search requests a day.")
    wire_search_budget_s: float = Field(
        default=3.0,
        description="Time one article's wire search may take; what arrives later is pending.",
    )
    wire_search_refresh_budget_s: float = Field(
        default=12.0,
        description="Time the background search of a report whose search was pending may take"
        " before the report is recomputed.",
    )
    wire_search_cache_ttl_s: int = Field(
        default=6 * 3600, description="How long a search answer is reused per (query, window)."
    )
    wire_fetch_pages: bool = Field(
        default=True,
        description="Fetch the pages of stories found (through the fetcher's guards) for their"
        " lead and body; off: title only.",
    )
    wire_page_mirror: str = Field(
        default="",
        description="Fetch story pages through this prefix (the URL is appended, quoted), e.g."
        " a page archive; empty: from the outlet itself.",
    )

    # The partner API (ReliabilityService): keys, quotas, batches, TLS.
    public_addr: str = Field(
        default="",
        description="Address of a second, public listener with ReliabilityService only, with TLS"
        " when configured; gateway_addr stays plaintext for the edge and internal callers.",
    )
    require_api_key: bool = Field(
        default=False,
        description="Require an x-api-key on ReliabilityService calls (never on health or"
        " reflection); off for the embedded default and local development.",
    )
    api_keys_url: str = Field(
        default="",
        description="Redis holding API keys (hashed) and quota buckets; default: state_url.",
    )
    api_key_rate: float = Field(
        default=20.0,
        description="Default quota of a new API key: calls (or batch items) per second.",
    )
    api_key_burst: int = Field(
        default=100, description="Default quota of a new API key: calls allowed in a burst."
    )
    batch_max_items: int = Field(
        default=10_000, description="Most items one ScoreBatch stream may send."
    )
    batch_max_in_flight: int = Field(
        default=64,
        description="Most items of one ScoreBatch stream read but not yet answered; the server"
        " reads the next item only when one is answered.",
    )
    watch_max_s: float = Field(
        default=600.0, description="Longest a WatchReport stream follows one job."
    )
    tls_cert_file: Path | None = Field(
        default=None, description="PEM certificate chain of the public server; enables TLS."
    )
    tls_key_file: Path | None = Field(default=None, description="PEM private key of tls_cert_file.")
    tls_client_ca_file: Path | None = Field(
        default=None, description="PEM CA bundle that signs client certificates (mTLS)."
    )
    tls_require_client_auth: bool = Field(
        default=False, description="Reject TLS clients without a certificate from the client CA."
    )

    # The JSON edge for browsers and the extension (Connect protocol over HTTP).
    edge_addr: str = Field(
        default="127.0.0.1:8080", description="host:port the HTTP/JSON edge listens on."
    )
    edge_cors_origins: list[str] = Field(
        default_factory=list,
        description="Web origins allowed to call the edge from a browser, e.g."
        ' ["https://credence.example"] (JSON list); never a wildcard.',
    )
    edge_extension_ids: list[str] = Field(
        default_factory=list,
        description="Browser extension ids allowed to call the edge (each becomes the origin"
        " chrome-extension://<id>); JSON list.",
    )
    edge_max_timeout_s: float = Field(
        default=120.0,
        description="Longest the edge waits for the front door, whatever the caller's"
        " connect-timeout-ms.",
    )
    edge_max_body_bytes: int = Field(
        default=8 * 1024 * 1024, description="Largest request body the edge reads."
    )

    # Operations: metrics scraped by the status page, tracing.
    status_targets: dict[str, str] = Field(
        default_factory=lambda: {
            "fetcher": "http://127.0.0.1:9101/metrics",
            "matcher": "http://127.0.0.1:9102/metrics",
            "scorer": "http://127.0.0.1:9103/metrics",
            "worker": "http://127.0.0.1:9104/metrics",
            "gateway": "http://127.0.0.1:9105/metrics",
        },
        description="The /metrics URL of each process the edge's status page reads, by"
        " service name (JSON object); the edge adds its own.",
    )
    status_recent_reports: int = Field(
        default=10, description="How many of the latest reports the status page lists."
    )
    otel_endpoint: str = Field(
        default="",
        description="OTLP/gRPC collector for OpenTelemetry traces (e.g."
        " http://otel-collector:4317); empty turns tracing off.",
    )
    otel_export_delay_ms: int = Field(
        default=2000, description="How often finished spans are sent to the collector."
    )

    # Logging.
    log_level: str = Field(default="INFO", description="Root log level.")
    log_json: bool = Field(default=True, description="Log one JSON object per line.")

    @field_validator("index_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("CREDENCE_INDEX_URL must be empty or a postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _jobs_end_before_their_locks(self) -> Settings:
        if self.max_job_s >= self.lock_ttl_s:
            raise ValueError(
                f"max_job_s ({self.max_job_s}) must be below lock_ttl_s ({self.lock_ttl_s}):"
                " a job running past its lock would let a second job start for the same report"
            )
        return self

    def job_budget_s(self, requested_s: float = 0.0) -> float:
        """How long a job may run: what its caller asked for (job_timeout_s when nothing or
        less), never more than max_job_s."""
        return min(max(requested_s, self.job_timeout_s), self.max_job_s)

    @property
    def resolved_index_dir(self) -> Path:
        """The wire index folder."""
        return self.index_dir or self.state_dir / "index"

    @property
    def index_location(self) -> str | Path:
        """Where the wire index lives: the database URL when set, else the folder."""
        return self.index_url or self.resolved_index_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
