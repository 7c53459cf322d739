"""Parked streams: the deliveries of one stream held back behind an event that failed.

When a handler fails on an event, the consumer does not sleep on it: it parks the event's
stream in the service's own database (``parked_streams``), stores the delivery
(``parked_events``) and acks it, and moves on. Every later event of that stream that
arrives is stored behind it, in arrival order, while all other streams keep flowing. A
timer retries the stream with backoff; once its head event has had ``HANDLER_ATTEMPTS``
tries the stream is *dead* and waits for an operator (``manage parked``, ``manage requeue``),
who fixes the cause and requeues it: the held events are then handled in order.

A delivery that is not an event at all (no envelope, so no stream) is a plain dead letter:
stored here with its reason, nothing waits on it.

Every function takes the caller's connection; the caller owns the transaction. On
PostgreSQL the functions that decide whether a stream is parked take the stream's advisory
lock, so holding an event behind a stream and releasing the stream never interleave.
"""
import json
import time
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from shared.db import lock_key, parked_events, parked_streams, serialize

RETRYING = "retrying"
DEAD = "dead"


@dataclass(frozen=True)
class Held:
    """One delivery as it is stored: what arrived and why it could not be handled.
    ``properties``: the message's content type and headers, as the broker gave them."""
    body: str
    properties: dict
    stream_id: str | None
    event_id: str | None = None
    event_type: str | None = None
    stream_version: int | None = None
    handler: str | None = None
    error_type: str | None = None
    error: str | None = None
    trace: str | None = None


def _lock(conn: Connection, consumer: str, stream_id: str) -> None:
    serialize(conn, lock_key(f"parked:{consumer}:{stream_id}"))


def _storable(text: str | None) -> str | None:
    """Any text as every database takes it: NUL and unencodable characters escaped (a dead
    letter can carry anything, and must still be kept)."""
    if text is None:
        return None
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _store(conn: Connection, consumer: str, held: Held, now: float) -> None:
    conn.execute(insert(parked_events).values(
        consumer=consumer, stream_id=held.stream_id, event_id=held.event_id,
        event_type=(held.event_type or "")[:100] or None, stream_version=held.stream_version,
        body=_storable(held.body), headers=json.dumps(held.properties, default=str),
        handler=held.handler, error_type=_storable(held.error_type)[:100] if held.error_type else None,
        error=_storable(held.error), trace=_storable(held.trace), parked_at=now))


# Built once: every live delivery asks it.
_IS_PARKED = select(parked_streams.c.state).where(
    parked_streams.c.consumer == bindparam("consumer"),
    parked_streams.c.stream_id == bindparam("stream_id"))


def is_parked(conn: Connection, consumer: str, stream_id: str) -> bool:
    return conn.execute(_IS_PARKED, {"consumer": consumer, "stream_id": stream_id}).first() is not None


def park(conn: Connection, consumer: str, held: Held, state: str, attempts: int,
         retry_in: float) -> None:
    """Park ``held``'s stream with ``held`` at its head, ``attempts`` tries spent on it (or,
    with no stream, keep it as a dead letter)."""
    now = time.time()
    if held.stream_id is not None:
        _lock(conn, consumer, held.stream_id)
        if not is_parked(conn, consumer, held.stream_id):
            conn.execute(insert(parked_streams).values(
                consumer=consumer, stream_id=held.stream_id, state=state,
                attempts=attempts, next_attempt_at=now + retry_in,
                lease_owner=None, lease_until=0.0, parked_at=now,
                error=_storable(f"{held.error_type}: {held.error}")))
    _store(conn, consumer, held, now)


def hold_behind(conn: Connection, consumer: str, held: Held) -> bool:
    """Store ``held`` behind its parked stream; False if the stream is no longer parked."""
    _lock(conn, consumer, held.stream_id)
    if not is_parked(conn, consumer, held.stream_id):
        return False
    _store(conn, consumer, held, time.time())
    return True


def due(conn: Connection, consumer: str, limit: int = 100) -> list[str]:
    """Streams due for a retry and not leased: a read, so an idle consumer's timer never
    takes the write lock."""
    now = time.time()
    return conn.execute(select(parked_streams.c.stream_id).where(
        parked_streams.c.consumer == consumer, parked_streams.c.state == RETRYING,
        parked_streams.c.next_attempt_at <= now, parked_streams.c.lease_until < now)
        .order_by(parked_streams.c.next_attempt_at).limit(limit)).scalars().all()


def lease(conn: Connection, consumer: str, streams: list[str], owner: str,
          seconds: float) -> list[str]:
    """Those of ``streams`` now leased to ``owner`` for ``seconds`` (one replica drains each)."""
    now = time.time()
    taken = []
    for stream_id in streams:
        moved = conn.execute(update(parked_streams).where(
            parked_streams.c.consumer == consumer, parked_streams.c.stream_id == stream_id,
            parked_streams.c.state == RETRYING, parked_streams.c.lease_until < now)
            .values(lease_owner=owner, lease_until=now + seconds)).rowcount
        if moved:
            taken.append(stream_id)
    return taken


def head(conn: Connection, consumer: str, stream_id: str):
    """The first held delivery of a stream (a row of ``parked_events``), or None."""
    return conn.execute(select(parked_events).where(
        parked_events.c.consumer == consumer, parked_events.c.stream_id == stream_id)
        .order_by(parked_events.c.seq).limit(1)).first()


def release(conn: Connection, consumer: str, stream_id: str, seq: int | None) -> bool:
    """Drop held delivery ``seq`` (handled now); unpark the stream if nothing is held behind
    it. True when the stream flows again."""
    _lock(conn, consumer, stream_id)
    if seq is not None:
        conn.execute(delete(parked_events).where(parked_events.c.seq == seq))
    left = conn.execute(select(func.count()).select_from(parked_events).where(
        parked_events.c.consumer == consumer, parked_events.c.stream_id == stream_id)).scalar()
    key = and_(parked_streams.c.consumer == consumer, parked_streams.c.stream_id == stream_id)
    if left:
        conn.execute(update(parked_streams).where(key).values(attempts=0))  # a new head's own count
        return False
    conn.execute(delete(parked_streams).where(key))
    return True


def record_failure(conn: Connection, consumer: str, stream_id: str, seq: int, held: Held,
                   attempts_allowed: int, backoff: float, retryable: bool = True) -> str:
    """The head of a parked stream failed again: count it, and schedule the next try or
    declare the stream dead. Returns the stream's state."""
    now = time.time()
    key = and_(parked_streams.c.consumer == consumer, parked_streams.c.stream_id == stream_id)
    _lock(conn, consumer, stream_id)  # two drains of one stream must not lose a count
    row = conn.execute(select(parked_streams.c.attempts).where(key)).first()
    attempts = (row.attempts if row else 0) + 1
    state = RETRYING if retryable and attempts < attempts_allowed else DEAD
    conn.execute(update(parked_streams).where(key).values(
        attempts=attempts, state=state, next_attempt_at=now + backoff * 2 ** (attempts - 1),
        lease_owner=None, lease_until=0.0, error=_storable(f"{held.error_type}: {held.error}")))
    conn.execute(update(parked_events).where(parked_events.c.seq == seq).values(
        handler=held.handler, error_type=_storable(held.error_type), error=_storable(held.error),
        trace=_storable(held.trace)))
    return state


def requeue(conn: Connection, consumer: str, stream_id: str) -> bool:
    """Retry a parked stream now, with its tries counted afresh (after fixing the cause)."""
    return bool(conn.execute(update(parked_streams).where(
        parked_streams.c.consumer == consumer, parked_streams.c.stream_id == stream_id)
        .values(state=RETRYING, attempts=0, next_attempt_at=0.0, lease_owner=None,
                lease_until=0.0)).rowcount)


def discard(conn: Connection, consumer: str, seq: int) -> bool:
    """Delete a dead letter that belongs to no stream (nothing can ever handle it)."""
    return bool(conn.execute(delete(parked_events).where(
        parked_events.c.consumer == consumer, parked_events.c.seq == seq,
        parked_events.c.stream_id.is_(None))).rowcount)


def overview(conn: Connection, consumer: str) -> dict:
    """Parked streams (state, tries, held events, reason) and dead letters with no stream."""
    held = dict(conn.execute(select(parked_events.c.stream_id, func.count()).where(
        parked_events.c.consumer == consumer, parked_events.c.stream_id.is_not(None))
        .group_by(parked_events.c.stream_id)).all())
    streams = [{"stream_id": row.stream_id, "state": row.state, "attempts": row.attempts,
                "held": held.get(row.stream_id, 0), "parked_at": row.parked_at,
                "next_attempt_at": row.next_attempt_at if row.state == RETRYING else None,
                "error": row.error}
               for row in conn.execute(select(parked_streams).where(
                   parked_streams.c.consumer == consumer).order_by(parked_streams.c.parked_at))]
    letters = [_event_view(row) for row in conn.execute(select(parked_events).where(
        parked_events.c.consumer == consumer, parked_events.c.stream_id.is_(None))
        .order_by(parked_events.c.seq))]
    return {"streams": streams, "dead_letters": letters}


def detail(conn: Connection, consumer: str, stream_id: str) -> dict | None:
    """One parked stream with every held delivery: body, headers, error and trace."""
    row = conn.execute(select(parked_streams).where(
        parked_streams.c.consumer == consumer, parked_streams.c.stream_id == stream_id)).first()
    if row is None:
        return None
    events = [_event_view(event, full=True) for event in conn.execute(select(parked_events).where(
        parked_events.c.consumer == consumer, parked_events.c.stream_id == stream_id)
        .order_by(parked_events.c.seq))]
    return {"stream_id": stream_id, "state": row.state, "attempts": row.attempts,
            "parked_at": row.parked_at, "error": row.error, "events": events}


def counts(conn: Connection, consumer: str) -> dict[str, int]:
    """Parked streams by state, and held deliveries, for the metrics."""
    out = {RETRYING: 0, DEAD: 0}
    out.update(dict(conn.execute(select(parked_streams.c.state, func.count()).where(
        parked_streams.c.consumer == consumer).group_by(parked_streams.c.state)).all()))
    out["held"] = conn.execute(select(func.count()).select_from(parked_events).where(
        parked_events.c.consumer == consumer)).scalar()
    return out


def _event_view(row, full: bool = False) -> dict:
    view = {"seq": row.seq, "stream_id": row.stream_id, "event_id": row.event_id,
            "type": row.event_type, "stream_version": row.stream_version,
            "handler": row.handler, "error_type": row.error_type, "error": row.error,
            "parked_at": row.parked_at}
    if full:
        view.update(properties=json.loads(row.headers), body=row.body, trace=row.trace)
    return view
