"""API keys: how they are made, how they are stored (hashed, never in clear) and looked up.

A key reads `cred_<key id>_<secret>`. The key id is public (logs, quotas, `credence keys
list`); only a SHA-256 digest of the whole key is stored, in one Redis hash keyed by key id,
so a leaked store does not leak usable keys. The secret carries 256 random bits, so a fast
hash is enough (no password-style stretching is needed for random tokens).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, field

import redis
import redis.asyncio as aioredis

from services.common import redis_clients
from services.common.errors import unavailable

KEY_PREFIX = "cred"
KEYS_HASH = "credence:apikeys"
_KEY_ID_BYTES = 6
_SECRET_BYTES = 32
_REDIS_ERRORS = (redis.RedisError, OSError)


@dataclass
class ApiKey:
    """One key's stored record: no secret, only its digest."""

    key_id: str
    name: str
    digest: str
    rate: float
    burst: int
    methods: list[str] = field(default_factory=list)
    created_at: float = 0.0
    revoked_at: float = 0.0
    operator: bool = False
    """An operator's key: sees every job and the status page's details (URLs, titles)."""

    @property
    def revoked(self) -> bool:
        return self.revoked_at > 0

    def allows(self, method: str) -> bool:
        """True when the key may call `method` (a bare RPC name such as "ScoreUrl")."""
        return not self.methods or method in self.methods

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: bytes | str) -> ApiKey:
        return cls(**json.loads(raw))


def digest_of(key: str) -> str:
    """The stored form of a key."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    """The key id of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 2 * _KEY_ID_BYTES:
        return None
    if not all(c in "0123456789abcdef" for c in parts[1]) or len(parts[2]) < 16:
        return None
    return parts[1]


def matches(record: ApiKey, key: str) -> bool:
    """True when `key` is the key whose digest `record` holds (constant time)."""
    return hmac.compare_digest(record.digest, digest_of(key))


def new_key(
    name: str,
    rate: float,
    burst: int,
    methods: list[str] | None = None,
    *,
    operator: bool = False,
) -> tuple[str, ApiKey]:
    """A fresh key (shown once) and the record to store."""
    key_id = secrets.token_hex(_KEY_ID_BYTES)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    record = ApiKey(
        key_id=key_id,
        name=name,
        digest=digest_of(key),
        rate=rate,
        burst=burst,
        methods=sorted(methods or []),
        created_at=time.time(),
        operator=operator,
    )
    return key, record


class KeyStore:
    """Key records in a Redis hash; sync calls for the CLI, async ones for the server."""

    def __init__(self, url: str, timeout_s: float = 1.0) -> None:
        self._sync = redis_clients.sync_client(url, timeout_s)
        self._async = redis_clients.async_client(url, timeout_s)

    def put(self, record: ApiKey) -> None:
        try:
            self._sync.hset(KEYS_HASH, record.key_id, record.to_json())
        except _REDIS_ERRORS as error:
            raise unavailable("api keys", str(error)) from error

    def get(self, key_id: str) -> ApiKey | None:
        try:
            raw = self._sync.hget(KEYS_HASH, key_id)
        except _REDIS_ERRORS as error:
            raise unavailable("api keys", str(error)) from error
        return ApiKey.from_json(raw) if isinstance(raw, bytes | str) else None

    def list(self) -> list[ApiKey]:
        try:
            raw = self._sync.hgetall(KEYS_HASH)
        except _REDIS_ERRORS as error:
            raise unavailable("api keys", str(error)) from error
        records = [ApiKey.from_json(v) for v in raw.values()]
        return sorted(records, key=lambda r: r.created_at)

    def revoke(self, key_id: str) -> ApiKey | None:
        """Marks a key revoked (kept, so its use is told apart from an unknown key)."""
        record = self.get(key_id)
        if record is None:
            return None
        if not record.revoked:
            record.revoked_at = time.time()
            self.put(record)
        return record

    async def aget(self, key_id: str) -> ApiKey | None:
        try:
            raw = await self._async.hget(KEYS_HASH, key_id)
        except _REDIS_ERRORS as error:
            raise unavailable("api keys", str(error)) from error
        return ApiKey.from_json(raw) if isinstance(raw, bytes | str) else None

    @property
    def redis(self) -> aioredis.Redis:
        """The asyncio connection, shared with the quota buckets."""
        return self._async
