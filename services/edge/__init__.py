"""The HTTP/JSON edge: ReliabilityService over the Connect protocol for browsers and the
browser extension, the downloadable ratings list, and the edge's own health check."""
