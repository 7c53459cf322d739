"""The one nameko dependency a service declares: ``kernel = Kernel(APP)``.

It owns the service's database, event store, outbox relay (a managed thread of the
container), the settings of its event handlers, its probe port (/metrics, /healthz,
/readyz: shared/probes.py) and the per-worker correlation id.
Injected into a worker it is a ``KernelAccess``: ``execute`` runs a unit of work,
``read`` opens a read transaction, ``wait_for`` gives read-your-writes queries a bounded
wait woken by commits.
"""
import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from eventlet import tpool
from sqlalchemy import text

from shared import probes
from shared.amqp import broker_answers
from shared.app import ServiceApp
from shared.config import (
    AMQP_URI,
    HANDLER_ATTEMPTS,
    HANDLER_BACKOFF,
    READ_YOUR_WRITES_TIMEOUT,
    READY_TIMEOUT,
    RELAY_BATCH,
    RELAY_LINGER,
    RELAY_POLL,
    database_url,
    metrics_port,
)
from shared.db import Database
from shared.eventstore import EventStore
from shared.handlers import consume, kernel_of
from shared.idempotency import Idempotency
from shared.observe import CORRELATION_KEY, Observability
from shared.relay import OutboxRelay
from shared.rpc import rpc
from shared.uow import UnitOfWork, run_unit_of_work

log = logging.getLogger(__name__)
T = TypeVar("T")
CHECKPOINT_INTERVAL = 1.0
MAX_WAIT = 30.0


class Kernel(Observability):
    relay: OutboxRelay | None = None  # set in setup(); kill() may come before it
    probe_port: probes.Port | None = None
    _serving = False

    def __init__(self, app: ServiceApp):
        self.app = app
        self._stopped = threading.Event()

    def setup(self):
        config = self.container.config
        self.service_name = self.container.service_name
        self.db = Database(config.get("DATABASE_URL") or database_url(self.app.name))
        self.store = EventStore(self.service_name)
        amqp_uri = config.get("AMQP_URI") or AMQP_URI.get()
        self.relay = OutboxRelay(self.db, self.store, amqp_uri,
                                 batch=int(config.get("RELAY_BATCH") or RELAY_BATCH.get()),
                                 poll=float(config.get("RELAY_POLL") or RELAY_POLL.get()),
                                 linger=float(config.get("RELAY_LINGER") or RELAY_LINGER.get()))
        self.handler_attempts = int(config.get("HANDLER_ATTEMPTS") or HANDLER_ATTEMPTS.get())
        self.handler_backoff = float(config.get("HANDLER_BACKOFF") or HANDLER_BACKOFF.get())
        self.amqp_uri = amqp_uri
        port = config["METRICS_PORT"] if "METRICS_PORT" in config else metrics_port(self.app.name)
        self.probe_port = probes.serve(int(port), float(READY_TIMEOUT.get())) if port else None
        if self.probe_port is not None:
            self.probe_port.add(self.service_name, self._readiness)

    def start(self):
        self._serving = True
        self.container.spawn_managed_thread(self.relay.run, identifier=f"{self.service_name}.relay")
        if self.db.dialect == "sqlite":
            self.container.spawn_managed_thread(self._checkpoints,
                                                identifier=f"{self.service_name}.checkpoints")

    def _checkpoints(self):
        """Keep SQLite's write-ahead log short, in an OS thread so commits never wait for it."""
        while not self._stopped.wait(CHECKPOINT_INTERVAL):
            try:
                tpool.execute(self.db.checkpoint)
            except Exception:
                log.exception("checkpoint failed; retrying at the next interval")

    def stop(self):
        self._serving = False
        if self.probe_port is not None:
            self.probe_port.withdraw(self.service_name)
        if self.relay is not None:
            self._stopped.set()
            self.relay.stop()

    def kill(self):
        self.stop()

    def _readiness(self) -> str | None:
        """Can this service serve: started, and its database and the broker answer."""
        if not self._serving:
            return "not started, or stopping"
        with self.db.read() as conn:
            conn.execute(text("SELECT 1"))
        return broker_answers(self.amqp_uri, float(READY_TIMEOUT.get()))

    def get_dependency(self, worker_ctx):
        return KernelAccess(self, worker_ctx)


class KernelAccess:
    """What a worker sees of the kernel."""

    def __init__(self, kernel: Kernel, worker_ctx):
        self.kernel = kernel
        self.worker_ctx = worker_ctx

    @property
    def correlation_id(self) -> str:
        return self.worker_ctx.data.get(CORRELATION_KEY)

    def execute(self, work: Callable[[UnitOfWork], T], before=None, causation_id=None,
                idempotency: Idempotency | None = None) -> T:
        result, _ = run_unit_of_work(
            self.kernel.db, self.kernel.store, self.kernel.app.projections, work,
            correlation_id=self.correlation_id,
            causation_id=causation_id or self.worker_ctx.call_id, before=before,
            idempotency=idempotency)
        return result

    @contextmanager
    def read(self):
        with self.kernel.db.read() as conn:
            yield conn

    def wait_for(self, query: Callable, timeout: float | None = None):
        """Run ``query`` until it returns something truthy or ``timeout`` passes
        (None: READ_YOUR_WRITES_TIMEOUT; a caller's value is capped at MAX_WAIT so no caller
        can pin a worker for long).

        Woken by this process's commits; re-checks at least every 50 ms for commits that
        other processes make (replicas sharing a PostgreSQL database).
        """
        if timeout is None:
            timeout = float(READ_YOUR_WRITES_TIMEOUT.get())
        signal = self.kernel.db.committed
        deadline = time.monotonic() + max(0.0, min(timeout, MAX_WAIT))
        while True:
            seen = signal.generation
            with self.read() as conn:
                found = query(conn)
            remaining = deadline - time.monotonic()
            if found or remaining <= 0:
                return found
            signal.wait(seen, min(remaining, 0.05))

    def consume(self, service, fn, contract, body):
        return consume(self, service, fn, contract, body)

    def health(self) -> dict:
        with self.read() as conn:
            head = self.kernel.store.head(conn)
        return {"service": self.kernel.service_name, "database": self.kernel.db.dialect,
                "events": head}


class Pingable:
    """Mixin: the ``ping`` RPC the gateway's /readyz calls (it also touches the database)."""

    @rpc
    def ping(self):
        return kernel_of(self).health()
