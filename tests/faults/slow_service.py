"""A service process for the shutdown test: the shared server bootstrap hosting one RPC,
`credence.test.Slow/Wait`, that logs "wait started" and answers once the file RELEASE
exists (the test decides when the call may end, so no timing decides an assertion).

    python -m tests.faults.slow_service ADDRESS RELEASE
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path

import grpc

from services.common.log import configure_logging
from services.common.server import GrpcServer, ServiceSpec, run_until_signalled

SERVICE = "credence.test.Slow"
METHOD = f"/{SERVICE}/Wait"
STARTED = "wait started"
_LIMIT_S = 120.0  # a forgotten release file must not hang the process

_LOGGER = logging.getLogger("slow")


async def _released(release: Path) -> None:
    """Returns once `release` exists (another process creates it: polling is the way)."""
    while not await asyncio.to_thread(release.exists):  # noqa: ASYNC110
        await asyncio.sleep(0.02)


def _handler(release: Path) -> grpc.RpcMethodHandler:
    async def wait(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        _LOGGER.info(STARTED)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_released(release), _LIMIT_S)
        return b"done:" + request

    return grpc.unary_unary_rpc_method_handler(wait)


async def main(address: str, release: Path) -> None:
    configure_logging("slow", "INFO", False)

    def register(server: grpc.aio.Server) -> None:
        handler = grpc.method_handlers_generic_handler(SERVICE, {"Wait": _handler(release)})
        server.add_generic_rpc_handlers((handler,))

    server = GrpcServer("slow", [ServiceSpec(SERVICE, register)], address)
    # A drain long enough for a loaded machine; the test releases the call well before.
    await run_until_signalled(server, grace=60.0, announce_s=1.0)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
