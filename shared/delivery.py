"""Ordered delivery of other services' events to ``@handles`` methods.

Topology, declared by the consuming service C at start (idempotent), per source service S:

    S.events (topic; routing key = event type)
      └─ a binding per type C consumes ─> C.from.S (x-consistent-hash on header x-stream)
           └─ C.from.S.0 … C.from.S.<EVENT_PARTITIONS - 1> (durable, single active consumer,
              QUEUE_TYPE: classic, or quorum on a cluster)

The relay puts the stream id in the ``x-stream`` header, so all of one stream's events, of
whatever type, land in one partition queue, in the order they were published. Replicas of
the consumer share the partitions out: each announces itself every second on a fanout
exchange ``C.consumers``, and each consumes the partitions that are its own in a round robin
over the sorted ids of the replicas it has heard from lately. A replica that joins takes
its share, one that stops (or goes silent for MEMBER_EXPIRY) gives its share to the rest.
Through hand-overs the broker's single active consumer still lets only one consumer at a
time receive from a partition, so one stream's events reach one process, in order.

In that process each stream has a *lane*: its deliveries are handled one after another,
different streams in parallel (up to the container's ``max_workers``). A delivery is acked
only after it is handled, found a duplicate, or parked (shared/parking.py), so a crash or a
lost connection at any point redelivers in order and the inbox makes the repeat a no-op.
A failing event parks its own stream; the lane does not wait for its retries. Only when the
database itself is unreachable does a lane wait (with backoff), holding its stream back and
nothing else. The consumer reconnects by itself, for however long the broker is away.
"""
import collections
import json
import logging
import time
import uuid
from dataclasses import dataclass, field

import amqp
import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint, ProviderCollector, SharedExtension

from shared import metrics, parking
from shared.amqp import connection_params
from shared.config import (
    CONSUMER_PREFETCH,
    EVENT_PARTITIONS,
    HANDLER_ATTEMPTS,
    PARKED_RETRY_POLL,
    queue_type_arguments,
)
from shared.contracts import EventContract
from shared.logs import fields

log = logging.getLogger(__name__)
STREAM_HEADER = "x-stream"
HEARTBEAT = 10  # seconds: a broker that vanished without closing the socket is noticed
CONNECT_TIMEOUT = 5.0
MAX_BACKOFF = 5.0
STOP_GRACE = 4.0  # seconds a stopping consumer lets lanes finish the delivery in hand
LEASE_SECONDS = 30.0  # a replica draining a parked stream holds it this long at most
MEMBER_HEARTBEAT = 1.0  # seconds between a replica's "I consume here" announcements
MEMBER_EXPIRY = 3.5  # seconds of silence after which a replica's partitions are shared out

# What a worker reports for one delivery.
HANDLED, DUPLICATE, PARKED, FAILED, UNAVAILABLE = (
    "handled", "duplicate", "parked", "failed", "unavailable")


def exchange_name(consumer: str, source: str) -> str:
    return f"{consumer}.from.{source}"


def partition_queue(consumer: str, source: str, partition: int) -> str:
    return f"{exchange_name(consumer, source)}.{partition}"


def members_exchange(consumer: str) -> str:
    return f"{consumer}.consumers"


def share(queues: list[str], members: list[str], me: str) -> list[str]:
    """The partition queues that are ``me``'s to consume: every live replica computes the
    same split (round robin over the sorted member ids)."""
    index, count = members.index(me), len(members)
    return [queue for n, queue in enumerate(queues) if n % count == index]


@dataclass(frozen=True)
class Delivery:
    """What a handler's worker gets: the message as received, or a held one being retried."""
    body: str
    headers: dict
    content_type: str | None
    routing_key: str
    parked_seq: int | None = None
    stream_id: str | None = None  # of a held delivery: the parked stream it belongs to


@dataclass
class _Partition:
    """A partition queue this replica consumes, on a channel of its own."""
    queue: str
    channel: object
    open: bool = True


@dataclass
class _Item:
    delivery: Delivery | None  # None: drain the lane's parked stream
    partition: _Partition | None = None
    tag: int | None = None


@dataclass
class _Lane:
    items: collections.deque = field(default_factory=collections.deque)


def close_quietly(conn: amqp.Connection | None, seconds: float) -> None:
    """Close politely within ``seconds``; a connection that cannot (it is dead) is dropped."""
    if conn is None:
        return
    try:
        with eventlet.Timeout(seconds):
            conn.close()
    except BaseException:
        try:
            conn.collect()
        except Exception:  # closing a broken connection must not mask anything
            pass


def run_worker(container, provider, *args):
    """Run ``provider``'s method in a worker of ``container`` and wait for what it returns;
    UNAVAILABLE if it raised or the container is being killed (kernel entrypoints report
    every outcome as a value, so an exception here means the worker could not finish)."""
    finished = Event()

    def handle_result(worker_ctx, result, exc_info):
        finished.send(UNAVAILABLE if exc_info is not None else result)
        return result, exc_info

    try:
        container.spawn_worker(provider, args, {}, context_data={}, handle_result=handle_result)
    except ContainerBeingKilled:
        return UNAVAILABLE
    return finished.wait()


def container_kernel(container):
    """The ``Kernel`` dependency of a container's service."""
    from shared.kernel import Kernel

    return next(dep for dep in container.dependencies if isinstance(dep, Kernel))


class _Announcer:
    """Publishes this replica's "I consume here" on a connection of its own: a broker under a
    memory or disk alarm blocks connections that publish, and stops reading them, so the
    connection the consumer acks on must never publish."""

    def __init__(self, uri: str, exchange: str, owner: str):
        self.uri, self.exchange, self.owner = uri, exchange, owner
        self._conn = None
        self._channel = None

    def announce(self) -> None:
        try:
            if self._channel is None:
                conn = amqp.Connection(connect_timeout=CONNECT_TIMEOUT, heartbeat=0,
                                       **connection_params(self.uri))
                # It only writes: nothing may read its socket behind the consumer's back.
                conn.negotiate_capabilities = {**conn.negotiate_capabilities,
                                               "connection.blocked": False}
                self._conn = conn
                conn.connect()
                self._channel = conn.channel()
            self._channel.basic_publish(amqp.Message(self.owner), exchange=self.exchange)
        except Exception as exc:  # unheard this round; the others keep our share a while
            log.info("could not announce this replica", extra=fields(error=repr(exc)))
            self.close()

    def close(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        close_quietly(conn, seconds=1)


class StreamConsumer(SharedExtension, ProviderCollector):
    """One per container: the connection, the partition queues, the lanes, the retry timer."""

    def setup(self):
        config = self.container.config
        self.consumer = self.container.service_name
        self.uri = config["AMQP_URI"]
        self.partitions = int(config.get("EVENT_PARTITIONS") or EVENT_PARTITIONS.get())
        self.prefetch = int(config.get("CONSUMER_PREFETCH") or CONSUMER_PREFETCH.get())
        self.retry_poll = float(config.get("PARKED_RETRY_POLL") or PARKED_RETRY_POLL.get())
        self.attempts = int(config.get("HANDLER_ATTEMPTS") or HANDLER_ATTEMPTS.get())
        self.owner = f"{self.consumer}-{uuid.uuid4().hex[:12]}"
        self._running = False
        self._partitions: dict[str, _Partition] = {}
        self._members: dict[str, float] = {}
        self._channel = None
        self._conn = None
        self._lanes: dict[str, _Lane] = {}
        self._write = Semaphore()
        self._ready = Event()
        self._consuming = None

    @property
    def _by_type(self) -> dict[str, list]:
        found: dict[str, list] = {}
        for provider in sorted(self._providers, key=lambda p: p.method_name):
            found.setdefault(provider.contract.name, []).append(provider)
        return found

    def start(self):
        if not self._providers or self._running:
            return
        self._running = True
        self._handlers = self._by_type
        self._consuming = self.container.spawn_managed_thread(
            self._consume_forever, identifier=f"{self.consumer}.events")
        self.container.spawn_managed_thread(self._retry_forever,
                                            identifier=f"{self.consumer}.parked-retries")
        # Queues bound before start returns: what is published from then on reaches us.
        # A broker that is away does not stop the service from starting.
        with eventlet.Timeout(CONNECT_TIMEOUT * 2, False):
            self._ready.wait()

    def unregister_provider(self, provider):
        super().unregister_provider(provider)
        if not self._providers:
            self._shutdown(grace=STOP_GRACE)

    def kill(self):
        self._shutdown(grace=0)

    def _shutdown(self, grace: float) -> None:
        """Stop taking deliveries, let lanes finish the one in hand, then close: what was
        not acked goes back to the queue for whoever consumes next."""
        self._running = False
        if self._consuming is not None:
            with eventlet.Timeout(grace + 2, False):
                self._consuming.wait()
        deadline = time.monotonic() + grace
        while self._lanes and time.monotonic() < deadline:
            eventlet.sleep(0.05)
        self._close()

    # --- the broker side ------------------------------------------------------------------

    def _topology(self) -> dict[str, list[str]]:
        by_source: dict[str, set[str]] = {}
        for provider in self._providers:
            by_source.setdefault(provider.contract.source, set()).add(provider.contract.name)
        # Sorted: every replica must list the partition queues in the same order to share them.
        return {source: sorted(by_source[source]) for source in sorted(by_source)}

    def _declare(self, channel) -> list[str]:
        queues = []
        for source, types in self._topology().items():
            hashed = exchange_name(self.consumer, source)
            channel.exchange_declare(f"{source}.events", "topic", durable=True, auto_delete=False)
            channel.exchange_declare(hashed, "x-consistent-hash", durable=True, auto_delete=False,
                                     arguments={"hash-header": STREAM_HEADER})
            for type_name in types:
                channel.exchange_bind(hashed, f"{source}.events", type_name)
            for partition in range(self.partitions):
                queue = partition_queue(self.consumer, source, partition)
                channel.queue_declare(queue, durable=True, auto_delete=False,
                                      arguments={"x-single-active-consumer": True,
                                                 **queue_type_arguments()})
                channel.queue_bind(queue, hashed, "1")  # equal weights: one point each on the ring
                queues.append(queue)
        # Replicas announce themselves here, so each can take its share of the partitions.
        channel.exchange_declare(members_exchange(self.consumer), "fanout", durable=False,
                                 auto_delete=True)
        heard = channel.queue_declare("", exclusive=True).queue
        channel.queue_bind(heard, members_exchange(self.consumer), "")
        channel.basic_consume(heard, no_ack=True, callback=self._heard)
        return queues

    def _consume_forever(self) -> None:
        backoff = 0.1
        while self._running:
            try:
                self._consume()
                backoff = 0.1
            except Exception as exc:  # any broker or network failure: reconnect, never exit
                self._close()
                if not self._running:
                    break
                metrics.CONSUMER_RECONNECTS.labels(self.consumer).inc()
                log.warning("event consumer lost the broker, reconnecting",
                            extra=fields(error=f"{type(exc).__name__}: {exc}", retry_in=backoff))
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def _consume(self) -> None:
        conn = amqp.Connection(connect_timeout=CONNECT_TIMEOUT, heartbeat=HEARTBEAT,
                               **connection_params(self.uri))
        self._conn = conn
        conn.connect()
        self._channel = conn.channel()
        self._members = {self.owner: time.monotonic()}
        queues = self._declare(self._channel)
        # Alone, or not yet aware of the others: take every partition. The broker's single
        # active consumer keeps a partition with whoever had it until the shares settle.
        self._assign(queues, queues)
        if not self._ready.ready():
            self._ready.send()
        log.info("consuming events", extra=fields(queues=len(queues)))
        announcer = _Announcer(self.uri, members_exchange(self.consumer), self.owner)
        announced = 0.0
        try:
            while self._running:
                try:
                    conn.drain_events(timeout=0.5)
                except TimeoutError:
                    pass
                with self._write:
                    conn.heartbeat_tick()
                if time.monotonic() - announced >= MEMBER_HEARTBEAT:
                    announced = time.monotonic()
                    announcer.announce()
                    self._assign(queues, share(queues, self._live_members(), self.owner))
        finally:
            announcer.close()

    def _heard(self, message) -> None:
        body = message.body
        self._members[body.decode() if isinstance(body, bytes) else body] = time.monotonic()

    def _live_members(self) -> list[str]:
        now = time.monotonic()
        self._members = {m: at for m, at in self._members.items()
                         if m == self.owner or now - at < MEMBER_EXPIRY}
        return sorted(self._members)

    def _assign(self, queues: list[str], mine: list[str]) -> None:
        """Consume exactly ``mine``: open a channel per partition taken, close the channel of
        each partition given up (the broker then hands its unacked deliveries, in order, to
        the replica that takes it; repeats are no-ops through the inbox)."""
        for queue in queues:
            held = self._partitions.get(queue)
            if queue in mine and held is None:
                with self._write:  # lanes ack on this connection meanwhile
                    channel = self._conn.channel()
                    channel.basic_qos(0, self.prefetch, False)
                    partition = _Partition(queue, channel)
                    channel.basic_consume(queue, callback=lambda m, p=partition: self._received(m, p))
                self._partitions[queue] = partition
            elif queue not in mine and held is not None:
                del self._partitions[queue]
                held.open = False
                with self._write:
                    held.channel.close()
        metrics.PARTITIONS_HELD.labels(self.consumer).set(len(self._partitions))

    def _close(self) -> None:
        for partition in self._partitions.values():
            partition.open = False  # their deliveries come again, to whoever consumes next
        self._partitions = {}
        conn, self._conn, self._channel = self._conn, None, None
        with self._write:
            close_quietly(conn, seconds=2)

    def _ack(self, item: _Item) -> None:
        if not item.partition.open:
            return  # given up, or its connection is gone: the broker delivers it again
        try:
            with self._write:
                item.partition.channel.basic_ack(item.tag)
        except Exception as exc:  # the consuming loop notices the broken connection
            log.info("ack lost with the connection", extra=fields(error=repr(exc)))

    def _received(self, message, partition: "_Partition") -> None:
        headers = dict(message.headers or {})
        body = message.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        stream = headers.get(STREAM_HEADER)
        if not isinstance(stream, str) or not stream:
            stream = f"unkeyed:{id(partition)}:{message.delivery_tag}"  # a lane of its own
        delivery = Delivery(body=body, headers=headers,
                            content_type=message.properties.get("content_type"),
                            routing_key=message.delivery_info.get("routing_key", ""))
        self._enqueue(stream, _Item(delivery, partition, message.delivery_tag))

    # --- lanes ----------------------------------------------------------------------------

    def _enqueue(self, stream: str, item: _Item) -> None:
        lane = self._lanes.get(stream)
        if lane is not None:
            lane.items.append(item)
            return
        lane = self._lanes[stream] = _Lane()
        lane.items.append(item)
        eventlet.spawn_n(self._run_lane, stream, lane)

    def _run_lane(self, stream: str, lane: _Lane) -> None:
        backoff = 0.1
        try:
            while lane.items and self._running:
                item = lane.items[0]
                if item.delivery is not None and not item.partition.open:
                    lane.items.popleft()  # given up or lost with its connection: redelivered
                    continue
                try:
                    done = (self._drain(stream) if item.delivery is None
                            else self._deliver(item.delivery))
                except Exception:
                    log.exception("lane failed; trying again", extra=fields(stream=stream))
                    done = False
                if not done:
                    metrics.DELIVERY_WAITS.labels(self.consumer).inc()
                    eventlet.sleep(backoff)  # the database is away: hold this stream only
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                backoff = 0.1
                if item.delivery is not None:
                    self._ack(item)
                lane.items.popleft()
        finally:
            del self._lanes[stream]

    def _deliver(self, delivery: Delivery) -> bool:
        """Run every handler of the delivery's type; False if it must be tried again."""
        providers = self._handlers.get(delivery.routing_key)
        if not providers:
            return self._unhandled(delivery) != UNAVAILABLE
        for provider in providers:
            outcome = self._work(provider, delivery)
            if outcome == UNAVAILABLE:
                return False
            if outcome in (PARKED, FAILED):
                break  # held for all handlers: a retry runs them all, the inbox skips repeats
        return True

    def _unhandled(self, delivery: Delivery) -> str:
        """A type bound to our queues that this replica has no handler for (a newer version of
        the service, mid-deploy, bound it): parked like a failure, never acked unseen."""
        from shared.handlers import unhandled

        return unhandled(self._kernel(), delivery)

    def _work(self, provider, delivery: Delivery) -> str:
        return run_worker(self.container, provider, delivery)

    # --- parked streams -------------------------------------------------------------------

    def _kernel(self):
        return container_kernel(self.container)

    def _retry_forever(self) -> None:
        kernel = self._kernel()
        counted_at = 0.0
        while self._running:
            try:
                with kernel.db.read() as conn:
                    due = parking.due(conn, self.consumer)
                if due:
                    with kernel.db.write(notify=False) as conn:
                        due = parking.lease(conn, self.consumer, due, self.owner, LEASE_SECONDS)
                for stream in due:
                    self._enqueue(stream, _Item(None))
                if time.monotonic() - counted_at > 2.0:
                    counted_at = time.monotonic()
                    with kernel.db.read() as conn:
                        counted = parking.counts(conn, self.consumer)
                    for state in (parking.RETRYING, parking.DEAD):
                        metrics.PARKED_STREAMS.labels(self.consumer, state).set(counted[state])
                    metrics.HELD_EVENTS.labels(self.consumer).set(counted["held"])
            except Exception as exc:  # the database is away; try again next round
                log.warning("cannot look for parked streams", extra=fields(error=repr(exc)))
            eventlet.sleep(self.retry_poll)

    def _drain(self, stream: str) -> bool:
        """Handle a parked stream's held deliveries in order, until one fails again."""
        db = self._kernel().db
        while self._running:
            with db.read() as conn:
                held = parking.head(conn, self.consumer, stream)
            if held is None:
                with db.write(notify=False) as conn:
                    parking.release(conn, self.consumer, stream, None)
                return True
            properties = json.loads(held.headers)
            delivery = Delivery(body=held.body, headers=properties["headers"],
                                content_type=properties["content_type"],
                                routing_key=held.event_type or "", parked_seq=held.seq,
                                stream_id=stream)
            providers = self._handlers.get(delivery.routing_key)
            outcome = None if providers else self._unhandled(delivery)
            for provider in providers or ():
                outcome = self._work(provider, delivery)
                if outcome in (FAILED, UNAVAILABLE):
                    break  # one failed try counted per round, whichever handler failed
            if outcome in (FAILED, UNAVAILABLE):
                return True  # the failure is recorded (or the lease runs out): the timer retries
            with db.write(notify=False) as conn:
                if parking.release(conn, self.consumer, stream, held.seq):
                    log.info("parked stream flows again", extra=fields(stream=stream))
                    return True
        return True


class StreamEventHandler(Entrypoint):
    """The entrypoint ``@handles`` declares: one event type, delivered in stream order."""
    consumer = StreamConsumer()

    def __init__(self, contract: EventContract, **kwargs):
        self.contract = contract
        super().__init__(**kwargs)

    def setup(self):
        self.consumer.register_provider(self)

    def stop(self):
        self.consumer.unregister_provider(self)
