"""Replaying one service's events to one consumer, after the consumer's database was restored.

A consumer whose database went back to a backup has missed what other services published
since: those deliveries were acked against the database that is gone. ``replay`` reads the
source's event store in global position order (the relay's order) from a point on and sends
each event of a type the consumer handles, as the very message the relay builds
(``shared.relay.message_for``), straight to the consumer's hashed exchange
``CONSUMER.from.SOURCE`` (shared/delivery.py): only that consumer's partition queues get it,
each stream's events in their order, and no other consumer sees a thing. Each batch is
confirmed by the broker before the next one is read. The consumer's inbox makes every event
it still has a no-op, so starting too early costs time, never correctness. Types it has no
handler for are not sent at all: the consumer would park them (shared/handlers.unhandled).
Order holds among the replayed events; a live event already queued ahead of them (published
while the consumer was away) is handled before its stream's replayed predecessors.
"""
import dataclasses
import importlib
import inspect
from dataclasses import dataclass
from datetime import UTC, datetime

import amqp
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from shared.amqp import ConfirmedPublisher, PublishError, short_channel
from shared.config import SERVICES
from shared.db import Database, events
from shared.delivery import StreamEventHandler, exchange_name
from shared.errors import DatabaseUnavailable
from shared.eventstore import EventStore
from shared.personal import Keys
from shared.relay import message_for

BATCH = 1000


class Refused(Exception):
    """Why a replay cannot start, in one line for the operator."""


@dataclass(frozen=True)
class Replayed:
    count: int
    last_position: int | None  # of the last event sent (confirmed); None if none was


class Interrupted(Exception):
    """The broker or the database failed midway: what was confirmed up to then is in ``done``
    (run again with ``--from-position done.last_position + 1``)."""

    def __init__(self, done: Replayed, cause: BaseException):
        super().__init__(f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}")
        self.done = done


def service_class(name: str, role: str) -> type:
    """The nameko class of one of the platform's services (``role``: for the message)."""
    if name not in SERVICES:
        raise Refused(f"{role} {name!r} is not a service; known: {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{name}.service").SERVICE


def handled_types(service_cls: type, source: str) -> list[str]:
    """The event types of ``source`` that ``service_cls`` has ``@handles`` methods for: the
    types its consumer binds ``<consumer>.from.<source>`` to."""
    found = set()
    for _, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, StreamEventHandler) and entrypoint.contract.source == source:
                found.add(entrypoint.contract.name)
    return sorted(found)


def parse_since(text: str) -> float:
    """An ISO 8601 timestamp (UTC unless it names an offset) as epoch seconds."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"--since {text!r} is not an ISO 8601 timestamp (e.g. 2026-03-01T09:30:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def check_exchange(amqp_uri: str, exchange: str) -> None:
    """Refuse unless ``exchange`` exists: the consumer declares it when it first starts, and a
    replay must never create it (an exchange bound to no queue drops what it gets)."""
    try:
        with short_channel(amqp_uri) as channel:
            channel.exchange_declare(exchange, "x-consistent-hash", passive=True)
    except amqp.exceptions.NotFound:
        raise Refused(f"exchange {exchange!r} does not exist: start the consumer once, "
                      "so that it declares its queues") from None
    except (OSError, amqp.exceptions.AMQPError) as exc:
        raise Refused(f"cannot check exchange {exchange!r} on the broker: "
                      f"{type(exc).__name__}: {exc}") from None


def first_position_since(db: Database, since: float) -> int | None:
    """The position of the first event recorded at or after ``since`` (None: no such event)."""
    with db.read() as conn:
        return conn.execute(select(func.min(events.c.position)).where(events.c.recorded_at >= since)).scalar()


def publish(db: Database, source: str, consumer: str, types: list[str], amqp_uri: str,
            after: int = 0, batch: int = BATCH) -> Replayed:
    """Send every event of ``types`` after position ``after`` to ``consumer``'s exchange for
    ``source``, in position order, a confirmed batch at a time, up to the store's head."""
    store = EventStore(source)
    exchange = exchange_name(consumer, source)
    publisher = ConfirmedPublisher(amqp_uri)  # declares nothing: the exchange must be there
    count, cursor, last = 0, after, None
    try:
        while True:
            with db.read() as conn:
                rows = store.read_after(conn, cursor, batch, types=types)
                keys = Keys(conn)
                messages = [dataclasses.replace(message_for(source, row, keys), exchange=exchange)
                            for row in rows]
            if not rows:
                return Replayed(count, last)
            publisher.publish_batch(messages)
            count += len(rows)
            cursor = last = rows[-1].position
    except (PublishError, DatabaseUnavailable, SQLAlchemyError) as exc:
        raise Interrupted(Replayed(count, last), exc) from exc
    finally:
        publisher.close()


def replay(db: Database, source: str, consumer_cls: type, amqp_uri: str, since: float | None = None,
           from_position: int | None = None, batch: int = BATCH) -> Replayed:
    """Replay ``source``'s events to the consumer ``consumer_cls`` (its nameko class): every
    event, or those from position ``from_position`` on, or from the first one recorded at or
    after ``since`` on. Refuses (``Refused``) before sending anything if there is nothing it
    could send the consumer."""
    consumer = consumer_cls.name
    types = handled_types(consumer_cls, source)
    if not types:
        raise Refused(f"{consumer} consumes no events from {source}")
    check_exchange(amqp_uri, exchange_name(consumer, source))
    after = 0 if from_position is None else max(from_position - 1, 0)
    if since is not None:
        try:
            first = first_position_since(db, since)
        except (DatabaseUnavailable, SQLAlchemyError) as exc:
            raise Refused(f"cannot read {source}'s event store: {type(exc).__name__}: "
                          f"{str(exc).splitlines()[0]}") from None
        if first is None:
            return Replayed(0, None)
        after = max(after, first - 1)
    return publish(db, source, consumer, types, amqp_uri, after, batch)


def run(source: str, consumer: str, since: str | None, from_position: int | None,
        source_url: str, amqp_uri: str) -> Replayed:
    """``manage replay``: the same, the services named, ``source_url`` the source's database."""
    service_class(source, "source")
    consumer_cls = service_class(consumer, "consumer")
    moment = None if since is None else parse_since(since)
    if from_position is not None and from_position < 0:
        raise Refused(f"--from-position {from_position}: positions start at 1")
    db = Database(source_url)
    try:
        return replay(db, source, consumer_cls, amqp_uri, moment, from_position)
    finally:
        db.dispose()
