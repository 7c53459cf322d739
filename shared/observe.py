"""Per-worker observability for any nameko service: correlation id, call metrics.

The correlation id comes from the caller's context (nameko carries ``context_data``
through RPC and events) or is minted here; it is put in the logging context and back
into ``context_data`` so every RPC this worker makes carries it onwards.
"""
import time
import uuid

from nameko.extensions import DependencyProvider

from shared import metrics
from shared.logs import correlation_id

CORRELATION_KEY = "correlation_id"


class Correlation:
    """The worker's correlation id (an HTTP entrypoint may adopt the client's own), and the
    outcome of an entrypoint that answers its own errors instead of raising them."""

    def __init__(self, worker_ctx):
        self._ctx = worker_ctx

    @property
    def id(self) -> str:
        return self._ctx.data[CORRELATION_KEY]

    def adopt(self, value: str) -> None:
        self._ctx.data[CORRELATION_KEY] = value
        correlation_id.set(value)

    def failed(self, outcome: str) -> None:
        """Count this call under ``outcome`` (an error's name, as a raised one would be), not ok."""
        self._ctx.observe_outcome = outcome


class Observability(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return Correlation(worker_ctx)

    def worker_setup(self, worker_ctx):
        cid = worker_ctx.context_data.get(CORRELATION_KEY) or str(uuid.uuid4())
        worker_ctx.data[CORRELATION_KEY] = cid
        correlation_id.set(cid)
        worker_ctx.observe_started = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        service = self.container.service_name
        name = worker_ctx.entrypoint.method_name
        started = getattr(worker_ctx, "observe_started", time.perf_counter())
        metrics.ENTRYPOINT_LATENCY.labels(service, name).observe(time.perf_counter() - started)
        outcome = getattr(worker_ctx, "observe_outcome", None) or (
            "ok" if exc_info is None else type(exc_info[1]).__name__)
        metrics.ENTRYPOINT_CALLS.labels(service, name, outcome).inc()
