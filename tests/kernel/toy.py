"""A two-service toy domain that exercises the kernel without any salon rules.

``toybank`` records ``Deposited`` events and projects balances; ``toyaudit`` consumes
them with ``@handles`` and records ``DepositAudited`` in its own store. It also consumes
``AccountClosed`` (declared in two schema versions; it reads v2), and for every event it
handles it records ``Seen`` on a stream per source stream, so the order it handled each
stream's events in is in its own event store. The audit handlers fail on purpose for
accounts named in ``FAILING`` (to test parking and retries). Both log a line per deposit
(to test the log context). ``toytimer`` fires ``remind`` timers (shared/timers.py).
"""
import collections
import logging
import random
import time

import eventlet
from marshmallow import Schema, fields
from nameko.extensions import DependencyProvider
from sqlalchemy import Column, Integer, MetaData, String, Table

from shared import logs
from shared.app import ServiceApp
from shared.contracts import declare
from shared.db import kernel_metadata
from shared.errors import InvalidInput
from shared.handlers import handles
from shared.kernel import Kernel
from shared.projections import Projection, Upsert, on
from shared.rpc import rpc
from shared.timers import on_timer

log = logging.getLogger(__name__)


class DepositedSchema(Schema):
    account = fields.String(required=True)
    amount = fields.Integer(required=True)
    balance = fields.Integer(required=True)
    currency = fields.String(required=True)


class ClosedV1Schema(Schema):
    account = fields.String(required=True)


class ClosedSchema(Schema):
    account = fields.String(required=True)
    reason = fields.String(required=True)


class SeenSchema(Schema):
    stream = fields.String(required=True)
    version = fields.Integer(required=True)
    type = fields.String(required=True)


class AuditedSchema(Schema):
    account = fields.String(required=True)
    deposit_id = fields.String(required=True)


Deposited = declare("toybank", "Deposited", DepositedSchema)
DepositAudited = declare("toyaudit", "DepositAudited", AuditedSchema)
AccountClosedV1 = declare("toybank", "AccountClosed", ClosedV1Schema)
AccountClosed = declare("toybank", "AccountClosed", ClosedSchema, version=2,
                        upcast=lambda data: {**data, "reason": "not recorded"})
Seen = declare("toyaudit", "Seen", SeenSchema)

metadata = MetaData()
balances = Table("balances", metadata, Column("account", String(50), primary_key=True),
                 Column("amount", Integer, nullable=False), Column("deposits", Integer, nullable=False))
audited = Table("audited", metadata, Column("deposit_id", String(36), primary_key=True),
                Column("account", String(50), nullable=False))


class Balances(Projection):
    name = "balances"
    tables = (balances,)

    @on(Deposited)
    def deposited(self, event):
        return Upsert(balances, {"account": event.data["account"], "amount": event.data["balance"],
                                 "deposits": event.streamversion})


class Audited(Projection):
    name = "audited"
    tables = (audited,)

    @on(DepositAudited)
    def audited(self, event):
        return Upsert(audited, {"deposit_id": event.data["deposit_id"],
                                "account": event.data["account"]})


# No migrations of their own: tests create the toy tables with ``create_schema``.
BANK = ServiceApp("toybank", None, projections=(Balances(),))
AUDIT = ServiceApp("toyaudit", None, projections=(Audited(),))
FAILING: set[str] = set()
CLOSED: list[dict] = []  # data of the AccountClosed events handled, as the handler read it
JITTER = {"seconds": 0.0}  # handlers take up to this long, at random: what would reorder a stream


WORKED: collections.Counter = collections.Counter()  # workers run, per container


class Jitter(DependencyProvider):
    """Each worker starts after a random pause (before any transaction, which on SQLite
    would serialise workers in arrival order by itself); counts workers per container."""

    def worker_setup(self, worker_ctx):
        WORKED[id(worker_ctx.container)] += 1
        if JITTER["seconds"]:
            eventlet.sleep(random.uniform(0, JITTER["seconds"]))


def seen(event, uow) -> None:
    stream = f"seen-{event.subject}"
    uow.record(stream, uow.version(stream), Seen,
               {"stream": event.subject, "version": event.streamversion, "type": event.type})


def seen_versions(conn, subject: str) -> list[int]:
    """The stream versions of ``subject`` toyaudit handled, in the order it handled them."""
    from shared.eventstore import EventStore

    return [e.data["version"] for e in EventStore("toyaudit").read_stream(conn, f"seen-{subject}")]


def create_schema(url: str) -> None:
    from shared.db import engine_for

    engine = engine_for(url)
    kernel_metadata.create_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def balance_of(conn, account):
    row = conn.execute(balances.select().where(balances.c.account == account)).first()
    return row.amount if row else 0


class ToyBank:
    name = "toybank"
    kernel = Kernel(BANK)

    @rpc
    def deposit(self, account: str, amount: int):
        if amount <= 0:
            raise InvalidInput("a deposit must be positive", {"amount": amount})

        def work(uow):
            stream = f"account-{account}"
            version = uow.version(stream)
            balance = balance_of(uow.conn, account) + amount
            uow.record(stream, version, Deposited,
                       {"account": account, "amount": amount, "balance": balance, "currency": "EUR"})
            return version + 1
        version = self.kernel.execute(work)
        log.info("deposit recorded", extra=logs.fields(account=account, version=version))
        return version

    @rpc
    def balance(self, account: str):
        with self.kernel.read() as conn:
            return balance_of(conn, account)


class ToyAudit:
    name = "toyaudit"
    kernel = Kernel(AUDIT)
    jitter = Jitter()

    @handles(Deposited)
    def on_deposited(self, event, uow):
        if event.data["account"] in FAILING:
            raise RuntimeError(f"audit refuses {event.data['account']}")
        uow.record(f"audit-{event.id}", 0, DepositAudited,
                   {"account": event.data["account"], "deposit_id": event.id})
        seen(event, uow)
        log.info("deposit audited", extra=logs.fields(deposit_id=event.id))

    @handles(AccountClosed)
    def on_closed(self, event, uow):
        if event.data["account"] in FAILING:
            raise RuntimeError(f"audit refuses {event.data['account']}")
        CLOSED.append(event.data)
        seen(event, uow)

    @rpc
    def audited_count(self, account: str):
        with self.kernel.read() as conn:
            return len(conn.execute(audited.select().where(audited.c.account == account)).all())


class RemindedSchema(Schema):
    key = fields.String(required=True)
    payload = fields.Dict(required=True)
    attempts = fields.Integer(required=True)
    replica = fields.String(required=True)


Reminded = declare("toytimer", "Reminded", RemindedSchema)
TIMER = ServiceApp("toytimer", None)
TIMER_TRIES: list[dict] = []  # every try of ``remind``, committed or rolled back, in order
TIMER_FAILING: set[str] = set()  # ``remind`` raises for these timer keys
TIMER_HOOK: dict = {"on_try": None}  # called with (timer, uow) on each try, before failing


class ToyTimer:
    """Fires ``remind`` timers: records ``Reminded`` on the stream ``reminded``, so the order
    they fired in (and which replica fired each) is in its event store."""
    name = "toytimer"
    kernel = Kernel(TIMER)
    jitter = Jitter()

    @on_timer("remind")
    def remind(self, timer, uow):
        replica = str(id(self.kernel.worker_ctx.container))
        TIMER_TRIES.append({"key": timer.key, "attempts": timer.attempts, "at": time.time(),
                            "due_at": timer.due_at, "replica": replica})
        uow.record("reminded", None, Reminded, {"key": timer.key, "payload": timer.payload,
                                                "attempts": timer.attempts, "replica": replica})
        if TIMER_HOOK["on_try"] is not None:
            TIMER_HOOK["on_try"](timer, uow)
        if timer.key in TIMER_FAILING:
            raise RuntimeError(f"reminder {timer.key} refused")


def reminded(conn) -> list[dict]:
    """The data of every ``Reminded`` toytimer committed, in the order the timers fired."""
    from shared.eventstore import EventStore

    return [e.data for e in EventStore("toytimer").read_stream(conn, "reminded")]
