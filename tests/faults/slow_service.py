"""A service process for the shutdown test: the shared server bootstrap hosting one RPC,
`credence.test.Slow/Wait`, that answers after two seconds.

    python -m tests.faults.slow_service ADDRESS
"""

from __future__ import annotations

import asyncio
import sys

import grpc

from services.common.log import configure_logging
from services.common.server import GrpcServer, ServiceSpec, run_until_signalled

SERVICE = "credence.test.Slow"
METHOD = f"/{SERVICE}/Wait"
DELAY_S = 2.0


async def _wait(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    await asyncio.sleep(DELAY_S)
    return b"done:" + request


def _register(server: grpc.aio.Server) -> None:
    handler = grpc.method_handlers_generic_handler(
        SERVICE, {"Wait": grpc.unary_unary_rpc_method_handler(_wait)}
    )
    server.add_generic_rpc_handlers((handler,))


async def main(address: str) -> None:
    configure_logging("slow", "INFO", False)
    server = GrpcServer("slow", [ServiceSpec(SERVICE, _register)], address)
    await run_until_signalled(server, grace=5.0, announce_s=1.0)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
