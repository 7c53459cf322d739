"""The booking service's commands on a real database, migrated and seeded with the demo
chain's reference data, without a broker: what the rules and the guard do, not transport."""
from datetime import UTC, date, datetime, timedelta

import pytest

from services.booking import bookings
from services.booking.app import APP
from shared.db import Database
from shared.eventstore import EventStore
from shared.migrate import upgrade
from shared.uow import run_unit_of_work

STAFF_ACTOR = {"account_id": "acct-staff", "role": "staff"}
CUSTOMER_ACTOR = {"account_id": "acct-customer", "role": "customer"}


class Calendar:
    """One replica's view: its own engine on the shared database."""

    def __init__(self, url: str):
        self.db = Database(url)
        self.store = EventStore("booking")

    def run(self, work):
        result, _ = run_unit_of_work(self.db, self.store, APP.projections, work)
        return result

    def book(self, start: str, segments, actor=STAFF_ACTOR, store_id="paris-opera", now=None,
             customer_id="c-1", **extra) -> str:
        request = {"store_id": store_id, "start": start, "segments": segments, "customer_id": customer_id,
                   "customer_name": None, **extra}
        return self.run(lambda uow: bookings.create(uow, request, actor, now or datetime.now(UTC)))

    def facts(self, booking_id: str) -> dict:
        return self.run(lambda uow: bookings.current(uow, booking_id))[0]


@pytest.fixture
def calendar(db_url):
    upgrade(APP, db_url)
    first = Calendar(db_url)
    APP.seed(first.db, first.store, APP.projections)
    yield first
    first.db.dispose()


@pytest.fixture
def replica(calendar, db_url):
    second = Calendar(db_url)
    yield second
    second.db.dispose()


def next_weekday(weekday: int, weeks: int = 1) -> date:
    """A date ``weeks`` weeks ahead on ``weekday`` (0 = Monday), never today."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def cut(staff_id=None):
    return [{"service_id": "cut-and-blow-dry", "staff_id": staff_id}]
