"""The unit of work: what one command or one handled event does, in one transaction.

Domain code reads streams and records new events through it; the kernel then appends
them (with optimistic concurrency), projects them live and commits everything at once.
Nothing is published here: the relay publishes what committed (transactional outbox).
Timers scheduled or cancelled through it (shared/timers.py) commit, or not, with the rest.
"""
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from shared import metrics, timers
from shared.contracts import EventContract
from shared.db import Database
from shared.envelope import Envelope
from shared.errors import Conflict
from shared.eventstore import ConcurrencyError, EventStore, NewEvent, Recorded
from shared.idempotency import Idempotency, once
from shared.projections import Projection, apply_live

T = TypeVar("T")
CONFLICT_RETRIES = 6
CONFLICT_PAUSE = 0.005  # seconds, times the attempt, at random: racers stop colliding in step


@dataclass
class _Pending:
    expected_version: int | None
    events: list[NewEvent] = field(default_factory=list)


class UnitOfWork:
    def __init__(self, conn: Connection, store: EventStore, correlation_id: str | None = None,
                 causation_id: str | None = None, attempt: int = 1):
        self.conn = conn
        self.store = store
        # 1, then 2, 3, ... when the work runs again after a version conflict: work that
        # trusts a version kept in a read model can read the event store's instead on a rerun
        self.attempt = attempt
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self._pending: dict[str, _Pending] = {}
        self._after_commit: list[Callable[[], None]] = []

    def load(self, stream_id: str) -> list[Envelope]:
        return self.store.read_stream(self.conn, stream_id)

    def version(self, stream_id: str) -> int:
        return self.store.stream_version(self.conn, stream_id)

    def versions(self, stream_ids: Iterable[str]) -> dict[str, int]:
        """The version of each stream (0: not started), in one query."""
        stream_ids = list(stream_ids)
        found = self.store.stream_versions(self.conn, stream_ids)
        return {stream_id: found.get(stream_id, 0) for stream_id in stream_ids}

    def record(self, stream_id: str, expected_version: int | None, contract: EventContract,
               data: dict, store_id: str | None = None) -> None:
        """Queue an event for ``stream_id``; ``expected_version`` is what the caller read."""
        checked = contract.validate(data)
        pending = self._pending.setdefault(stream_id, _Pending(expected_version))
        pending.events.append(NewEvent(contract, checked, store_id, checked=True))

    def schedule(self, key: str, kind: str, due_at: datetime, payload: Any,
                 store_id: str | None = None) -> None:
        """Timer ``key`` fires once, at ``due_at`` (aware) or soon after, in this service's
        ``@on_timer(kind)`` handler, if this unit of work commits; scheduling a key again moves
        it and replaces its payload."""
        due = timers.schedule(self.conn, key, kind, due_at, payload, store_id)
        engine = self.conn.engine
        self._after_commit.append(lambda: timers.wake(engine, due))

    def cancel_timer(self, key: str) -> bool:
        """Timer ``key`` never fires (if this unit of work commits); False if there is none."""
        return timers.cancel(self.conn, key)

    def cancel_timers(self, prefix: str) -> int:
        """Every timer whose key starts with ``prefix`` never fires; returns how many."""
        return timers.cancel_prefix(self.conn, prefix)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this unit of work has committed, never if it rolls back: for
        effects outside the database (a message sent), which must not happen for work that
        did not."""
        self._after_commit.append(callback)

    def _committed(self) -> None:
        """Called once the transaction has committed (never if it rolled back)."""
        for callback in self._after_commit:
            callback()

    def flush(self) -> list[Recorded]:
        recorded = self.store.append_streams(
            self.conn, [(stream_id, pending.expected_version, pending.events)
                        for stream_id, pending in self._pending.items()],
            self.correlation_id, self.causation_id)
        self._pending.clear()
        for item in recorded:
            metrics.EVENTS_APPENDED.labels(self.store.source, item.envelope.type).inc()
        return recorded


def run_unit_of_work(db: Database, store: EventStore, projections: Iterable[Projection],
                     work: Callable[[UnitOfWork], T], correlation_id: str | None = None,
                     causation_id: str | None = None,
                     before: Callable[[Connection], None] | None = None,
                     idempotency: Idempotency | None = None) -> tuple[T, list[Recorded]]:
    """Run ``work`` in a write transaction; on a version conflict, run it again from fresh state
    (after a short random pause), and after CONFLICT_RETRIES conflicts in a row give up with
    ``Conflict`` (409 at the gateway), never an unexplained error.

    ``before`` runs first in the same transaction (the inbox uses it to claim an event id).
    With ``idempotency``, a key already used returns its stored result without running
    ``work`` (and records nothing); see shared/idempotency.py.
    """
    projections = tuple(projections)
    if idempotency is not None:
        work = once(idempotency, work)
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            with db.write() as conn:
                if before is not None:
                    before(conn)
                uow = UnitOfWork(conn, store, correlation_id, causation_id, attempt)
                result = work(uow)
                recorded = uow.flush()
                apply_live(conn, projections, recorded)
            uow._committed()
            return result, recorded
        except ConcurrencyError as exc:
            if attempt == CONFLICT_RETRIES:
                raise Conflict("what this request changes was changed by others at the same "
                               "time, again and again; retry it", {"retry": True}) from exc
            time.sleep(random.uniform(0, CONFLICT_PAUSE * attempt))
    raise AssertionError("unreachable")
