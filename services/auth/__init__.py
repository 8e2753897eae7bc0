"""API keys, per-key quotas and the server interceptor that enforces them on the partner API."""
