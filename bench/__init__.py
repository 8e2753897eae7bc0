"""Benchmarks and the load test of Credence: `python -m bench` (the `make bench` table and
bench/results/latest.json), `python -m bench.load` (a bounded load test) and
bench/bench_extract.py (the fetcher's extraction rate)."""
