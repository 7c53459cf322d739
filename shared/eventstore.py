"""The event store: append-only, per-stream versions, one global order.

- ``append`` takes the version the caller last saw; a stream that has moved on since
  raises ``ConcurrencyError`` (checked, and backed by the unique key on
  (stream_id, stream_version), so of two racing appends exactly one wins).
- ``read_after`` pages through the global order. A reader must never skip an event that
  commits later with a lower position, so appends are serialised per database for the
  short span from taking positions to commit: SQLite's single writer does that by itself,
  on PostgreSQL a transaction-scoped advisory lock does it. Commit order = position order.
- A contract's personal fields are stored sealed with the person's key (shared/personal.py);
  the envelopes ``append`` returns, and ``read_stream`` gives back, are opened.
"""
import dataclasses
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from shared.contracts import EventContract
from shared.db import APPEND_LOCK_KEY, events, serialize
from shared.envelope import Envelope, parse
from shared.personal import Keys

ANY = None


class ConcurrencyError(Exception):
    """The stream moved on since the caller read it; reload and decide again."""


@dataclass(frozen=True)
class NewEvent:
    contract: EventContract
    data: dict
    store_id: str | None = None
    # ``data`` is what ``contract.validate`` returned already (the unit of work checks each
    # event where it is recorded): validating a booking's events twice was a fifth of its cost
    checked: bool = False


@dataclass(frozen=True)
class Recorded:
    position: int
    envelope: Envelope


# Built once: SQLAlchemy caches their compiled form, but building a statement and its
# cache key on every call costs several times what executing a cached one does.
_STREAM_VERSION = select(func.max(events.c.stream_version)).where(
    events.c.stream_id == bindparam("stream_id"))
_STREAM_VERSIONS = (select(events.c.stream_id, func.max(events.c.stream_version))
                    .where(events.c.stream_id.in_(bindparam("stream_ids", expanding=True)))
                    .group_by(events.c.stream_id))
_READ_STREAM = (select(events.c.envelope).where(events.c.stream_id == bindparam("stream_id"))
                .order_by(events.c.stream_version))
_INSERT = events.insert().returning(events.c.position, sort_by_parameter_order=True)
_PAGE = select(events.c.position, events.c.event_id, events.c.event_type, events.c.stream_id,
               events.c.recorded_at, events.c.envelope).where(events.c.position > bindparam("position"))
_READ_AFTER = _PAGE.order_by(events.c.position).limit(bindparam("limit"))
_READ_AFTER_TYPES = (_PAGE.where(events.c.event_type.in_(bindparam("types", expanding=True)))
                     .order_by(events.c.position).limit(bindparam("limit")))
_HEAD = select(func.coalesce(func.max(events.c.position), 0))


class EventStore:
    def __init__(self, source: str):
        self.source = source

    def stream_version(self, conn: Connection, stream_id: str) -> int:
        return conn.execute(_STREAM_VERSION, {"stream_id": stream_id}).scalar() or 0

    def stream_versions(self, conn: Connection, stream_ids: Iterable[str]) -> dict[str, int]:
        """The versions of several streams in one query; a stream not started is left out."""
        return dict(conn.execute(_STREAM_VERSIONS, {"stream_ids": list(stream_ids)}).all())

    def read_stream(self, conn: Connection, stream_id: str) -> list[Envelope]:
        rows = conn.execute(_READ_STREAM, {"stream_id": stream_id})
        keys = Keys(conn)
        return [keys.open(parse(row.envelope)) for row in rows]

    def append(self, conn: Connection, stream_id: str, expected_version: int | None,
               new_events: Sequence[NewEvent], correlation_id: str | None = None,
               causation_id: str | None = None) -> list[Recorded]:
        """Append to one stream inside the caller's transaction."""
        if not new_events:
            return []
        serialize(conn, APPEND_LOCK_KEY)
        current = self.stream_version(conn, stream_id)
        if expected_version is not ANY and current != expected_version:
            raise ConcurrencyError(
                f"stream {stream_id} is at version {current}, expected {expected_version}")
        now = time.time()
        keys = Keys(conn)
        envelopes, stored = [], []
        for offset, new in enumerate(new_events, start=1):
            data = new.contract.dump(new.data if new.checked else new.contract.validate(new.data))
            kept, live = keys.seal(new.contract.personal, new.contract.name, data)
            envelope = Envelope.new(
                source=self.source, type=new.contract.name, subject=stream_id,
                streamversion=current + offset, schemaversion=new.contract.version,
                data=live, storeid=new.store_id, correlationid=correlation_id,
                causationid=causation_id,
            )
            envelopes.append(envelope)
            stored.append(envelope if kept is live else dataclasses.replace(envelope, data=kept))
        rows = [{
            "event_id": env.id, "stream_id": stream_id, "stream_version": env.streamversion,
            "event_type": env.type, "schema_version": env.schemaversion,
            "store_id": env.storeid, "recorded_at": now, "envelope": env.to_json(),
        } for env in stored]
        try:
            positions = conn.execute(_INSERT, rows).scalars().all()
        except IntegrityError as exc:
            raise ConcurrencyError(f"stream {stream_id} was appended to concurrently") from exc
        return [Recorded(pos, env) for pos, env in zip(positions, envelopes, strict=True)]

    def read_after(self, conn: Connection, position: int, limit: int,
                   types: Iterable[str] | None = None) -> list:
        """Rows (position, event_id, event_type, stream_id, recorded_at, envelope JSON) after
        ``position``."""
        if types is None:
            return conn.execute(_READ_AFTER, {"position": position, "limit": limit}).all()
        return conn.execute(_READ_AFTER_TYPES, {"position": position, "limit": limit,
                                                "types": list(types)}).all()

    def head(self, conn: Connection) -> int:
        return conn.execute(_HEAD).scalar()

