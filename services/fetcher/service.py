"""The gRPC face of the fetcher: FetcherService over a Fetcher. Extraction is CPU-bound and
runs where the Fetcher's `Extraction` puts it: in forked worker processes when the fetcher
has some (`CREDENCE_FETCHER_PROCESSES`), else in this process, a typical page on the event
loop and a large input in a worker thread, so that the loop keeps answering health checks
and fetches meanwhile."""

from __future__ import annotations

import grpc
from credence.v1 import fetcher_pb2, fetcher_pb2_grpc

from services.common.server import ServiceSpec
from services.fetcher.core import Fetcher

SERVICE_NAME = fetcher_pb2.DESCRIPTOR.services_by_name["FetcherService"].full_name


class FetcherServicer(fetcher_pb2_grpc.FetcherServiceServicer):
    """FetcherService: Fetch and Extract. Errors are CredenceErrors, mapped to rich statuses
    by the server's interceptor."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher

    async def Fetch(
        self, request: fetcher_pb2.FetchRequest, context: grpc.aio.ServicerContext
    ) -> fetcher_pb2.FetchResponse:
        return await self._fetcher.fetch(request)

    async def Extract(
        self, request: fetcher_pb2.ExtractRequest, context: grpc.aio.ServicerContext
    ) -> fetcher_pb2.ExtractResponse:
        return await self._fetcher.aextract(request)


def service_spec(fetcher: Fetcher) -> ServiceSpec:
    """The FetcherService to host on a GrpcServer."""
    servicer = FetcherServicer(fetcher)
    return ServiceSpec(
        full_name=SERVICE_NAME,
        register=lambda server: fetcher_pb2_grpc.add_FetcherServiceServicer_to_server(
            servicer, server
        ),
    )
