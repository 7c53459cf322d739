"""The outbox relay: publishes committed events to RabbitMQ, in order, at least once.

It follows the event store by global position: read a batch after its cursor, publish
it with pipelined confirms, and only then move the cursor. The cursor is saved in the
database at most every 0.2 s while busy and at once when idle, so a crash anywhere
republishes a little rather than loses anything (consumers dedupe by event id). It wakes on the
process's commit signal; ``RELAY_POLL`` only bounds how late it notices commits made by
other processes. A lease in the cursor row (shared/lease.py) keeps one publishing relay per
database when a service runs several replicas. While the broker is down it backs off and retries;
commands keep committing meanwhile and the relay catches up afterwards.
"""
import logging
import threading
import time
import uuid

from shared import metrics
from shared.amqp import ConfirmedPublisher, OutgoingMessage, PublishError
from shared.db import Database
from shared.delivery import STREAM_HEADER
from shared.envelope import CONTENT_TYPE, parse
from shared.errors import DatabaseUnavailable
from shared.eventstore import EventStore
from shared.lease import Lease
from shared.logs import fields
from shared.personal import Keys, may_hold_personal

log = logging.getLogger(__name__)
CURSOR = "relay"
MAX_BACKOFF = 5.0
CURSOR_SAVE_INTERVAL = 0.2


def exchange_for(service: str) -> str:
    return f"{service}.events"


def envelope_message(service: str, event_id: str, event_type: str, stream_id: str,
                     body: str) -> OutgoingMessage:
    """The AMQP message of one event: its envelope JSON on the service's exchange, routed by
    type, with the stream id in the header consumers partition by (shared/delivery.py)."""
    return OutgoingMessage(
        exchange=exchange_for(service), routing_key=event_type, body=body,
        properties={"content_type": CONTENT_TYPE, "content_encoding": "utf-8",
                    "delivery_mode": 2, "message_id": event_id, "type": event_type,
                    "app_id": service, "application_headers": {STREAM_HEADER: stream_id}},
    )


def message_for(service: str, row, keys: Keys) -> OutgoingMessage:
    """The AMQP message for one stored event: the stored JSON, as it was built at append,
    with any personal fields opened (null once the person is erased)."""
    opened = may_hold_personal(row.event_type, row.envelope)
    body = keys.open(parse(row.envelope)).to_json() if opened else row.envelope
    return envelope_message(service, row.event_id, row.event_type, row.stream_id, body)


class OutboxRelay:
    def __init__(self, db: Database, store: EventStore, amqp_uri: str, batch: int = 2000,
                 poll: float = 0.5, linger: float = 0.0):
        self.db = db
        self.store = store
        self.service = store.source
        self.batch = batch
        self.poll = poll
        self.linger = linger
        self.owner = f"{self.service}-{uuid.uuid4().hex[:12]}"
        self.publisher = ConfirmedPublisher(amqp_uri, declare_exchanges=(exchange_for(self.service),))
        self._stopped = threading.Event()
        self.lease = Lease(db, CURSOR, self.owner)
        self._cursor: int | None = None  # published up to here (confirmed by the broker)
        self._saved: int | None = None  # persisted up to here
        self._saved_at = 0.0

    def stop(self) -> None:
        self._stopped.set()
        self.db.committed.notify()

    def run(self) -> None:
        backoff = 0.1
        while not self._stopped.is_set():
            try:
                self.step()
                backoff = 0.1
            except (PublishError, DatabaseUnavailable) as exc:
                metrics.RELAY_ERRORS.labels(self.service).inc()
                log.warning("relay cannot publish, retrying", extra=fields(error=str(exc),
                                                                          retry_in=backoff))
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
            except Exception:
                metrics.RELAY_ERRORS.labels(self.service).inc()
                log.exception("relay step failed")
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
        try:
            self._save_cursor(force=True)
            self.lease.release()
        except Exception:  # stopping anyway: the next start republishes from the saved cursor
            log.warning("relay could not save its cursor on stop", exc_info=True)
        self.publisher.close()

    def step(self) -> int:
        """One round: publish what is pending (up to a batch), or wait for a commit."""
        seen = self.db.committed.generation
        if not self._hold_lease():
            self._stopped.wait(self.poll)
            return 0
        published = self._publish_batch()
        if published < self.batch:
            # Everything committed before ``seen`` is published now; wait for a later commit
            # (returns at once if one came meanwhile) instead of reading an empty batch. Then
            # linger a moment so a burst of commits shares one batch and one confirm round.
            # An unsaved cursor shortens the wait: the idle round that follows saves it.
            timeout = self.poll if self._cursor == self._saved else CURSOR_SAVE_INTERVAL
            if self.db.committed.wait(seen, timeout) != seen and self.linger:
                self._stopped.wait(self.linger)
        return published

    def publish_pending(self) -> int:
        """Publish until nothing is pending, without waiting (for tools, tests, benchmarks)."""
        if not self._hold_lease():
            raise PublishError("another relay holds the lease")
        total = 0
        while published := self._publish_batch():
            total += published
        return total

    def _publish_batch(self) -> int:
        with self.db.read() as conn:
            rows = self.store.read_after(conn, self._cursor, self.batch)
            # A short page is everything there is: its last position is the head.
            head = self.store.head(conn) if len(rows) == self.batch else (
                rows[-1].position if rows else self._cursor)
            keys = Keys(conn)
            messages = [message_for(self.service, row, keys) for row in rows]
        lag_events = metrics.RELAY_LAG_EVENTS.labels(self.service)
        lag_seconds = metrics.RELAY_LAG_SECONDS.labels(self.service)
        if not rows:
            lag_events.set(0)
            lag_seconds.set(0)
            self._save_cursor(force=True)
            return 0
        lag_events.set(head - self._cursor)
        lag_seconds.set(max(0.0, time.time() - rows[0].recorded_at))
        self.publisher.publish_batch(messages)
        self._cursor = rows[-1].position
        self._save_cursor(force=False)
        metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    def _hold_lease(self) -> bool:
        if self._cursor is not None and self.lease.held():
            if self.lease.expiring():
                self._advance(self._cursor)  # renews the lease and saves the cursor
            return True
        position = self.lease.take()
        if position is None:
            return False
        self._cursor = self._saved = position
        return True

    def _advance(self, position: int) -> None:
        if not self.lease.renew(position):
            raise PublishError("lost the relay lease; another replica publishes now")
        self._cursor = self._saved = position
        self._saved_at = time.monotonic()

    def _save_cursor(self, force: bool) -> None:
        """Persist the cursor at most every CURSOR_SAVE_INTERVAL while busy, and when idle.

        Saving after every batch would cost a write transaction per batch, competing with
        the service's own commits; a crash merely republishes what was published since the
        last save (consumers dedupe by event id)."""
        if self._cursor == self._saved:
            return
        if force or time.monotonic() - self._saved_at >= CURSOR_SAVE_INTERVAL:
            self._advance(self._cursor)
