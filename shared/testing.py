"""Test helpers every service's tests use: bounded waits, throwaway databases, a tap on
the real broker, metric readings and contract validation of what was actually published."""
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

T = TypeVar("T")


class ConditionNotMet(AssertionError):
    pass


def poll_until(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.02,
               what: str = "condition") -> T:
    """Return ``check()`` as soon as it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise ConditionNotMet(f"{what} not met within {timeout}s (last: {last!r})")


@contextmanager
def scratch_database(server_url: str | None, sqlite_dir) -> Iterator[str]:
    """A new empty database: a PostgreSQL database on ``server_url``, else a SQLite file."""
    if not server_url:
        yield f"sqlite:///{sqlite_dir}/{uuid.uuid4().hex[:8]}.db"
        return
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server_url).set(drivername="postgresql+pg8000"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()  # no pooled connection kept: the server may restart meanwhile (make chaos)
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def through_port(amqp_uri: str, port: int) -> str:
    """``amqp_uri`` (same credentials and vhost) to 127.0.0.1:``port``: a proxy in front of
    the broker."""
    scheme, rest = amqp_uri.split("://", 1)
    credentials, hostpart = rest.rsplit("@", 1)
    vhost = hostpart.split("/", 1)[1] if "/" in hostpart else ""
    return f"{scheme}://{credentials}@127.0.0.1:{port}/{vhost}"


def metric(name: str, **labels) -> float:
    """The current value of one Prometheus sample of this process (0 if never touched)."""
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


class QueueTap:
    """The test's own consumer on the real broker.

    ``QueueTap(uri, exchange="orders.events")`` binds a private queue to a service's event
    exchange (declared the way the relay and nameko declare it); ``QueueTap(uri,
    queue="orders.dead-letters")`` reads an existing durable queue. ``wait_for(n)`` returns
    the first ``n`` messages (py-amqp ``Message``: ``.body``, ``.properties``, ``.headers``).
    """

    def __init__(self, amqp_uri: str, exchange: str | None = None, routing_key: str = "#",
                 queue: str | None = None):
        import amqp

        from shared.amqp import connection_params

        self._conn = amqp.Connection(**connection_params(amqp_uri))
        self._conn.connect()
        self._channel = self._conn.channel()
        if exchange is not None:
            self._channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
            self.queue = self._channel.queue_declare("", exclusive=True).queue
            self._channel.queue_bind(self.queue, exchange, routing_key)
        else:
            self.queue = queue
            self._channel.queue_declare(queue, durable=True, auto_delete=False)
        self.messages: list = []

    def drain(self) -> list:
        """Everything delivered so far (acked as it is taken off the queue)."""
        while (message := self._channel.basic_get(self.queue, no_ack=True)) is not None:
            self.messages.append(message)
        return self.messages

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        poll_until(lambda: len(self.drain()) >= count, timeout=timeout,
                   what=f"{count} message(s) on {self.queue}")
        return self.messages[:count]

    def bodies(self) -> list[dict]:
        return [json.loads(message.body) for message in self.drain()]

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:  # the test is over; a broken connection must not mask its result
            pass


def publish_raw(amqp_uri: str, exchange: str, routing_key: str, body: str | bytes,
                content_type: str = "application/cloudevents+json", stream: str | None = None,
                **properties) -> None:
    """Put one message on the broker exactly as given (for duplicate and poison deliveries).

    Like the relay, it puts the stream id in the header consumers partition by: ``stream``,
    else the body's ``subject`` when the body has one."""
    publish_all(amqp_uri, exchange, [(routing_key, body)], content_type, stream, **properties)


def publish_all(amqp_uri: str, exchange: str, messages: list[tuple[str, str | bytes]],
                content_type: str = "application/cloudevents+json", stream: str | None = None,
                **properties) -> None:
    """``publish_raw`` for many (routing key, body) pairs on one connection, back to back."""
    import amqp

    from shared.amqp import connection_params
    from shared.delivery import STREAM_HEADER

    with amqp.Connection(**connection_params(amqp_uri)) as conn:
        channel = conn.channel()
        channel.confirm_select()
        for routing_key, body in messages:
            key = stream
            if key is None:
                try:
                    key = json.loads(body).get("subject")
                except (ValueError, AttributeError, TypeError):
                    key = None
            headers = {STREAM_HEADER: key} if isinstance(key, str) else {}
            channel.basic_publish(amqp.Message(body, content_type=content_type,
                                               application_headers=headers, **properties),
                                  exchange=exchange, routing_key=routing_key)


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_rfc3339(value) -> bool:
    if not isinstance(value, str):
        return True  # formats only constrain strings; "type" catches the rest
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def envelope_validator(contract):
    """A JSON Schema validator of published envelopes of ``contract``, checking formats.

    jsonschema only checks ``date-time`` when an optional package is installed; this
    checker does it itself (RFC 3339), and checks ``uuid``, ``date`` and ``email`` as usual.
    """
    from jsonschema import Draft202012Validator, FormatChecker

    from shared.contracts import json_schema

    checker = FormatChecker()
    checker.checks("date-time")(_is_rfc3339)
    schema = json_schema(contract)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=checker)


def service_config(name: str, amqp_uri: str, database_url: str, **extra) -> dict:
    """The nameko config a service's own tests run it with: the test's virtual host, the
    test's database, no metrics port (several containers share one test process)."""
    from shared.config import nameko_config

    return {**nameko_config(name), "AMQP_URI": amqp_uri, "DATABASE_URL": database_url,
            "METRICS_PORT": 0, **extra}


def start_service(runner_factory, config: dict, service_class):
    """Start one service under nameko's ``runner_factory`` (which kills it after the test)."""
    runner = runner_factory(config, service_class)
    runner.start()
    return next(iter(runner.containers))


def race(calls: list[Callable[[], object]]) -> list[str]:
    """Run every call at once (green threads); each ends "won" or as the name of the refusal
    it got (``Conflict``, ``Unprocessable``, ``Forbidden``): what a test of "only once" counts."""
    import eventlet

    from shared.errors import Conflict, Forbidden, Unprocessable

    def attempt(call):
        try:
            call()
        except (Conflict, Unprocessable, Forbidden) as refused:
            return type(refused).__name__
        return "won"
    return list(eventlet.GreenPool(len(calls)).imap(attempt, calls))
