"""Projections: read models built from the service's own event store.

A projection declares the events it consumes with ``@on(Contract)``; each handler turns an
event into row changes (``Upsert``/``Delete``) instead of running SQL itself. That keeps
handlers pure and lets the kernel apply the same changes two ways:
- live, inside the unit of work that appended the events (so the read model and the
  events commit together, with the projection's position recorded in that transaction);
- in ``rebuild``, which empties the projection's tables and replays the whole store,
  batching consecutive changes of one shape into a single executemany.
``checksum`` digests the tables so a rebuilt model can be compared with the live one.
"""
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from shared.contracts import EventContract
from shared.db import Database, cursors
from shared.envelope import Envelope, parse
from shared.eventstore import EventStore, Recorded


@dataclass(frozen=True)
class Upsert:
    """Insert the row, or update the given columns of the row with the same key."""
    table: Table
    row: dict


@dataclass(frozen=True)
class Delete:
    table: Table
    key: dict


Change = Upsert | Delete


def on(*contracts: EventContract) -> Callable:
    def mark(fn):
        fn.projects = tuple(c.name for c in contracts)
        return fn
    return mark


class Projection:
    """Subclass with ``name``, ``tables`` and ``@on`` handlers returning changes."""
    name: str
    tables: tuple[Table, ...]
    _handlers: dict[str, Callable]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for attr in vars(cls).values():
            for type_name in getattr(attr, "projects", ()):
                cls._handlers[type_name] = attr

    @property
    def handled_types(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    def changes(self, envelope: Envelope) -> list[Change]:
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return []
        out = handler(self, envelope)
        return [out] if isinstance(out, (Upsert, Delete)) else list(out or ())


class ChangeWriter:
    """Executes changes in order, one executemany per run of changes of the same shape."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._statements: dict[tuple, object] = {}

    def write(self, changes: Iterable[Change]) -> None:
        run_key, run_rows = None, []
        for change in changes:
            key, params = self._shape(change)
            if key != run_key and run_rows:
                self.conn.execute(self._statements[run_key], run_rows)
                run_rows = []
            run_key = key
            run_rows.append(params)
        if run_rows:
            self.conn.execute(self._statements[run_key], run_rows)

    def _shape(self, change: Change) -> tuple[tuple, dict]:
        if isinstance(change, Upsert):
            key = ("upsert", change.table.name, tuple(sorted(change.row)))
            if key not in self._statements:
                self._statements[key] = self._upsert(change.table, key[2])
            return key, change.row
        key = ("delete", change.table.name, tuple(sorted(change.key)))
        if key not in self._statements:
            self._statements[key] = change.table.delete().where(
                and_(*(change.table.c[col] == bindparam(f"k_{col}") for col in key[2])))
        return key, {f"k_{col}": value for col, value in change.key.items()}

    def _upsert(self, table: Table, columns: tuple[str, ...]):
        dialect = sqlite if self.conn.dialect.name == "sqlite" else postgresql
        stmt = dialect.insert(table)
        keys = [col.name for col in table.primary_key.columns]
        updates = {col: stmt.excluded[col] for col in columns if col not in keys}
        if not updates:
            return stmt.on_conflict_do_nothing(index_elements=keys)
        return stmt.on_conflict_do_update(index_elements=keys, set_=updates)


def _set_position(conn: Connection, name: str, position: int) -> None:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(cursors).values(name=name, position=position, lease_until=0.0)
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"],
                                            set_={"position": stmt.excluded.position}))


def cursor_name(projection: Projection) -> str:
    return f"projection:{projection.name}"


def apply_live(conn: Connection, projections: Iterable[Projection],
               recorded: list[Recorded]) -> None:
    """Project freshly appended events inside the transaction that appended them."""
    if not recorded:
        return
    writer = ChangeWriter(conn)
    for projection in projections:
        changes = [c for r in recorded for c in projection.changes(r.envelope)]
        if changes:
            writer.write(changes)
            _set_position(conn, cursor_name(projection), recorded[-1].position)


def rebuild(db: Database, store: EventStore, projection: Projection, batch: int = 5000) -> int:
    """Drop the projection's rows and replay every event it consumes; returns events replayed."""
    replayed = 0
    with db.write() as conn:
        for table in reversed(projection.tables):
            conn.execute(table.delete())
        writer = ChangeWriter(conn)
        position = 0
        types = projection.handled_types
        while True:
            rows = store.read_after(conn, position, batch, types=types)
            if not rows:
                break
            writer.write([c for row in rows for c in projection.changes(parse(row.envelope))])
            position = rows[-1].position
            replayed += len(rows)
        _set_position(conn, cursor_name(projection), store.head(conn))
    return replayed


def checksum(conn: Connection, projection: Projection) -> str:
    """A digest of every row of the projection's tables, in key order."""
    digest = hashlib.sha256()
    for table in projection.tables:
        order = list(table.primary_key.columns)
        for row in conn.execute(select(table).order_by(*order)):
            digest.update(json.dumps(list(row), default=str).encode())
    return digest.hexdigest()
