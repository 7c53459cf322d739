"""Consuming other services' events: exactly-once effect, bounded retries, dead letters.

``@handles(Contract)`` makes a service method consume that event type from the source
service's ``<service>.events`` exchange (nameko's queue naming and routing, so plain
nameko ``@event_handler`` services interoperate). For each delivery the kernel:
1. parses the envelope and validates the data against the contract; a message that is
   not a valid event goes straight to the dead-letter queue (retrying cannot fix it),
   even one that cannot be decoded at all (left to kombu, it would be logged and acked);
2. in one transaction claims the event id in the inbox, runs the handler and appends
   whatever it recorded: a redelivered event finds its id claimed and changes nothing;
3. on an exception rolls back and retries with exponential backoff, up to
   ``HANDLER_ATTEMPTS`` tries, then publishes the message with the error to the service's
   dead-letter queue ``<service>.dead-letters`` (confirmed) and acks it;
4. if even that fails the message is requeued, never dropped (nameko would ack it).
"""
import functools
import inspect
import logging
import time
import traceback
from dataclasses import dataclass

from nameko.events import EventHandler
from nameko.messaging import QueueConsumer
from sqlalchemy.exc import IntegrityError

from shared import metrics
from shared.amqp import PublishError
from shared.contracts import ContractError, EventContract
from shared.db import inbox
from shared.envelope import EnvelopeError, parse
from shared.logs import fields
from shared.observe import Correlation

log = logging.getLogger(__name__)
REQUEUE_PAUSE = 1.0  # seconds a worker waits before requeueing a message it could not dead-letter


@dataclass(frozen=True)
class Undecodable:
    """A delivery kombu could not decode (not JSON, or a content type nobody accepts)."""
    body: str
    error: Exception


class _DeadLetteringQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that a message it cannot decode reaches the handler
    as ``Undecodable`` instead of being logged and acked by kombu."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = functools.partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        body = message.body
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        self.handle_message(provider, Undecodable(text, exc), message)


class ReliableEventHandler(EventHandler):
    """nameko's event handler, except that a worker that raised gets its message requeued
    and a message that cannot be decoded still reaches the worker (to be dead-lettered)."""
    queue_consumer = _DeadLetteringQueueConsumer()

    def __init__(self, source_service, event_type, **kwargs):
        kwargs["requeue_on_error"] = True
        super().__init__(source_service, event_type, **kwargs)


class _AlreadyHandled(Exception):
    pass


_CLAIM = inbox.insert()  # built once; executed with each delivery's values


def dead_letter_queue(service: str) -> str:
    return f"{service}.dead-letters"


def handles(contract: EventContract):
    def decorate(fn):
        @functools.wraps(fn)
        def entry(self, body):
            return kernel_of(self).consume(self, fn, contract, body)
        return ReliableEventHandler.decorator(contract.source, contract.name)(entry)
    return decorate


def kernel_of(service):
    from shared.kernel import Kernel

    cls = type(service)
    name = cls.__dict__.get("_kernel_attr")
    if name is None:
        found = [n for n, v in inspect.getmembers(cls) if isinstance(v, Kernel)]
        if len(found) != 1:
            raise TypeError(f"{cls.__name__} needs exactly one Kernel() dependency for @handles")
        name = found[0]
        cls._kernel_attr = name
    return getattr(service, name)


def consume(access, service, fn, contract: EventContract, body) -> str:
    """What ``@handles`` runs for one delivery; ``access`` is the worker's kernel handle."""
    kernel = access.kernel
    handler = f"{kernel.service_name}.{fn.__name__}"
    if isinstance(body, Undecodable):
        _dead_letter(kernel, handler, body.body, body.error, attempts=0)
        return "dead-lettered"
    try:
        envelope = parse(body)
        if envelope.type != contract.name or envelope.schemaversion != contract.version:
            raise ContractError(f"expected {contract.name} v{contract.version}, got "
                                f"{envelope.type} v{envelope.schemaversion}")
        contract.validate(envelope.data)
    except (EnvelopeError, ContractError) as exc:
        _dead_letter(kernel, handler, body, exc, attempts=0)
        return "dead-lettered"
    if envelope.correlationid:
        # Logs, the events this handler records and any RPC it makes carry the event's id.
        Correlation(access.worker_ctx).adopt(envelope.correlationid)

    def claim(conn):
        try:
            conn.execute(_CLAIM, {"handler": handler, "event_id": envelope.id,
                                  "handled_at": time.time()})
        except IntegrityError:
            raise _AlreadyHandled() from None

    attempts = kernel.handler_attempts
    for attempt in range(1, attempts + 1):
        try:
            access.execute(lambda uow: fn(service, envelope, uow), before=claim,
                           causation_id=envelope.id)
            return "handled"
        except _AlreadyHandled:
            metrics.DUPLICATES.labels(kernel.service_name, handler).inc()
            return "duplicate"
        except Exception as exc:
            metrics.HANDLER_FAILURES.labels(kernel.service_name, handler).inc()
            log.warning("handler failed", extra=fields(handler=handler, event_id=envelope.id,
                                                       attempt=attempt, error=repr(exc)))
            if attempt == attempts:
                _dead_letter(kernel, handler, body, exc, attempts=attempts)
                return "dead-lettered"
            time.sleep(kernel.handler_backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _dead_letter(kernel, handler: str, body, exc: BaseException, attempts: int) -> None:
    """Dead-letter, or pause before letting the message be requeued: a broker that keeps
    refusing the dead letter must not turn redelivery into a busy loop."""
    try:
        kernel.dead_letter(handler, body, exc, attempts)
    except PublishError:
        time.sleep(REQUEUE_PAUSE)
        raise


def describe(exc: BaseException) -> dict:
    return {"x-error-type": type(exc).__name__, "x-error": str(exc)[:2000],
            "x-error-trace": "".join(traceback.format_exception(exc))[-4000:]}
