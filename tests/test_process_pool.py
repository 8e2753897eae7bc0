"""`services.common.process_pool` on its own: a forked pool answers blocking calls, carries a
CredenceError back as the same error, a killed worker gives UNAVAILABLE and a SIGTERM to the
service, and the workers die with a killed service. Run in child interpreters, since the
pool forks and signals its own process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from tests.support.processes import wait_until

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.timeout(120)

_SCRIPT = textwrap.dedent(
    """
    import json, multiprocessing, signal, threading, time
    from concurrent.futures import ThreadPoolExecutor

    import psutil

    from services.common.errors import CredenceError, invalid_argument
    from services.common.process_pool import fork_pool, spare_workers

    STATE = {}
    FORK = multiprocessing.get_context("fork")
    held, released = FORK.Event(), FORK.Event()
    terminated = threading.Event()


    def start(prefix):
        STATE["prefix"] = prefix


    def echo(request):
        if request == b"bad":
            raise invalid_argument("html", "too short", "TOO_SHORT")
        return STATE["prefix"] + request


    def spare(request):
        return str(spare_workers()).encode()


    def hold(request):
        held.set()
        released.wait(30)
        return spare(request)


    def error_of(call):
        try:
            call()
        except CredenceError as error:
            return [error.code.name, error.reason, error.message, error.field_violations]
        return None


    pool = fork_pool("demo", 2, start, (b"got ",))
    signal.signal(signal.SIGTERM, lambda *_: terminated.set())  # here, not in the workers
    children = psutil.Process().children()
    out = {
        "pids": sorted(pool.pids) == sorted(c.pid for c in children),
        "answer": pool.call(echo, b"page").decode(),
        "error": error_of(lambda: pool.call(echo, b"bad")),
        "spare_outside": spare_workers(),
        "spare_alone": pool.call(spare, b"").decode(),
    }
    with ThreadPoolExecutor(1) as caller:
        holding = caller.submit(pool.call, hold, b"")
        held.wait(30)
        out["spare_beside_a_busy_one"] = pool.call(spare, b"").decode()
        released.set()
        out["spare_once_alone_again"] = holding.result().decode()
    children[0].kill()
    children[0].wait(30)
    # A call may still reach the live worker until the pool has seen the death.
    deadline = time.monotonic() + 30
    out["died"] = None
    while out["died"] is None and time.monotonic() < deadline:
        out["died"] = error_of(lambda: pool.call(echo, b"page"))
    out["terminated"] = terminated.wait(30)
    pool.shutdown()
    print(json.dumps(out))
    """
)


def _run(script: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """`script` in a child interpreter at the repository's root, its output captured."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def test_a_forked_pool_answers_counts_busy_workers_carries_errors_and_reports_the_dead() -> None:
    done = _run(_SCRIPT, timeout_s=90)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["pids"] is True
    assert out["answer"] == "got page"
    assert out["error"] == [
        "INVALID_ARGUMENT",
        "TOO_SHORT",
        "html: too short",
        [["html", "too short"]],
    ]
    assert (out["spare_outside"], out["spare_alone"]) == (0, "1")
    assert (out["spare_beside_a_busy_one"], out["spare_once_alone_again"]) == ("0", "1")
    assert out["died"][:2] == ["UNAVAILABLE", "DEMO_UNAVAILABLE"]
    assert out["terminated"] is True


def test_the_workers_die_with_a_killed_parent() -> None:
    script = (
        "import os, signal\n"
        "from services.common.process_pool import fork_pool\n"
        "pool = fork_pool('demo', 2)\n"
        "print(*pool.pids, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    # The workers hold the output pipe open: run returns once they have gone too.
    done = _run(script, timeout_s=60)
    assert done.returncode == -9, done.stderr
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2
    wait_until(lambda: not any(psutil.pid_exists(pid) for pid in pids), "the workers to die")
