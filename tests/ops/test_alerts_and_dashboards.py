"""The Prometheus configuration, alert rules and Grafana dashboards in deploy/ are valid
(promtool when installed) and every metric they query is one a live stack really exports,
so no panel or alert silently shows nothing."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import OpsStack
from tests.support.needs import PROMTOOL_INSTALL, need_program
from tests.support.processes import REPO

pytestmark = [pytest.mark.timeout(300)]

DEPLOY = REPO / "deploy"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "inf", "nan", "le",
}  # fmt: skip
_PROMETHEUS_OWN = {"up"}
"""Series Prometheus makes itself for every target."""


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not functions, labels or keywords)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        rest = text[match.end() :].lstrip()
        if rest.startswith("("):
            continue  # a function or aggregation
        if match.group().lower() in _KEYWORDS:
            continue
        names.add(match.group())
    return names


def test_metric_names_are_found_in_promql() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, stage) (rate(credence_pipeline_stage_seconds_bucket"
        '{stage="fetch"}[5m]))) / on (job) max(up{job=~"a|b"}) > 6 * 3600'
    )
    assert metric_names(expr) == {"credence_pipeline_stage_seconds_bucket", "up"}


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(dashboard file, panel title, expr) of every panel query."""
    out = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        doc = json.loads(path.read_text())
        for panel in doc["panels"]:
            for target in panel["targets"]:
                out.append((path.name, panel["title"], target["expr"]))
    return out


def alert_rules() -> list[dict]:
    doc = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


@pytest.fixture(scope="module")
def exported(ops_stack: OpsStack) -> set[str]:
    """Every sample name (with _bucket/_sum/_count/_total suffixes) the live stack exports."""
    names = set(_PROMETHEUS_OWN)
    for text in ops_stack.scrape().values():
        for family in text_string_to_metric_families(text):
            names.add(family.name)
            names.update(sample.name for sample in family.samples)
    return names


def test_every_dashboard_query_names_a_live_metric(exported: set[str]) -> None:
    queries = dashboard_queries()
    assert len(queries) >= 25
    missing = [
        (name, title, metric)
        for name, title, expr in queries
        for metric in metric_names(expr)
        if metric not in exported
    ]
    assert not missing, missing


def test_every_alert_names_a_live_metric(exported: set[str]) -> None:
    rules = alert_rules()
    missing = [
        (rule["alert"], metric)
        for rule in rules
        for metric in metric_names(rule["expr"])
        if metric not in exported
    ]
    assert not missing, missing


def test_alerts_cover_the_operators_concerns() -> None:
    rules = {rule["alert"]: rule for rule in alert_rules()}
    expected = {
        "CredenceHighErrorRate", "CredenceQueueBacklog", "CredenceWorkersDown",
        "CredenceStaleWireSource", "CredenceHighLatency", "CredenceTargetDown",
    }  # fmt: skip
    assert expected <= set(rules)
    for name, rule in rules.items():
        assert rule.get("for"), name
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name


def test_dashboards_are_current_and_use_the_provisioned_datasource() -> None:
    done = subprocess.run(
        ["python", str(REPO / "tools" / "gen_dashboards.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    datasources = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"]
    uids = {d["uid"] for d in datasources}
    titles = set()
    for path in DASHBOARDS.glob("*.json"):
        doc = json.loads(path.read_text())
        titles.add(doc["title"])
        assert doc["uid"] and doc["panels"], path.name
        for panel in doc["panels"]:
            assert panel["datasource"]["uid"] in uids, (path.name, panel["title"])
            assert panel["targets"], (path.name, panel["title"])
    assert {"Credence: overview", "Credence: pipeline", "Credence: wire ingestion"} <= titles


def test_compose_mounts_prometheus_and_grafana_provisioning() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    for service in ("fetcher", "matcher", "scorer", "gateway", "worker", "edge", "flower"):
        assert service in compose, service
        targets = jobs[service]["static_configs"][0]["targets"]
        assert all(t.split(":")[0] == service for t in targets), service
    mounts = " ".join(compose["prometheus"]["volumes"] + compose["grafana"]["volumes"])
    for source in ("prometheus/prometheus.yml", "prometheus/alerts.yml", "grafana/provisioning",
                   "grafana/dashboards"):  # fmt: skip
        assert f"./deploy/{source}" in mounts, source
        assert (DEPLOY / source).exists(), source
    provider = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/credence.yml").read_text()
    )["providers"][0]
    assert f"dashboards:{provider['options']['path']}" in mounts


def test_promtool_accepts_the_config_and_rules(tmp_path: Path) -> None:
    need_program("promtool", PROMTOOL_INSTALL)
    rules = DEPLOY / "prometheus" / "alerts.yml"
    config = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    # The config names the rules where the container mounts them; point it at the file here.
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/alerts.yml", str(rules))
    )
    for args in (
        ["check", "rules", str(rules)],
        ["check", "config", str(tmp_path / "prometheus.yml")],
    ):
        done = subprocess.run(["promtool", *args], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
