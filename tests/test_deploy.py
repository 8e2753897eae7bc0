"""No container engine runs here, so the compose file and Dockerfile are checked for the
structure an engine would need: every reference resolves, every command exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
_SERVICE_KEYS = {
    "build",
    "image",
    "command",
    "environment",
    "volumes",
    "ports",
    "depends_on",
    "healthcheck",
    "restart",
}


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_has_the_whole_stack() -> None:
    services = _compose()["services"]
    assert {
        "broker",
        "cache",
        "fetcher",
        "matcher",
        "scorer",
        "gateway",
        "worker",
        "flower",
        "edge",
    } <= set(services)
    assert {"prometheus", "grafana"} <= set(services)
    assert "8080:8080" in services["edge"]["ports"]


def test_compose_services_use_only_known_keys_and_resolve_references() -> None:
    doc = _compose()
    services, volumes = doc["services"], set(doc.get("volumes", {}))
    for name, spec in services.items():
        assert set(spec) <= _SERVICE_KEYS, f"{name}: unknown keys {set(spec) - _SERVICE_KEYS}"
        assert "image" in spec or "build" in spec, name
        for dep in spec.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown {dep}"
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith(("$", ".", "/")):
                assert source in volumes, f"{name}: undeclared volume {source}"


def test_broker_and_cache_redis_are_configured_for_their_roles() -> None:
    services = _compose()["services"]
    broker = " ".join(services["broker"]["command"])
    cache = " ".join(services["cache"]["command"])
    assert "noeviction" in broker and "--appendonly yes" in broker
    assert "allkeys-lru" in cache and "--appendonly no" in cache


def test_every_credence_service_shares_one_dockerfile_and_runs_a_real_module() -> None:
    services = _compose()["services"]
    dockerfiles = set()
    for name, spec in services.items():
        if "build" not in spec:
            continue
        dockerfiles.add(spec["build"]["dockerfile"])
        command = spec["command"]
        if command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(command[2]) is not None, name
        else:
            assert command[0] == "celery" and command[2] == "services.pipeline.celery_app"
    assert dockerfiles == {"deploy/docker/Dockerfile"}
    assert (REPO / "deploy/docker/Dockerfile").is_file()


def test_dockerfile_copies_what_exists() -> None:
    text = (REPO / "deploy/docker/Dockerfile").read_text()
    assert text.startswith("#") and "\nFROM " in text
    for source in re.findall(r"^COPY (\S+)", text, flags=re.M):
        assert (REPO / source).exists(), source


def test_procfile_runs_the_same_processes_as_compose() -> None:
    procfile = dict(
        line.split(":", 1) for line in (REPO / "deploy/Procfile").read_text().splitlines() if line
    )
    assert set(procfile) == {"fetcher", "matcher", "scorer", "gateway", "worker", "edge", "beat"}
    assert set(procfile) <= set(_compose()["services"])
    assert procfile["edge"].strip() == "python -m services.edge"


def test_compose_keeps_the_wire_index_in_postgres_and_matchers_stateless() -> None:
    services = _compose()["services"]
    postgres = services["postgres"]
    assert any(v.startswith("postgres-data:") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    for name in ("matcher", "worker"):
        url = services[name]["environment"]["CREDENCE_INDEX_URL"]
        assert url.startswith("postgresql://") and "@postgres:5432/" in url
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert [v for v in services["matcher"]["volumes"] if "/var/lib/credence" in v] == []
