"""Names vulture cannot see used: framework callbacks (gRPC interceptors, Typer commands,
Celery tasks and signals, Prometheus collectors, PyTorch modules), dataclass fields read
by callers, and the public client API. `make lint` runs vulture over services with it."""

# ruff: noqa: B018, F821
list_keys  # services/auth/cli.py
_.intercept_service  # services/auth/interceptor.py
_.get_source_rating  # services/client/async_client.py
_.score_batch  # services/client/async_client.py
NO_RETRY  # services/client/retry.py
_.get_source_rating  # services/client/sync_client.py
_.score_batch  # services/client/sync_client.py
_.intercept_unary_unary  # services/common/channels.py
_.intercept_unary_unary  # services/common/channels.py
model_config  # services/common/config.py
_.intercept_service  # services/common/server.py
_.tail  # services/fetcher/htmlpage.py
eval_stance  # services/matcher/cli.py
eval_retrieve  # services/matcher/cli.py
eval_checkworthy  # services/matcher/cli.py
index_build  # services/matcher/cli.py
index_stats  # services/matcher/cli.py
_.describe  # services/matcher/index_metrics.py
probabilities  # services/matcher/stance.py
_.ingest_rss_task  # services/matcher/tasks.py
_.ingest_nyt_task  # services/matcher/tasks.py
_.ingest_gdelt_task  # services/matcher/tasks.py
_.ingest_local_task  # services/matcher/tasks.py
_.forward  # services/matcher/training/finetune.py
_.forward  # services/matcher/training/finetune.py
_worker_logging  # services/pipeline/celery_app.py
_.describe  # services/pipeline/queue_metrics.py
_.fetch_stage  # services/pipeline/tasks.py
_.match_stage  # services/pipeline/tasks.py
_.score_stage  # services/pipeline/tasks.py
download  # services/scorer/cli.py
via  # services/scorer/ratings/outlets.py
families  # services/scorer/ratings/store.py
_.source_rating  # services/scorer/report.py
