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
    "cpu_shares",
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
    assert "127.0.0.1:8080:8080" in services["edge"]["ports"]


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
    assert "--appendfsync everysec" in broker
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


def test_the_benchmark_runs_batch_work_at_the_procfiles_priority() -> None:
    from bench.stack import NICENESS

    procfile = dict(
        line.split(":", 1) for line in (REPO / "deploy/Procfile").read_text().splitlines() if line
    )
    niced = {
        name: int(found.group(1))
        for name, command in procfile.items()
        if (found := re.search(r"\bnice -n (\d+) ", command)) and name in NICENESS
    }
    assert niced == NICENESS
    assert "nice" not in procfile["gateway"]


def _published(spec: dict) -> list[str]:
    return [str(port) for port in spec.get("ports", [])]


def test_compose_publishes_only_the_edge_and_public_grpc_on_loopback() -> None:
    services = _compose()["services"]
    published = {name: _published(spec) for name, spec in services.items() if "ports" in spec}
    assert set(published) == {"edge", "gateway"}
    assert published["edge"] == ["127.0.0.1:8080:8080"]
    assert published["gateway"] == ["127.0.0.1:50443:50443"]  # the internal 50063 is not
    assert services["gateway"]["environment"]["CREDENCE_PUBLIC_ADDR"] == "0.0.0.0:50443"
    ops = yaml.safe_load((REPO / "deploy/compose.ops-ports.yml").read_text())["services"]
    assert set(ops) <= set(services)
    for name, spec in ops.items():
        assert all(port.startswith("127.0.0.1:") for port in _published(spec)), name


def test_compose_requires_api_keys_for_every_credence_service() -> None:
    for name, spec in _compose()["services"].items():
        if "build" in spec:
            assert spec["environment"]["CREDENCE_REQUIRE_API_KEY"] == "true", name


def test_compose_redis_requires_a_password_and_the_services_send_it() -> None:
    services = _compose()["services"]
    for name in ("broker", "cache"):
        assert '--requirepass "$$REDIS_PASSWORD"' in " ".join(services[name]["command"])
        environment = services[name]["environment"]
        assert environment["REDIS_PASSWORD"].startswith("${CREDENCE_REDIS_PASSWORD:?")
        assert environment["REDISCLI_AUTH"] == environment["REDIS_PASSWORD"]  # healthcheck
    for name, spec in services.items():
        if "build" not in spec:
            continue
        for key in ("CREDENCE_BROKER_URL", "CREDENCE_STATE_URL", "CREDENCE_CACHE_URL"):
            url = spec["environment"][key]
            assert url.startswith("redis://:${CREDENCE_REDIS_PASSWORD:?"), (name, key)


def test_compose_flower_and_grafana_require_a_login() -> None:
    services = _compose()["services"]
    assert services["flower"]["environment"]["FLOWER_BASIC_AUTH"].startswith(
        "${CREDENCE_FLOWER_BASIC_AUTH:?"
    )
    postgres = services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert postgres.startswith("${CREDENCE_PG_PASSWORD:?")  # no default password
    grafana = services["grafana"]["environment"]
    assert grafana["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert "GF_AUTH_ANONYMOUS_ORG_ROLE" not in grafana
    assert grafana["GF_SECURITY_ADMIN_PASSWORD"].startswith("${CREDENCE_GRAFANA_ADMIN_PASSWORD:?")


def test_make_run_broker_persists_with_an_append_only_file() -> None:
    makefile = (REPO / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "REDIS_AOF_DIR=" in run and "tools/ensure_redis.sh" in run
    assert "API keys are NOT required" in run  # an open stack says so at start
    script = (REPO / "tools/ensure_redis.sh").read_text()
    assert "--appendonly yes --appendfsync everysec" in script


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
