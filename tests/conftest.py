"""Test setup: eventlet first (nameko needs it), then real RabbitMQ and a real database.

Every test gets its own RabbitMQ virtual host (nameko's ``rabbit_config`` fixture,
through the management API) and its own database: a SQLite file, or a fresh PostgreSQL
database when ``TEST_POSTGRES_URL`` is set (``make test-postgres``). A missing broker or
database is an error, never a skip.
"""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402

import pytest  # noqa: E402

from shared.testing import QueueTap, scratch_database  # noqa: E402

POSTGRES = os.environ.get("TEST_POSTGRES_URL")


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + POSTGRES if POSTGRES else 'SQLite'}"


@pytest.fixture
def db_url(tmp_path):
    with scratch_database(POSTGRES, tmp_path) as url:
        yield url


@pytest.fixture
def amqp_uri(rabbit_config):
    return rabbit_config["AMQP_URI"]


@pytest.fixture
def tap(amqp_uri):
    """``tap(exchange=...)`` / ``tap(queue=...)``: taps on the real broker, closed after the test."""
    opened = []

    def make(**kwargs):
        opened.append(QueueTap(amqp_uri, **kwargs))
        return opened[-1]

    yield make
    for queue_tap in opened:
        queue_tap.close()
