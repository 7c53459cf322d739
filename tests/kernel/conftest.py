"""Kernel suite fixtures: toy databases and services, broker taps, a TCP proxy to cut the broker."""
import socket
import threading

import eventlet
import pytest
from sqlalchemy import func, select

from shared.config import nameko_config
from shared.db import Database, cursors, events
from shared.testing import scratch_database, through_port
from shared.testing import start_service as start_container
from tests.conftest import POSTGRES
from tests.kernel import toy

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def bank_db(db_url):
    """The toybank database (SQLite file or PostgreSQL database), schema created."""
    toy.create_schema(db_url)
    return db_url


@pytest.fixture
def audit_db(tmp_path):
    """A second database of the same kind, for toyaudit."""
    with scratch_database(POSTGRES, tmp_path) as url:
        toy.create_schema(url)
        yield url


@pytest.fixture
def open_db():
    """``open_db(url)``: a kernel Database, disposed after the test."""
    opened = []

    def make(url):
        opened.append(Database(url))
        return opened[-1]

    yield make
    for db in opened:
        db.dispose()


@pytest.fixture
def kernel_config(amqp_uri):
    """``kernel_config(DATABASE_URL=..., ...)``: container config of a toy service."""
    def make(**overrides):
        return {**nameko_config("toy"), "AMQP_URI": amqp_uri, "METRICS_PORT": 0,
                "HANDLER_BACKOFF": "0.01", **overrides}
    return make


@pytest.fixture
def start_service(db_url, amqp_uri, runner_factory):
    """``start_service(cls, config)``: a running container, killed before the databases go."""
    def start(service_cls, config):
        return start_container(runner_factory, config, service_cls)
    return start


@pytest.fixture
def jitter():
    """toyaudit's handlers take a random time up to ``jitter(seconds)`` (reset afterwards)."""
    yield lambda seconds: toy.JITTER.update(seconds=seconds)
    toy.JITTER.update(seconds=0.0)


@pytest.fixture
def failing_accounts():
    """toyaudit's handler raises for the accounts put in this set (emptied afterwards)."""
    yield toy.FAILING
    toy.FAILING.clear()


def relay_position(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(cursors.c.position).where(cursors.c.name == "relay")).scalar() or 0


def event_count(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar()


class TcpProxy:
    """A TCP forwarder to the real RabbitMQ on an ephemeral port of 127.0.0.1.

    ``cut()`` closes the listening socket and every connection (the broker looks down to
    whoever connects through it); ``restore()`` listens on the same port again;
    ``hold_replies()`` keeps forwarding client bytes to the broker but holds back the
    broker's bytes (publisher confirms among them) until ``release_replies()``.
    """

    def __init__(self, target=("127.0.0.1", 5672)):
        self.target = target
        self.port = 0
        self._listener = None
        self._threads: set = set()
        self._sockets: set = set()
        self._flowing = threading.Event()
        self._flowing.set()
        self.restore()

    def uri(self, amqp_uri: str) -> str:
        """``amqp_uri`` (same credentials and vhost) through this proxy."""
        return through_port(amqp_uri, self.port)

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._threads.add(eventlet.spawn(self._accept, listener))

    def cut(self) -> None:
        for thread in list(self._threads):
            thread.kill()
        self._threads.clear()
        for sock in [self._listener, *self._sockets]:
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._listener = None
        self._sockets.clear()

    def hold_replies(self) -> None:
        self._flowing.clear()

    def release_replies(self) -> None:
        self._flowing.set()

    def _accept(self, listener) -> None:
        while True:
            client, _ = listener.accept()
            upstream = socket.create_connection(self.target)
            self._sockets |= {client, upstream}
            self._threads.add(eventlet.spawn(self._pump, client, upstream, False))
            self._threads.add(eventlet.spawn(self._pump, upstream, client, True))

    def _pump(self, source, sink, replies: bool) -> None:
        try:
            while data := source.recv(65536):
                if replies:
                    self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def proxy():
    broker_proxy = TcpProxy()
    yield broker_proxy
    broker_proxy.release_replies()
    broker_proxy.cut()
