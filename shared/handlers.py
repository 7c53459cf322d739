"""Consuming other services' events: in stream order, exactly-once effect, parked on failure.

``@handles(Contract)`` makes a service method consume that event type from its source
service through the ordered delivery of shared/delivery.py. Older schema versions are
upcast to the contract's version on the way. For each delivery the kernel:
1. reads the envelope; a message that is not an event at all is kept as a dead letter, and
   an event that breaks its contract (or is newer than the contract) parks its stream as
   dead, since retrying cannot fix either;
2. in one transaction checks that the stream is not parked, claims the event id in the
   inbox, runs the handler and appends what it recorded: a redelivered event finds its id
   claimed and changes nothing, and an event of a parked stream is held behind it, in order;
3. on an exception rolls back and parks the stream (shared/parking.py): a timer retries it
   with backoff, HANDLER_ATTEMPTS tries in all, then it waits, dead, for an operator, while
   every other stream keeps flowing;
4. if even parking fails (the database is away), reports it, and the stream's lane waits.
"""
import functools
import inspect
import logging
import time
import traceback

from sqlalchemy.exc import IntegrityError

from shared import metrics, parking
from shared.contracts import ContractError, EventContract
from shared.db import inbox
from shared.delivery import (
    DUPLICATE,
    FAILED,
    HANDLED,
    PARKED,
    UNAVAILABLE,
    Delivery,
    StreamEventHandler,
)
from shared.envelope import CONTENT_TYPE, Envelope, EnvelopeError, parse
from shared.errors import DatabaseUnavailable
from shared.logs import fields
from shared.observe import Correlation

log = logging.getLogger(__name__)
EVENT_CONTENT_TYPES = (CONTENT_TYPE, "application/json")


class _AlreadyHandled(Exception):
    pass


class _StreamParked(Exception):
    pass


_CLAIM = inbox.insert()  # built once; executed with each delivery's values


def handles(contract: EventContract):
    def decorate(fn):
        @functools.wraps(fn)
        def entry(self, delivery):
            return kernel_of(self).consume(self, fn, contract, delivery)
        return StreamEventHandler.decorator(contract)(entry)
    return decorate


def kernel_of(service):
    from shared.kernel import Kernel

    cls = type(service)
    name = cls.__dict__.get("_kernel_attr")
    if name is None:
        found = [n for n, v in inspect.getmembers(cls) if isinstance(v, Kernel)]
        if len(found) != 1:
            raise TypeError(f"{cls.__name__} needs exactly one Kernel() dependency for @handles "
                            "and @on_timer")
        name = found[0]
        cls._kernel_attr = name
    return getattr(service, name)


def read_envelope(delivery: Delivery) -> Envelope:
    if delivery.content_type not in EVENT_CONTENT_TYPES:
        raise EnvelopeError(f"content type {delivery.content_type!r} is not an event")
    return parse(delivery.body)


def consume(access, service, fn, contract: EventContract, delivery: Delivery) -> str:
    """What ``@handles`` runs for one delivery; ``access`` is the worker's kernel handle."""
    kernel = access.kernel
    handler = f"{kernel.service_name}.{fn.__name__}"
    envelope = None
    try:
        envelope = read_envelope(delivery)
        envelope = contract.read(envelope)
    except (EnvelopeError, ContractError) as exc:
        return _failed(kernel, handler, delivery, envelope, exc, retryable=False)
    if envelope.correlationid:
        # Logs, the events this handler records and any RPC it makes carry the event's id.
        Correlation(access.worker_ctx).adopt(envelope.correlationid)
    replaying = delivery.parked_seq is not None

    def before(conn):
        if not replaying and parking.is_parked(conn, kernel.service_name, envelope.subject):
            raise _StreamParked()
        try:
            conn.execute(_CLAIM, {"handler": handler, "event_id": envelope.id,
                                  "handled_at": time.time()})
        except IntegrityError:
            raise _AlreadyHandled() from None

    while True:
        try:
            access.execute(lambda uow: fn(service, envelope, uow), before=before,
                           causation_id=envelope.id)
            return HANDLED
        except _AlreadyHandled:
            metrics.DUPLICATES.labels(kernel.service_name, handler).inc()
            return DUPLICATE
        except _StreamParked:
            outcome = _hold_behind(kernel, handler, delivery, envelope)
            if outcome is not None:
                return outcome
            # released meanwhile: handle it now
        except DatabaseUnavailable as exc:
            # Not the event's fault: no try is counted, the stream's lane waits and retries.
            log.warning("database unavailable; the stream waits", extra=fields(
                handler=handler, stream=envelope.subject, error=repr(exc.__cause__ or exc)))
            return UNAVAILABLE
        except Exception as exc:
            metrics.HANDLER_FAILURES.labels(kernel.service_name, handler).inc()
            log.warning("handler failed", extra=fields(handler=handler, event_id=envelope.id,
                                                       stream=envelope.subject, error=repr(exc)))
            return _failed(kernel, handler, delivery, envelope, exc, retryable=True)


def unhandled(kernel, delivery: Delivery) -> str:
    """Park a delivery of a type no handler of this process takes (see StreamConsumer)."""
    handler = f"{kernel.service_name}.(none)"
    try:
        envelope = read_envelope(delivery)
    except EnvelopeError as exc:
        return _failed(kernel, handler, delivery, None, exc, retryable=False)
    reason = ContractError(f"no handler for {envelope.type} in this version of "
                           f"{kernel.service_name}; requeue once every replica has one")
    return _failed(kernel, handler, delivery, envelope, reason, retryable=True)


def _held(delivery: Delivery, envelope: Envelope | None, handler: str,
          exc: BaseException | None) -> parking.Held:
    error = {} if exc is None else describe(exc)
    return parking.Held(
        body=delivery.body,
        properties={"content_type": delivery.content_type, "headers": delivery.headers},
        stream_id=envelope.subject if envelope else delivery.stream_id,
        event_id=envelope.id if envelope else None,
        event_type=envelope.type if envelope else delivery.routing_key,
        stream_version=envelope.streamversion if envelope else None,
        handler=handler if exc is not None else None, **error)


def _hold_behind(kernel, handler: str, delivery: Delivery, envelope: Envelope) -> str | None:
    try:
        with kernel.db.write(notify=False) as conn:
            held = parking.hold_behind(conn, kernel.service_name, _held(delivery, envelope, handler, None))
    except Exception as exc:
        log.warning("cannot hold an event behind its parked stream",
                    extra=fields(handler=handler, error=repr(exc)))
        return UNAVAILABLE
    if not held:
        return None
    metrics.EVENTS_PARKED.labels(kernel.service_name, handler).inc()
    return PARKED


def _failed(kernel, handler: str, delivery: Delivery, envelope: Envelope | None,
            exc: BaseException, retryable: bool) -> str:
    """Park the stream (a live delivery) or count another failed try (a held one)."""
    consumer = kernel.service_name
    held = _held(delivery, envelope, handler, exc)
    try:
        with kernel.db.write(notify=False) as conn:
            if delivery.parked_seq is None:
                state = (parking.RETRYING if retryable and kernel.handler_attempts > 1
                         else parking.DEAD)
                parking.park(conn, consumer, held, state, attempts=1 if retryable else 0,
                             retry_in=kernel.handler_backoff)
            else:
                state = parking.record_failure(
                    conn, consumer, delivery.stream_id, delivery.parked_seq, held,
                    kernel.handler_attempts, kernel.handler_backoff, retryable)
    except Exception as park_exc:
        level = logging.WARNING if isinstance(park_exc, DatabaseUnavailable) else logging.ERROR
        log.log(level, "cannot park a failed event; its stream waits", extra=fields(
            handler=handler, error=repr(exc), park_error=repr(park_exc)))
        return UNAVAILABLE
    if delivery.parked_seq is None:
        metrics.EVENTS_PARKED.labels(consumer, handler).inc()
    if state == parking.DEAD:
        metrics.DEAD_LETTERS.labels(consumer, handler).inc()
        log.error("event dead-lettered: its stream waits for an operator", extra=fields(
            handler=handler, stream=held.stream_id, event_id=held.event_id, error=repr(exc)))
    return PARKED if delivery.parked_seq is None else FAILED


def describe(exc: BaseException) -> dict:
    return {"error_type": type(exc).__name__, "error": str(exc)[:2000],
            "trace": "".join(traceback.format_exception(exc))[-4000:]}
