"""Projections: read models built from the service's own event store.

A projection declares the events it consumes with ``@on(Contract)``; each handler turns an
event into row changes (``Upsert``/``Delete``) instead of running SQL itself. That keeps
handlers pure and lets the kernel apply the same changes two ways:
- live, inside the unit of work that appended the events (so the read model and the
  events commit together, with the projection's position recorded in that transaction);
- in ``rebuild``, which empties the projection's tables and replays the whole store;
  personal fields are opened with their person's key, and read as null once the person is
  erased.
Either way the changes of a batch are written table by table, each table's in order, one
executemany per run of one shape.
``checksum`` digests the tables so a rebuilt model can be compared with the live one.
"""
import functools
import gc
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Table, and_, bindparam, select, text
from sqlalchemy.engine import Connection

from shared.contracts import EventContract
from shared.db import Database, cursors
from shared.envelope import Envelope, from_stored
from shared.eventstore import EventStore, Recorded
from shared.personal import Keys, may_hold_personal


@dataclass(frozen=True)
class Upsert:
    """Insert the row, or update the given columns of the row with the same key."""
    table: Table
    row: dict


@dataclass(frozen=True)
class Delete:
    table: Table
    key: dict


@dataclass(frozen=True)
class Update:
    """Set some columns of the row with this key; a row that is not there stays absent."""
    table: Table
    key: dict
    values: dict


Change = Upsert | Delete | Update


def on(*contracts: EventContract) -> Callable:
    """The handler of these event types, each read as the version named (older ones upcast)."""
    def mark(fn):
        fn.projects = contracts
        return fn
    return mark


class Projection:
    """Subclass with ``name``, ``tables`` and ``@on`` handlers returning changes."""
    name: str
    tables: tuple[Table, ...]
    _handlers: dict[str, tuple[Callable, EventContract]]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for attr in vars(cls).values():
            for contract in getattr(attr, "projects", ()):
                cls._handlers[contract.name] = (attr, contract)

    @property
    def handled_types(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    def changes(self, envelope: Envelope) -> list[Change]:
        found = self._handlers.get(envelope.type)
        if found is None:
            return []
        handler, contract = found
        if envelope.schemaversion != contract.version:
            envelope = contract.read(envelope)
        out = handler(self, envelope)
        return [out] if isinstance(out, (Upsert, Delete, Update)) else list(out or ())


class _Prepared:
    """One upsert shape as driver SQL: built and compiled once per process, not per execute."""
    __slots__ = ("sql", "columns", "processors")

    def __init__(self, sql: str, columns: tuple[str, ...], processors: tuple):
        self.sql, self.columns, self.processors = sql, columns, processors

    def params(self, row: dict) -> tuple:
        return tuple(row[col] if proc is None else proc(row[col])
                     for col, proc in zip(self.columns, self.processors, strict=True))


_UPSERTS: dict[tuple, _Prepared] = {}


def _prepared_upsert(dialect, table: Table, columns: tuple[str, ...], update: bool = True) -> _Prepared:
    """INSERT .. ON CONFLICT (primary key) DO UPDATE/NOTHING, the same SQL on SQLite and
    PostgreSQL. Run through ``exec_driver_sql``: SQLAlchemy 2.0 does not cache its dialect
    ``insert().on_conflict_*`` statements (they compile on every execute) and its per-row
    parameter handling costs more than the upsert itself during a rebuild. Column types'
    bind processors are still applied (``params``). ``update=False``: DO NOTHING."""
    key = (dialect.name, table, columns, update)
    found = _UPSERTS.get(key)
    if found is None:
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        keys = [col.name for col in table.primary_key.columns]
        updates = [col for col in columns if col not in keys] if update else []
        action = ("DO UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updates)
                  if updates else "DO NOTHING")
        sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
               f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join([mark] * len(columns))}) "
               f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) {action}")
        processors = tuple(table.c[col].type.bind_processor(dialect) for col in columns)
        found = _UPSERTS[key] = _Prepared(sql, columns, processors)
    return found


def insert_new(conn: Connection, table: Table, row: dict) -> bool:
    """Insert ``row`` unless ``table`` holds its key already; True if it was inserted. One
    statement where a select, then an insert, would take two."""
    prepared = _prepared_upsert(conn.dialect, table, tuple(sorted(row)), update=False)
    return conn.exec_driver_sql(prepared.sql, prepared.params(row)).rowcount == 1


class ChangeWriter:
    """Executes changes table by table (tables in the order they first appear), each table's
    in order, one executemany per run of changes of the same shape.

    Only the order within a table matters: a projection's changes come from its events alone
    (it reads nothing back in between) and no table of ours has a foreign key. A projection
    writing two tables per event (a level and its movement) then costs two statements per
    batch, not two per event."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._shapes: dict[tuple, tuple] = {}

    def write(self, changes: Iterable[Change]) -> None:
        runs: dict[Table, list] = {}
        for change in changes:
            key, params = self._shape(change)
            table_runs = runs.setdefault(change.table, [])
            if table_runs and table_runs[-1][0] is key:
                table_runs[-1][1].append(params)
            else:
                table_runs.append((key, [params]))
        for table_runs in runs.values():
            for key, rows in table_runs:
                self._execute(key, rows)

    def _execute(self, shape: tuple, rows: list) -> None:
        kind, statement = shape
        if kind == "upsert":
            self.conn.exec_driver_sql(statement.sql, rows)
        else:
            self.conn.execute(statement, rows)

    def _shape(self, change: Change) -> tuple[tuple, object]:
        # Keyed on the row's own key order first (no sort per change); one shape object per
        # distinct column set, so ``write`` compares shapes by identity.
        if isinstance(change, Upsert):
            key = ("upsert", change.table, tuple(change.row))
            shape = self._shapes.get(key)
            if shape is None:
                columns = tuple(sorted(change.row))
                canonical = ("upsert", change.table, columns)
                shape = self._shapes.get(canonical) or (
                    "upsert", _prepared_upsert(self.conn.dialect, change.table, columns))
                self._shapes[key] = self._shapes[canonical] = shape
            return shape, shape[1].params(change.row)
        columns = tuple(sorted(change.key))
        if isinstance(change, Update):
            shape = _update_shape(change.table, columns, tuple(sorted(change.values)))
            return shape, {**{f"k_{col}": value for col, value in change.key.items()},
                           **{f"v_{col}": value for col, value in change.values.items()}}
        return _delete_shape(change.table, columns), {f"k_{col}": value for col, value in change.key.items()}


# One shape object per distinct statement for the life of the process (a writer lives for
# one transaction): constructing a statement costs more than running it.
@functools.cache
def _update_shape(table: Table, columns: tuple[str, ...], values: tuple[str, ...]) -> tuple:
    return "update", table.update().where(and_(*(table.c[col] == bindparam(f"k_{col}") for col in columns))) \
        .values({col: bindparam(f"v_{col}") for col in values})


@functools.cache
def _delete_shape(table: Table, columns: tuple[str, ...]) -> tuple:
    return "delete", table.delete().where(and_(*(table.c[col] == bindparam(f"k_{col}") for col in columns)))


# Plain text() is cached by SQLAlchemy (the dialect insert().on_conflict_* is not).
_SET_POSITION = text(
    f"INSERT INTO {cursors.name} (name, position, lease_until) VALUES (:name, :position, 0.0) "
    "ON CONFLICT (name) DO UPDATE SET position = excluded.position")


def _set_position(conn: Connection, name: str, position: int) -> None:
    conn.execute(_SET_POSITION, {"name": name, "position": position})


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


def project(conn: Connection, projection: Projection, envelope: Envelope) -> None:
    """Apply one event of another service (handled with ``@handles``) to a projection of it,
    in the handler's transaction, so the inbox claim and the rows commit together."""
    ChangeWriter(conn).write(projection.changes(envelope))


def rebuild(db: Database, store: EventStore, projection: Projection, batch: int = 5000) -> int:
    """Drop the projection's rows and replay every event it consumes; returns events replayed."""
    # A replay allocates millions of short-lived, acyclic objects (decoded envelopes, rows,
    # changes); the cyclic GC would keep rescanning the whole heap for nothing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _replay(db, store, projection, batch)
    finally:
        if gc_was_enabled:
            gc.enable()


def _replay(db: Database, store: EventStore, projection: Projection, batch: int) -> int:
    replayed = 0
    with db.write() as conn:
        for table in reversed(projection.tables):
            conn.execute(table.delete())
        writer = ChangeWriter(conn)
        keys = Keys(conn)
        position = 0
        types = projection.handled_types
        while True:
            rows = store.read_after(conn, position, batch, types=types)
            if not rows:
                break
            writer.write([c for row in rows
                          for c in projection.changes(_stored(keys, row.event_type, row.envelope))])
            position = rows[-1].position
            replayed += len(rows)
        _set_position(conn, cursor_name(projection), store.head(conn))
    return replayed


def _stored(keys: Keys, event_type: str, text: str) -> Envelope:
    envelope = from_stored(text)
    return keys.open(envelope) if may_hold_personal(event_type, text) else envelope


def checksum(conn: Connection, projection: Projection) -> str:
    """A digest of every row of the projection's tables, in key order."""
    digest = hashlib.sha256()
    for table in projection.tables:
        order = list(table.primary_key.columns)
        for row in conn.execute(select(table).order_by(*order)):
            digest.update(json.dumps(list(row), default=str).encode())
    return digest.hexdigest()
