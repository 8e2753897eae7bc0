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


def test_the_wire_index_is_a_postgres_statefulset_and_matchers_keep_no_volume() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for _, d in _documents()}
    postgres = docs[("StatefulSet", "postgres")]
    assert postgres["spec"]["volumeClaimTemplates"]
    assert ("Service", "postgres") in docs and ("Secret", "credence-postgres") in docs
    for name in ("matcher", "worker"):
        spec = docs[("Deployment", name)]["spec"]["template"]["spec"]
        env = {e["name"]: e for e in spec["containers"][0]["env"]}
        assert env["CREDENCE_INDEX_URL"]["value"].startswith("postgresql://")
        assert env["CREDENCE_PG_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == (
            "credence-postgres"
        )
    matcher = docs[("Deployment", "matcher")]["spec"]["template"]["spec"]
    claims = [v.get("persistentVolumeClaim", {}).get("claimName") for v in matcher["volumes"]]
    assert claims == ["credence-data"]  # the read-only data folder; no index volume
