"""deploy/k8s is checked against the Kubernetes schemas that kubernetes-validate bundles
(strict: unknown fields fail), and the KEDA ScaledObject against what KEDA requires."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[1] / "deploy/k8s"
KUBERNETES_VERSION = "1.29.0"


def _documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


@pytest.mark.parametrize(
    ("name", "doc"),
    [(n, d) for n, d in _documents() if d["kind"] != "ScaledObject"],
    ids=lambda v: v if isinstance(v, str) else f"{v['kind']}/{v['metadata']['name']}",
)
def test_manifest_is_valid(name: str, doc: dict) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_services_have_grpc_probes_resources_pdb_and_hpa() -> None:
    docs = _documents()
    kinds = {(d["kind"], d["metadata"]["name"]) for _, d in docs}
    for service in ("fetcher", "matcher", "scorer", "gateway"):
        assert ("PodDisruptionBudget", service) in kinds
        assert ("HorizontalPodAutoscaler", service) in kinds
        deployment = next(
            d for _, d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == service
        )
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert "grpc" in container["readinessProbe"] and "grpc" in container["livenessProbe"]
        assert container["resources"]["requests"]


def test_workers_scale_on_the_celery_queue_through_sentinel() -> None:
    scaled = next(d for _, d in _documents() if d["kind"] == "ScaledObject")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] == "worker"
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "redis-sentinel"
    assert trigger["metadata"]["listName"] == "credence"
    assert int(trigger["metadata"]["listLength"]) > 0


def test_broker_redis_is_persistent_noeviction_with_sentinel() -> None:
    text = (K8S / "redis-broker-sentinel.yaml").read_text()
    assert "noeviction" in text and "appendonly yes" in text and "--sentinel" in text
    assert "allkeys-lru" in (K8S / "redis-cache.yaml").read_text()


def _containers() -> list[tuple[str, dict]]:
    out = []
    for _, doc in _documents():
        if doc["kind"] in ("Deployment", "StatefulSet"):
            spec = doc["spec"]["template"]["spec"]
            for container in spec.get("initContainers", []) + spec["containers"]:
                out.append((doc["metadata"]["name"], container))
    return out


def _env(container: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container.get("env", [])}


def test_api_keys_are_required() -> None:
    config = next(d for _, d in _documents() if d["metadata"]["name"] == "credence-config")
    assert config["data"]["CREDENCE_REQUIRE_API_KEY"] == "true"
    assert not any("URL" in key for key in config["data"])  # URLs carry secrets


def test_credence_pods_reach_redis_with_the_secret_password() -> None:
    credence = [(n, c) for n, c in _containers() if c["image"].startswith("credence")]
    assert {n for n, _ in credence} == {
        "fetcher",
        "matcher",
        "scorer",
        "gateway",
        "worker",
        "beat",
    }
    for name, container in credence:
        env = _env(container)
        secret = env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert secret == {"name": "credence-secrets", "key": "redis-password"}, name
        for key in ("CREDENCE_BROKER_URL", "CREDENCE_STATE_URL", "CREDENCE_CACHE_URL"):
            assert ":$(REDIS_PASSWORD)@" in env[key]["value"], (name, key)


def test_redis_requires_the_password() -> None:
    broker = (K8S / "redis-broker-sentinel.yaml").read_text()
    for line in ("requirepass $REDIS_PASSWORD", "masterauth $REDIS_PASSWORD", "auth-pass"):
        assert line in broker
    assert "appendfsync everysec" in broker
    cache = next(c for n, c in _containers() if n == "redis-cache")
    assert cache["args"][-2:] == ["--requirepass", "$(REDIS_PASSWORD)"]
    for name, container in _containers():
        probe = container.get("readinessProbe", {}).get("exec")
        if probe and probe["command"][0] == "redis-cli":
            assert "REDISCLI_AUTH" in _env(container), name


def test_network_policies_expose_only_the_public_listeners() -> None:
    policies = {d["metadata"]["name"]: d for _, d in _documents() if d["kind"] == "NetworkPolicy"}
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny
    inside = policies["allow-within-namespace"]["spec"]["ingress"]
    assert inside == [{"from": [{"podSelector": {}}]}]
    public = policies["allow-public-listeners"]["spec"]
    (selector,) = public["podSelector"]["matchExpressions"]
    assert set(selector["values"]) == {"gateway", "edge"}
    (rule,) = public["ingress"]
    assert "from" not in rule  # any source, but only these ports
    assert {p["port"] for p in rule["ports"]} == {50443, 8080}
    assert set(policies) == {
        "default-deny-ingress",
        "allow-within-namespace",
        "allow-public-listeners",
    }
    gateway = next(c for n, c in _containers() if n == "gateway")
    assert _env(gateway)["CREDENCE_PUBLIC_ADDR"]["value"] == "0.0.0.0:50443"
    assert _env(gateway)["CREDENCE_GATEWAY_ADDR"]["value"] == "0.0.0.0:50063"


def test_the_wire_index_is_a_postgres_statefulset_and_matchers_keep_no_volume() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for _, d in _documents()}
    postgres = docs[("StatefulSet", "postgres")]
    assert postgres["spec"]["volumeClaimTemplates"]
    assert ("Service", "postgres") in docs
    for name in ("matcher", "worker"):
        spec = docs[("Deployment", name)]["spec"]["template"]["spec"]
        env = {e["name"]: e for e in spec["containers"][0]["env"]}
        assert env["CREDENCE_INDEX_URL"]["value"].startswith("postgresql://")
        assert env["CREDENCE_PG_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "credence-secrets",
            "key": "pg-password",
        }
    matcher = docs[("Deployment", "matcher")]["spec"]["template"]["spec"]
    claims = [v.get("persistentVolumeClaim", {}).get("claimName") for v in matcher["volumes"]]
    assert claims == ["credence-data"]  # the read-only data folder; no index volume


def test_no_secret_value_ships_in_the_manifests() -> None:
    """Passwords come from the Secret the operator creates, never from the repository."""
    for path, document in _documents():
        assert document["kind"] != "Secret", path
