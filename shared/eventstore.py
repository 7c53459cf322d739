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
import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, union_all
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
_READ_STREAM = (select(events.c.envelope).where(events.c.stream_id == bindparam("stream_id"))
                .order_by(events.c.stream_version))
_INSERT = events.insert().returning(events.c.position, sort_by_parameter_order=True)
_PAGE = select(events.c.position, events.c.event_id, events.c.event_type, events.c.stream_id,
               events.c.recorded_at, events.c.envelope).where(events.c.position > bindparam("position"))
_READ_AFTER = _PAGE.order_by(events.c.position).limit(bindparam("limit"))
_READ_AFTER_TYPES = (_PAGE.where(events.c.event_type.in_(bindparam("types", expanding=True)))
                     .order_by(events.c.position).limit(bindparam("limit")))
_HEAD = select(func.coalesce(func.max(events.c.position), 0))


_VERSIONS_AT_ONCE = 200  # SQLite takes at most 500 selects in one compound select


@functools.cache
def _stream_versions(count: int):
    """The versions of ``count`` streams (bound as s0, s1, ...), one max() each: max() of one
    stream reads its index's last entry, where ``max() ... GROUP BY stream_id`` over several
    streams reads every event of each (on SQLite, and on PostgreSQL without a skip scan)."""
    return union_all(*(
        select(bindparam(f"s{n}", type_=events.c.stream_id.type).label("stream_id"),
               select(func.max(events.c.stream_version))
               .where(events.c.stream_id == bindparam(f"s{n}")).scalar_subquery().label("version"))
        for n in range(count)))


class EventStore:
    def __init__(self, source: str):
        self.source = source

    def stream_version(self, conn: Connection, stream_id: str) -> int:
        return conn.execute(_STREAM_VERSION, {"stream_id": stream_id}).scalar() or 0

    def stream_versions(self, conn: Connection, stream_ids: Iterable[str]) -> dict[str, int]:
        """The versions of several streams in one query; a stream not started is left out."""
        wanted = list(dict.fromkeys(stream_ids))
        found = {}
        for start in range(0, len(wanted), _VERSIONS_AT_ONCE):
            part = wanted[start:start + _VERSIONS_AT_ONCE]
            rows = conn.execute(_stream_versions(len(part)), {f"s{n}": s for n, s in enumerate(part)})
            found.update((stream_id, version) for stream_id, version in rows if version is not None)
        return found

    def read_stream(self, conn: Connection, stream_id: str) -> list[Envelope]:
        rows = conn.execute(_READ_STREAM, {"stream_id": stream_id})
        keys = Keys(conn)
        return [keys.open(parse(row.envelope)) for row in rows]

    def append(self, conn: Connection, stream_id: str, expected_version: int | None,
               new_events: Sequence[NewEvent], correlation_id: str | None = None,
               causation_id: str | None = None) -> list[Recorded]:
        """Append to one stream inside the caller's transaction."""
        return self.append_streams(conn, [(stream_id, expected_version, new_events)],
                                   correlation_id, causation_id)

    def append_streams(self, conn: Connection,
                       appends: Sequence[tuple[str, int | None, Sequence[NewEvent]]],
                       correlation_id: str | None = None,
                       causation_id: str | None = None) -> list[Recorded]:
        """Append to several streams (each ``(stream_id, expected_version, events)``, each
        stream named once) inside the caller's transaction: their versions read in one query
        and every event inserted in one statement, in the order given."""
        appends = [(stream_id, expected, new) for stream_id, expected, new in appends if new]
        if not appends:
            return []
        serialize(conn, APPEND_LOCK_KEY)
        if len(appends) == 1:
            versions = {appends[0][0]: self.stream_version(conn, appends[0][0])}
        else:
            versions = self.stream_versions(conn, [stream_id for stream_id, _, _ in appends])
        now = time.time()
        keys = Keys(conn)
        envelopes, rows = [], []
        for stream_id, expected_version, new_events in appends:
            current = versions.get(stream_id, 0)
            if expected_version is not ANY and current != expected_version:
                raise ConcurrencyError(
                    f"stream {stream_id} is at version {current}, expected {expected_version}")
            for offset, new in enumerate(new_events, start=1):
                data = new.contract.dump(new.data if new.checked else new.contract.validate(new.data))
                kept, live = keys.seal(new.contract.personal, new.contract.name, data)
                envelope = Envelope.new(
                    source=self.source, type=new.contract.name, subject=stream_id,
                    streamversion=current + offset, schemaversion=new.contract.version,
                    data=live, storeid=new.store_id, correlationid=correlation_id,
                    causationid=causation_id,
                )
                stored = envelope if kept is live else dataclasses.replace(envelope, data=kept)
                envelopes.append(envelope)
                rows.append({
                    "event_id": stored.id, "stream_id": stream_id,
                    "stream_version": stored.streamversion, "event_type": stored.type,
                    "schema_version": stored.schemaversion, "store_id": stored.storeid,
                    "recorded_at": now, "envelope": stored.to_json(),
                })
        try:
            positions = conn.execute(_INSERT, rows).scalars().all()
        except IntegrityError as exc:
            named = ", ".join(stream_id for stream_id, _, _ in appends)
            raise ConcurrencyError(f"{named}: appended to concurrently") from exc
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

