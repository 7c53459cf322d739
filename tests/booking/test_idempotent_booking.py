"""create_booking with an idempotency key: a retry gets the first booking and books nothing."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import func, select

from services.booking.app import APP
from services.booking.service import BookingService
from shared.db import Database, events
from shared.errors import Unprocessable
from shared.eventstore import EventStore
from shared.kernel import Kernel, KernelAccess
from shared.migrate import upgrade


@pytest.fixture
def booking(db_url):
    """The booking service's methods on a migrated, seeded database, without a broker."""
    upgrade(APP, db_url)
    kernel = Kernel(APP)
    kernel.db, kernel.store, kernel.service_name = Database(db_url), EventStore("booking"), "booking"
    APP.seed(kernel.db, kernel.store, APP.projections)
    worker = SimpleNamespace(data={}, call_id="booking.create_booking.test")
    yield worker_factory(BookingService, kernel=KernelAccess(kernel, worker))
    kernel.db.dispose()


def next_tuesday_10h() -> str:
    today = datetime.now(UTC).date()
    day = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    return f"{day.isoformat()}T10:00:00"  # store-local


def count_events(service) -> int:
    with service.kernel.read() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar()


def test_a_retried_booking_returns_the_first_booking_and_books_once(booking):
    args = dict(store_id="paris-opera", service_id="cut-and-blow-dry", staff_id="amelie",
                customer_id="c-1", start=next_tuesday_10h())
    before = count_events(booking)

    first = booking.create_booking(**args, idempotency_key="acct-1:k1")
    again = booking.create_booking(**args, idempotency_key="acct-1:k1")

    assert again == first
    assert count_events(booking) == before + 2  # one StaffSlotBooked, one BookingCreated
    with pytest.raises(Unprocessable) as refused:
        booking.create_booking(**{**args, "customer_id": "c-2"}, idempotency_key="acct-1:k1")
    assert "idempotency_key" in refused.value.details
    assert count_events(booking) == before + 2
