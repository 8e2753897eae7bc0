"""How many threads the matcher's native libraries use for one request's work.

scikit-learn's gradient-boosted stance trees predict through OpenMP and the n-gram models
multiply through BLAS; both default to a thread per core. For the matcher's small batches
(a claim's five stories) the threads mostly wait for each other: a whole article took 3.7 s
of CPU with the defaults and 0.63 s with one thread, on two busy cores. Cores are used by
running several matcher processes instead (`CREDENCE_MATCHER_PROCESSES`).

OpenMP's thread count is a per-thread setting, and requests run on worker threads, so the
cap is applied on each thread that does matching work, once.
"""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_limits

_APPLIED = threading.local()


def limit_native_threads(threads: int) -> None:
    """Caps the OpenMP and BLAS pools used from the calling thread at `threads`."""
    if getattr(_APPLIED, "threads", None) != threads:
        threadpool_limits(limits=threads)
        _APPLIED.threads = threads
