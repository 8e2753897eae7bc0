"""What every Credence service shares: configuration, logging, errors, the gRPC server
bootstrap, metrics, caches and channels. Written once here, never copied per service."""
