"""Typed Python clients for the public ReliabilityService: blocking and asyncio."""

from services.client.async_client import AsyncCredenceClient
from services.client.options import Tls
from services.client.retry import RetryPolicy
from services.client.sync_client import CredenceClient

__all__ = ["AsyncCredenceClient", "CredenceClient", "RetryPolicy", "Tls"]
