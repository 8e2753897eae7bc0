"""API keys and quotas over real gRPC with keys and token buckets in a real Redis: each
failure comes back with its AIP-193 code, reason and details, read by the Python client."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.client import AsyncCredenceClient, RetryPolicy
from services.common.errors import CredenceError
from tests.api.conftest import StartFrontDoor

NO_RETRY = RetryPolicy(attempts=1)
UNKNOWN_JOB = "0" * 32


async def _get_report(address: str, key: str) -> CredenceError:
    async with AsyncCredenceClient(address, api_key=key, timeout_s=5, retry=NO_RETRY) as client:
        with pytest.raises(CredenceError) as caught:
            await client.get_report(UNKNOWN_JOB)
    return caught.value


async def test_missing_key_is_unauthenticated(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=True)
    error = await _get_report(door.address, "")
    assert error.code == grpc.StatusCode.UNAUTHENTICATED
    assert error.reason == "API_KEY_MISSING"
    assert "x-api-key" in error.message


@pytest.mark.parametrize(
    "key",
    ["not-a-key", "cred_0123456789ab_" + "x" * 43, "cred_zz_short"],
    ids=["garbage", "unknown-id", "malformed"],
)
async def test_unknown_key_is_unauthenticated(start_front_door: StartFrontDoor, key: str) -> None:
    door = await start_front_door(require_api_key=True)
    error = await _get_report(door.address, key)
    assert error.code == grpc.StatusCode.UNAUTHENTICATED
    assert error.reason == "API_KEY_INVALID"


async def test_right_id_wrong_secret_is_unauthenticated(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=True)
    key = door.create_key()
    forged = key[: key.rindex("_") + 1] + "A" * 43
    error = await _get_report(door.address, forged)
    assert error.code == grpc.StatusCode.UNAUTHENTICATED


async def test_good_key_reaches_the_service(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=True)
    error = await _get_report(door.address, door.create_key())
    assert error.code == grpc.StatusCode.NOT_FOUND  # past auth, into GetReport
    assert error.reason == "JOB_NOT_FOUND"
    stored = door.keys.list()
    assert all(r.digest.startswith("sha256:") for r in stored)


async def test_revoked_key_is_permission_denied(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=True)
    key = door.create_key()
    assert (await _get_report(door.address, key)).code == grpc.StatusCode.NOT_FOUND
    door.keys.revoke(key.split("_")[1])
    error = await _get_report(door.address, key)
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert error.reason == "API_KEY_REVOKED"


async def test_method_not_allowed_is_permission_denied(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=True)
    key = door.create_key(methods=["GetSourceRating"])
    error = await _get_report(door.address, key)
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert error.reason == "METHOD_NOT_ALLOWED"
    async with AsyncCredenceClient(door.address, api_key=key, retry=NO_RETRY) as client:
        rating = await client.get_source_rating("reuters.com")
    assert rating.domain == "reuters.com"


async def test_quota_exhaustion_carries_quota_failure_and_retry_info(
    start_front_door: StartFrontDoor,
) -> None:
    door = await start_front_door(require_api_key=True)
    key = door.create_key(rate=0.5, burst=3)
    codes = [(await _get_report(door.address, key)).code for _ in range(3)]
    assert codes == [grpc.StatusCode.NOT_FOUND] * 3
    error = await _get_report(door.address, key)
    assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.reason == "QUOTA_EXCEEDED"
    failure = error.detail(error_details_pb2.QuotaFailure)
    assert failure is not None
    assert failure.violations[0].subject == f"api_key:{key.split('_')[1]}"
    retry = error.detail(error_details_pb2.RetryInfo)
    assert retry is not None
    delay = retry.retry_delay.ToTimedelta().total_seconds()
    assert 0 < delay <= 2.0  # one token at 0.5/s
    assert error.to_dict()["retry_after_s"] == pytest.approx(delay)


async def test_quota_is_per_key(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=True)
    spent, fresh = door.create_key(rate=0.01, burst=1), door.create_key(rate=0.01, burst=1)
    assert (await _get_report(door.address, spent)).code == grpc.StatusCode.NOT_FOUND
    assert (await _get_report(door.address, spent)).code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (await _get_report(door.address, fresh)).code == grpc.StatusCode.NOT_FOUND


async def test_health_and_reflection_need_no_key(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=True)
    async with grpc.aio.insecure_channel(door.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        answers = [a async for a in stub.ServerReflectionInfo(iter([request]), timeout=5)]
    names = {s.name for s in answers[0].list_services_response.service}
    assert "credence.v1.ReliabilityService" in names


async def test_streams_are_guarded_too(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door(require_api_key=True)
    async with AsyncCredenceClient(door.address, retry=NO_RETRY) as client:
        with pytest.raises(CredenceError) as caught:
            async for _ in client.watch_report(UNKNOWN_JOB):
                pass
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED


async def test_keys_off_by_default(start_front_door: StartFrontDoor) -> None:
    door = await start_front_door()
    error = await _get_report(door.address, "")
    assert error.code == grpc.StatusCode.NOT_FOUND
