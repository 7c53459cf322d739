"""Test helpers every service's tests use: bounded waits and throwaway databases."""
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
