"""The public API: ReliabilityService (validation, cached reports, single-flight jobs, waiting,
watching, batches, API keys and the public TLS listener). It starts pipeline jobs and reads
their records; it computes nothing itself."""
