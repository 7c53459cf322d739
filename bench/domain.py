"""A bench-only toy domain (measures nothing by itself).

``benchbank`` records ``BenchDeposited`` events on ``account-<n>`` streams and projects a
balance per account (``BenchBalances``, one upsert per event); ``benchaudit`` consumes
them with the kernel's ``@handles`` (inbox + one transaction) and records a
``BenchAudited`` event of its own, like a real downstream service would. Its
``HandledClock`` dependency notes, per event id, the wall-clock time at which the
worker finished, i.e. after the handler's transaction committed.

The event schemas are tests/kernel/toy.py's, declared under names of their own so the
two domains never share a contract.
"""
import time

from nameko.extensions import DependencyProvider
from sqlalchemy import Column, Integer, MetaData, String, Table

from shared.app import ServiceApp
from shared.contracts import declare
from shared.db import engine_for, kernel_metadata
from shared.db import events as events_table
from shared.envelope import Envelope
from shared.handlers import handles
from shared.kernel import Kernel
from shared.projections import Projection, Upsert, on
from tests.kernel.toy import AuditedSchema, DepositedSchema

Deposited = declare("benchbank", "BenchDeposited", DepositedSchema)
Audited = declare("benchaudit", "BenchAudited", AuditedSchema)

metadata = MetaData()
balances = Table("bench_balances", metadata,
                 Column("account", String(50), primary_key=True),
                 Column("amount", Integer, nullable=False),
                 Column("deposits", Integer, nullable=False))


class Balances(Projection):
    name = "bench_balances"
    tables = (balances,)

    @on(Deposited)
    def deposited(self, event):
        return Upsert(balances, {"account": event.data["account"], "amount": event.data["balance"],
                                 "deposits": event.streamversion})


BANK = ServiceApp("benchbank", None, projections=(Balances(),))
AUDIT = ServiceApp("benchaudit", None, projections=())


def create_schema(url: str) -> None:
    engine = engine_for(url)
    kernel_metadata.create_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def stream(account: int) -> str:
    return f"account-{account}"


def deposit_data(account: int, round_no: int, amount: int = 10) -> dict:
    return {"account": f"acct-{account:05d}", "amount": amount, "balance": amount * round_no,
            "currency": "EUR"}


def bulk_fill(db, events: int, accounts: int = 1000) -> None:
    """Store ``events`` deposits quickly, for benchmarks that only read the store.

    Rows are what ``EventStore.append`` stores (``Envelope.new(...).to_json()`` with the
    same attributes, the contract's ``dump(validate(data))`` being the identity for this
    schema), round-robin over ``accounts`` streams, inserted with executemany: the
    per-event marshmallow validation of ``append`` would make setup take longer than the
    measurement."""
    source = BANK.name
    versions = [0] * accounts
    written = 0
    while written < events:
        rows = []
        now = time.time()
        for _ in range(min(5000, events - written)):
            account = written % accounts
            versions[account] += 1
            env = Envelope.new(source=source, type=Deposited.name, subject=stream(account),
                               streamversion=versions[account], schemaversion=Deposited.version,
                               data=deposit_data(account, versions[account]))
            rows.append({"event_id": env.id, "stream_id": env.subject,
                         "stream_version": env.streamversion, "event_type": env.type,
                         "schema_version": env.schemaversion, "store_id": None,
                         "recorded_at": now, "envelope": env.to_json()})
            written += 1
        with db.write() as conn:
            conn.execute(events_table.insert(), rows)


class HandledClock(DependencyProvider):
    """Per event id that a worker marked: ``started``, the time the worker was set up
    (the message had been delivered), and ``handled``, the time after the entrypoint
    returned "handled" (``worker_result`` runs after it, so after the commit)."""

    def setup(self):
        self.handled: dict[str, float] = {}
        self.started: dict[str, float] = {}

    def get_dependency(self, worker_ctx):
        worker_ctx.bench_started = time.time()
        marks: list[str] = []
        worker_ctx.bench_marks = marks
        return marks

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        now = time.time()
        if exc_info is None and result == "handled":
            for event_id in getattr(worker_ctx, "bench_marks", ()):
                self.handled[event_id] = now
                self.started[event_id] = worker_ctx.bench_started


class BenchBank:
    """The producing service: only its kernel (relay) runs; the bench commits directly
    through the unit of work with this kernel's database, store and projections."""
    name = "benchbank"
    kernel = Kernel(BANK)


class BenchAudit:
    name = "benchaudit"
    kernel = Kernel(AUDIT)
    clock = HandledClock()

    @handles(Deposited)
    def on_deposited(self, event, uow):
        uow.record(f"audit-{event.id}", 0, Audited,
                   {"account": event.data["account"], "deposit_id": event.id})
        self.clock.append(event.id)
