"""The state store reaches the broker Redis through Sentinel (as deploy/k8s configures it):
a real redis-server and a real Sentinel watching it, on private ports."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import redis

from services.common.cache import RedisCache
from services.common.errors import CredenceError
from services.common.redis_clients import _sentinel_parts
from tests.support.processes import free_port, redis_instance, redis_server_binary, wait_until

pytestmark = pytest.mark.timeout(60)


def test_sentinel_url_is_parsed() -> None:
    hosts, db, master, password = _sentinel_parts(
        "sentinel://a:26379,b:26380/2?master=credence-broker"
    )
    assert hosts == [("a", 26379), ("b", 26380)] and db == 2 and master == "credence-broker"
    assert password is None
    hosts, db, master, password = _sentinel_parts(
        "sentinel://:s%40cret@a:26379,b/0?master=credence-broker"
    )
    assert hosts == [("a", 26379), ("b", 26379)] and db == 0 and password == "s@cret"
    with pytest.raises(ValueError, match="master"):
        _sentinel_parts("sentinel://a:26379/2")


def test_state_store_through_a_real_sentinel(tmp_path: Path) -> None:
    """The master requires a password (as deployed): the URL carries it to the master."""
    with redis_instance() as redis_port:
        redis.Redis(port=redis_port).config_set("requirepass", "s3cret")
        sentinel_port = free_port()
        conf = tmp_path / "sentinel.conf"
        conf.write_text(
            f"port {sentinel_port}\nbind 127.0.0.1\n"
            f"sentinel monitor credence-broker 127.0.0.1 {redis_port} 1\n"
            "sentinel auth-pass credence-broker s3cret\n"
        )
        proc = subprocess.Popen(
            [redis_server_binary(), str(conf), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            store = RedisCache(
                f"sentinel://:s3cret@127.0.0.1:{sentinel_port}/2?master=credence-broker",
                timeout_s=2.0,
                degrade=False,
            )

            def add_first() -> tuple[bool] | None:
                try:  # fails until Sentinel has found its master
                    return (store.add("job-lock", b"job-1", 30),)
                except CredenceError:
                    return None

            (added,) = wait_until(add_first, "Sentinel to find its master", every_s=0.1)
            assert added
            assert store.get("job-lock") == b"job-1"
            assert not store.add("job-lock", b"job-2", 30)
        finally:
            proc.terminate()
            proc.wait(10)
