"""Writes the provisioned Grafana dashboards (deploy/grafana/dashboards/*.json) from the
panel lists below, so every panel has the same shape and datasource; run it after changing
a panel (`python tools/gen_dashboards.py`), and `--check` to see the JSON is current."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "deploy" / "grafana" / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
FRONT = 'grpc_service="credence.v1.ReliabilityService"'
SCORING = f'{FRONT}, grpc_method=~"ScoreUrl|ScoreArticle"'


@dataclass
class Panel:
    """One panel: a title, its PromQL queries (expr, legend) and how to draw it."""

    title: str
    queries: list[tuple[str, str]]
    kind: str = "timeseries"
    unit: str = "short"
    width: int = 12
    height: int = 8
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": panel.options,
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": leg,
            }
            for i, (expr, leg) in enumerate(panel.queries)
        ],
    }


def dashboard(uid: str, title: str, panels: list[Panel], tags: list[str]) -> dict[str, Any]:
    """A Grafana dashboard laid out left to right, top to bottom, 24 columns wide."""
    out, x, y, row_height = [], 0, 0, 0
    for i, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        out.append(_panel(panel, i, x, y))
        x += panel.width
        row_height = max(row_height, panel.height)
    return {
        "uid": uid,
        "title": title,
        "tags": ["credence", *tags],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": out,
    }


def _stat(title: str, expr: str, unit: str = "short", description: str = "") -> Panel:
    return Panel(
        title, [(expr, "")], kind="stat", unit=unit, width=4, height=4, description=description
    )


def _p(q: float, metric: str, selector: str, by: str = "") -> str:
    group = f"le, {by}" if by else "le"
    return f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{{{selector}}}[5m])))"


OVERVIEW = [
    _stat("Front-door requests/s", f"sum(rate(grpc_server_handled_total{{{FRONT}}}[5m]))", "reqps"),
    _stat("Scoring p95", _p(0.95, "grpc_server_handling_seconds", SCORING), "s"),
    _stat(
        "Cache hit rate",
        'sum(rate(credence_cache_requests_total{result="hit"}[5m]))'
        " / sum(rate(credence_cache_requests_total[5m]))",
        "percentunit",
    ),
    _stat("Queue depth", "max(credence_celery_queue_length)"),
    _stat("Workers up", "max(credence_celery_workers_up)"),
    _stat("Reports/min", 'sum(rate(credence_jobs_total{outcome="done"}[5m])) * 60'),
    Panel(
        "Front-door requests by method and code",
        [
            (
                f"sum by (grpc_method, grpc_code) (rate(grpc_server_handled_total{{{FRONT}}}[5m]))",
                "{{grpc_method}} {{grpc_code}}",
            )
        ],
        unit="reqps",
    ),
    Panel(
        "Scoring latency",
        [
            (_p(q, "grpc_server_handling_seconds", SCORING), f"p{round(q * 100)}")
            for q in (0.5, 0.95, 0.99)
        ],
        unit="s",
    ),
    Panel(
        "Errors by service and code",
        [
            (
                'sum by (grpc_service, grpc_code) (rate(grpc_server_handled_total{grpc_code!="OK"}'
                "[5m]))",
                "{{grpc_service}} {{grpc_code}}",
            )
        ],
        unit="reqps",
    ),
    Panel(
        "Fetch errors by reason",
        [('sum by (reason) (rate(credence_fetch_errors_total{job="fetcher"}[5m]))', "{{reason}}")],
        unit="reqps",
    ),
    Panel(
        "Report scores (last hour)",
        [("sum by (le) (increase(credence_report_score_bucket[1h]))", "≤ {{le}}")],
        kind="bargauge",
        options={"displayMode": "gradient", "orientation": "vertical"},
    ),
    Panel(
        "Edge HTTP requests by route and status",
        [("sum by (route, code) (rate(credence_http_requests_total[5m]))", "{{route}} {{code}}")],
        unit="reqps",
    ),
    Panel(
        "Processes and versions",
        [
            ("max by (service, model_version) (credence_build_info)", "{{service}}"),
            ('up{job=~"fetcher|matcher|scorer|gateway|worker|edge"}', "{{job}} up"),
        ],
        kind="table",
        width=24,
        height=6,
    ),
]

PIPELINE = [
    Panel(
        "Stage latency p95",
        [(_p(0.95, "credence_pipeline_stage_seconds", "", "stage"), "{{stage}}")],
        unit="s",
    ),
    Panel(
        "Celery tasks by state",
        [("sum by (task, state) (rate(credence_celery_tasks_total[5m]))", "{{task}} {{state}}")],
        unit="ops",
    ),
    Panel(
        "Task run time p95",
        [(_p(0.95, "credence_celery_task_seconds", "", "task"), "{{task}}")],
        unit="s",
    ),
    Panel(
        "Queue wait p95",
        [(_p(0.95, "credence_celery_queue_wait_seconds", "", "task"), "{{task}}")],
        unit="s",
        description="From publish to start in a worker.",
    ),
    Panel(
        "Queue depth and workers",
        [
            ("max by (queue) (credence_celery_queue_length)", "queue {{queue}}"),
            ("max(credence_celery_workers_up)", "workers up"),
        ],
    ),
    Panel(
        "Jobs by outcome",
        [("sum by (outcome) (rate(credence_jobs_total[5m]))", "{{outcome}}")],
        unit="ops",
    ),
    Panel(
        "Single flight: started vs joined",
        [("sum by (role) (rate(credence_single_flight_total[5m]))", "{{role}}")],
        unit="ops",
        description="Joined: a caller found the report already being computed.",
    ),
    Panel(
        "Front-door waits by outcome",
        [
            ("sum by (outcome) (rate(credence_front_door_wait_seconds_count[5m]))", "{{outcome}}"),
            (_p(0.95, "credence_front_door_wait_seconds", ""), "p95 wait"),
        ],
    ),
    Panel(
        "Cache look-ups and errors",
        [
            ("sum by (result) (rate(credence_cache_requests_total[5m]))", "{{result}}"),
            ("sum(rate(credence_cache_errors_total[5m]))", "errors"),
        ],
        unit="ops",
    ),
    Panel(
        "Stage services: calls by code",
        [
            (
                "sum by (grpc_service, grpc_code) (rate(grpc_server_handled_total{grpc_service=~"
                '"credence.v1.(Fetcher|Matcher|Scoring)Service"}[5m]))',
                "{{grpc_service}} {{grpc_code}}",
            )
        ],
        unit="reqps",
    ),
]

WIRE = [
    _stat("Stories indexed", "max(credence_index_stories)"),
    _stat("Index size", "max(credence_index_size_bytes)", "bytes"),
    _stat(
        "Stalest live source",
        'max(credence_index_source_age_seconds{source=~"rss|nyt|gdelt"})',
        "s",
    ),
    Panel(
        "Stories per source",
        [("max by (source) (credence_index_source_stories)", "{{source}}")],
    ),
    Panel(
        "Newest story age per source (ingest lag)",
        [("max by (source) (credence_index_source_age_seconds)", "{{source}}")],
        unit="s",
    ),
    Panel(
        "Matcher latency",
        [
            (
                _p(
                    q,
                    "grpc_server_handling_seconds",
                    'grpc_service="credence.v1.MatcherService"',
                    "grpc_method",
                ),
                f"{{{{grpc_method}}}} p{round(q * 100)}",
            )
            for q in (0.5, 0.95)
        ],
        unit="s",
    ),
    Panel(
        "Stories added per hour",
        [("sum by (source) (delta(credence_index_source_stories[1h]))", "{{source}}")],
    ),
]

DASHBOARDS = {
    "overview.json": dashboard("credence-overview", "Credence: overview", OVERVIEW, ["overview"]),
    "pipeline.json": dashboard("credence-pipeline", "Credence: pipeline", PIPELINE, ["pipeline"]),
    "wire-ingestion.json": dashboard(
        "credence-wire", "Credence: wire ingestion", WIRE, ["ingestion"]
    ),
}


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when the JSON is stale")
    args = parser.parse_args()
    stale = []
    for name, doc in DASHBOARDS.items():
        path = OUT / name
        text = render(doc)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"stale dashboards: {', '.join(stale)}; run python tools/gen_dashboards.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
