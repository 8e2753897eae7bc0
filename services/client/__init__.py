"""A typed Python client for the public ReliabilityService."""

from services.client.sync_client import CredenceClient

__all__ = ["CredenceClient"]
