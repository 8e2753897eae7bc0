"""TLS and mutual TLS on the front door, with a CA and certificates made in the test: the
right CA connects, plaintext and untrusted peers do not, and bad settings say what is wrong."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.client import AsyncCredenceClient, CredenceClient, RetryPolicy, Tls
from services.common.config import Settings
from services.common.errors import CredenceError
from services.common.tls import TlsConfigError, server_credentials
from tests.api.certs import Authority
from tests.api.conftest import FrontDoor, StartFrontDoor

NO_RETRY = RetryPolicy(attempts=1)
JOB = "0" * 32


@pytest.fixture
def ca(tmp_path: Path) -> Authority:
    return Authority(tmp_path)


async def _tls_door(start: StartFrontDoor, ca: Authority, mutual: bool) -> FrontDoor:
    server = ca.issue("server", server=True)
    settings = Settings(
        tls_cert_file=server.cert,
        tls_key_file=server.key,
        tls_client_ca_file=ca.pair.cert if mutual else None,
        tls_require_client_auth=mutual,
    )
    return await start(credentials=server_credentials(settings))


async def _reason(address: str, tls: Tls | None) -> str:
    """The outcome of a GetReport: JOB_NOT_FOUND means the call got through."""
    async with AsyncCredenceClient(address, timeout_s=3, tls=tls, retry=NO_RETRY) as client:
        with pytest.raises(CredenceError) as caught:
            await client.get_report(JOB)
    return caught.value.reason


async def test_tls_with_the_right_ca(start_front_door: StartFrontDoor, ca: Authority) -> None:
    door = await _tls_door(start_front_door, ca, mutual=False)
    assert await _reason(door.address, Tls(ca_file=ca.pair.cert)) == "JOB_NOT_FOUND"

    def blocking_call() -> str:  # the blocking client, off the server's event loop
        with CredenceClient(door.address, timeout_s=3, tls=Tls(ca_file=ca.pair.cert)) as client:
            try:
                client.get_report(JOB)
            except CredenceError as error:
                return error.reason
        return "OK"

    assert await asyncio.to_thread(blocking_call) == "JOB_NOT_FOUND"


async def test_tls_rejects_plaintext_and_unknown_ca(
    start_front_door: StartFrontDoor, ca: Authority, tmp_path: Path
) -> None:
    door = await _tls_door(start_front_door, ca, mutual=False)
    assert await _reason(door.address, None) == "UNAVAILABLE"
    other = Authority(tmp_path, "Other CA")
    assert await _reason(door.address, Tls(ca_file=other.pair.cert)) == "UNAVAILABLE"


async def test_mutual_tls(start_front_door: StartFrontDoor, ca: Authority, tmp_path: Path) -> None:
    door = await _tls_door(start_front_door, ca, mutual=True)
    client = ca.issue("partner", server=False)
    good = Tls(ca_file=ca.pair.cert, cert_file=client.cert, key_file=client.key)
    assert await _reason(door.address, good) == "JOB_NOT_FOUND"
    assert await _reason(door.address, Tls(ca_file=ca.pair.cert)) == "UNAVAILABLE"
    stranger = Authority(tmp_path, "Stranger CA").issue("stranger", server=False)
    bad = Tls(ca_file=ca.pair.cert, cert_file=stranger.cert, key_file=stranger.key)
    assert await _reason(door.address, bad) == "UNAVAILABLE"


def test_bad_tls_settings_name_the_setting(ca: Authority, tmp_path: Path) -> None:
    server = ca.issue("server", server=True)
    with pytest.raises(TlsConfigError, match="CREDENCE_TLS_KEY_FILE"):
        server_credentials(Settings(tls_cert_file=server.cert))
    with pytest.raises(TlsConfigError, match="CREDENCE_TLS_CLIENT_CA_FILE"):
        server_credentials(
            Settings(
                tls_cert_file=server.cert, tls_key_file=server.key, tls_require_client_auth=True
            )
        )
    with pytest.raises(TlsConfigError, match="cannot read"):
        server_credentials(
            Settings(tls_cert_file=tmp_path / "missing.crt", tls_key_file=server.key)
        )
    not_pem = tmp_path / "junk.crt"
    not_pem.write_text("hello")
    with pytest.raises(TlsConfigError, match="not a PEM"):
        Tls(ca_file=not_pem).credentials()
    assert server_credentials(Settings()) is None
