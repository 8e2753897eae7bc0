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
list_feedback  # services/cli/feedback.py
_._database_url  # services/common/config.py
_._jobs_end_before_their_locks  # services/common/config.py (a pydantic validator)
discussed  # services/matcher/false_support.py
fill_index  # services/matcher/false_support.py
measure  # services/matcher/false_support.py
_.set_embeddings  # services/matcher/pg_index.py
_.rating_label  # services/scorer/coverage.py
lin_url  # services/scorer/ratings/estimate.py
title_from  # services/wire_replay/records.py
snapshot_folder  # services/wire_replay/records.py
_.daemon_threads  # services/wire_replay/server.py
_.page_mirror_url  # services/wire_replay/server.py
_.set_fault  # services/wire_replay/server.py
_.reset_stats  # services/wire_replay/server.py
server_version  # services/wire_replay/server.py
_.do_GET  # services/wire_replay/server.py
_.close_connection  # services/wire_replay/server.py
_.close_connection  # services/wire_replay/server.py
_.log_message  # services/wire_replay/server.py
ENCODERS  # services/matcher/embeddings.py
_.intra_op_num_threads  # services/matcher/embeddings.py
_.inter_op_num_threads  # services/matcher/embeddings.py
_.execution_mode  # services/matcher/embeddings.py
_.graph_optimization_level  # services/matcher/embeddings.py
_.data_location  # services/matcher/training/export_onnx.py
probability  # services/matcher/relatedness.py
shared_entities  # services/matcher/relatedness.py
_.select  # services/matcher/training/relatedness_data.py
_.optimized_model_filepath  # services/matcher/quantize.py
_.answered_without_waiting  # services/gateway/front_door.py (read by tests)
