"""A RabbitMQ publisher with pipelined publisher confirms.

``publish_batch`` sends a whole batch and then waits once for the broker's acks (which
may cover many deliveries at a time), instead of blocking on a confirm per message.
It raises ``PublishError`` unless every message of the batch was confirmed, so a caller
that moves a cursor after it never moves past an unconfirmed message.
"""
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

import amqp

CONNECT_TIMEOUT = 5.0
CONFIRM_TIMEOUT = 10.0


class PublishError(Exception):
    """The broker refused, lost or did not confirm a batch in time."""


@dataclass(frozen=True)
class OutgoingMessage:
    exchange: str
    routing_key: str
    body: str
    properties: dict = field(default_factory=dict)


def connection_params(uri: str) -> dict:
    parsed = urlparse(uri)
    vhost = unquote(parsed.path[1:]) if parsed.path not in ("", "/") else "/"
    return {
        "host": f"{parsed.hostname or '127.0.0.1'}:{parsed.port or 5672}",
        "userid": unquote(parsed.username or "guest"),
        "password": unquote(parsed.password or "guest"),
        "virtual_host": vhost,
    }


class ConfirmedPublisher:
    def __init__(self, uri: str, declare_exchanges: tuple[str, ...] = (),
                 declare_queues: tuple[str, ...] = ()):
        self.uri = uri
        self._exchanges = declare_exchanges
        self._queues = declare_queues
        self._conn: amqp.Connection | None = None
        self._channel = None
        self._next_tag = 1
        self._acked_upto = 0
        self._nacked = False
        self._lock = threading.Lock()

    def _connect(self) -> None:
        conn = amqp.Connection(connect_timeout=CONNECT_TIMEOUT, heartbeat=0,
                               **connection_params(self.uri))
        # Without this py-amqp polls the socket (drain_events(timeout=0), a timed-out read
        # under eventlet) before every basic_publish, to notice connection.blocked. A batch
        # drains the socket for its confirms anyway, and a blocked broker shows up as a
        # confirm timeout (PublishError: the relay backs off and retries).
        conn.negotiate_capabilities = {**conn.negotiate_capabilities, "connection.blocked": False}
        try:
            conn.connect()
            channel = conn.channel()
            for name in self._exchanges:
                # The same declaration nameko makes for "<service>.events", so both agree.
                channel.exchange_declare(name, "topic", durable=True, auto_delete=False)
            for name in self._queues:
                channel.queue_declare(name, durable=True, auto_delete=False)
            channel.confirm_select()
        except BaseException:
            self._discard(conn)  # a half set-up connection must not stay open
            raise
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._conn, self._channel = conn, channel
        self._next_tag, self._acked_upto, self._nacked = 1, 0, False

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        # Acks of one channel arrive in order; the batch only needs the highest tag.
        self._acked_upto = max(self._acked_upto, delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._nacked = True

    def publish_batch(self, messages: list[OutgoingMessage], timeout: float = CONFIRM_TIMEOUT) -> None:
        if not messages:
            return
        with self._lock:  # one batch at a time: a worker pool may share this publisher
            try:
                if self._conn is None:
                    self._connect()
                channel = self._channel
                for msg in messages:
                    channel.basic_publish(amqp.Message(msg.body, **msg.properties),
                                          exchange=msg.exchange, routing_key=msg.routing_key)
                last = self._next_tag + len(messages) - 1
                self._next_tag = last + 1
                deadline = time.monotonic() + timeout
                while self._acked_upto < last and not self._nacked:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise PublishError(f"no confirm within {timeout}s")
                    self._conn.drain_events(timeout=remaining)
                if self._nacked:
                    raise PublishError("the broker nacked a message")
            except PublishError:
                self.close()
                raise
            except (TimeoutError, OSError, amqp.exceptions.AMQPError) as exc:
                self.close()
                raise PublishError(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            self._discard(conn)

    @staticmethod
    def _discard(conn: amqp.Connection) -> None:
        try:
            conn.collect()
        except Exception:  # closing a broken connection must not mask the real error
            pass


@contextmanager
def short_channel(uri: str, timeout: float = CONNECT_TIMEOUT):
    """A channel on a connection of its own, opened within ``timeout`` and closed after: for
    one check or one declaration, never for traffic."""
    conn = amqp.Connection(connect_timeout=timeout, heartbeat=0, **connection_params(uri))
    try:
        conn.connect()
        yield conn.channel()
    finally:
        try:
            conn.collect()
        except Exception:  # the connection may never have opened
            pass


def broker_answers(uri: str, timeout: float, exchange_type: str | None = None) -> str | None:
    """None if the broker accepts a connection within ``timeout`` (and, if given, can make an
    exchange of ``exchange_type``: a plugin's), else why not."""
    try:
        with short_channel(uri, timeout) as channel:
            if exchange_type is not None:
                channel.exchange_declare(f"salon.check.{exchange_type}", exchange_type,
                                         durable=False, auto_delete=True)
                channel.exchange_delete(f"salon.check.{exchange_type}")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
