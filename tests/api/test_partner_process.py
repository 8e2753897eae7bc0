"""The gateway process as an operator runs it for partners: keys made with `credence keys`,
required on ReliabilityService, served on a public TLS listener beside the internal one."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
import redis

from services.client import CredenceClient, RetryPolicy, Tls
from services.common.errors import CredenceError
from tests.api.certs import Authority
from tests.support.processes import REPO, Process, base_env, free_port, wait_serving

pytestmark = pytest.mark.timeout(120)
NO_RETRY = RetryPolicy(attempts=1)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def partner_gateway(
    redis_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, str], Authority]]:
    folder = tmp_path_factory.mktemp("partner")
    ca = Authority(folder)
    server = ca.issue("server", server=True)
    redis.Redis(port=redis_port, db=5).flushdb()
    env = base_env(redis_port, folder)
    env.update(
        CREDENCE_API_KEYS_URL=f"redis://127.0.0.1:{redis_port}/5",
        CREDENCE_REQUIRE_API_KEY="true",
        CREDENCE_PUBLIC_ADDR=f"127.0.0.1:{free_port()}",
        CREDENCE_TLS_CERT_FILE=str(server.cert),
        CREDENCE_TLS_KEY_FILE=str(server.key),
    )
    process = Process("gateway", [sys.executable, "-m", "services.gateway"], env, folder)
    try:
        wait_serving(env["CREDENCE_GATEWAY_ADDR"])
    except TimeoutError:
        process.stop()
        raise AssertionError(process.log()) from None
    yield env, ca
    process.stop()


def _rating(env: dict[str, str], ca: Authority, key: str) -> str:
    tls = Tls(ca_file=ca.pair.cert)
    with CredenceClient(env["CREDENCE_PUBLIC_ADDR"], key, 5, tls, NO_RETRY) as client:
        try:
            return client.get_source_rating("apnews.com").domain
        except CredenceError as error:
            return error.reason


def test_keys_cli_and_tls_public_listener(
    partner_gateway: tuple[dict[str, str], Authority],
) -> None:
    env, ca = partner_gateway
    made = _cli(env, "keys", "create", "acme", "--rate", "5", "--burst", "10", "--json")
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    key, key_id = created["key"], created["key_id"]
    assert key.startswith(f"cred_{key_id}_")

    assert _rating(env, ca, key) == "apnews.com"
    assert _rating(env, ca, "") == "API_KEY_MISSING"

    listed = _cli(env, "keys", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (record,) = json.loads(listed.stdout)
    assert record["key_id"] == key_id and record["name"] == "acme" and not record["revoked_at"]
    assert key not in listed.stdout  # never shown again

    revoked = _cli(env, "keys", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert _rating(env, ca, key) == "API_KEY_REVOKED"
    unknown = _cli(env, "keys", "revoke", "ffffffffffff")
    assert unknown.returncode == 2 and "API_KEY_NOT_FOUND" in unknown.stderr
    bad = _cli(env, "keys", "create", "x", "--method", "DropTables")
    assert bad.returncode == 2 and "--method" in bad.stderr


def test_internal_listener_stays_plaintext_and_guarded(
    partner_gateway: tuple[dict[str, str], Authority],
) -> None:
    env, _ = partner_gateway
    with (
        CredenceClient(env["CREDENCE_GATEWAY_ADDR"], "", 5, None, NO_RETRY) as client,
        pytest.raises(CredenceError) as caught,
    ):
        client.get_source_rating("apnews.com")
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
