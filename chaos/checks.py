"""What the chaos suite shares with tests/e2e/test_replicas.py: the demo store's slots its
clients book, and the checks of what the services' own databases say happened to the
bookings a load had accepted.

- lost: an accepted booking without its order, or missing from booking's store;
- duplicated: a booking with two orders, or an order without a booking;
- out of order: a booking stream whose events orders handled in other than append order.
"""
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta


def demo_slots() -> Iterator[tuple[str, str]]:
    """Distinct (staff, local start) slots of the demo store, from two days on."""
    day = date.today() + timedelta(days=2)
    while True:
        if day.weekday() != 6:  # the demo store is closed on Sundays
            for hour in range(9, 18):
                for staff in ("amelie", "hugo"):
                    if staff == "amelie" and hour == 13:  # her lunch break (seed.py)
                        continue
                    yield staff, f"{day.isoformat()}T{hour:02d}:00:00"
        day += timedelta(days=1)


class Evidence:
    """What the services' own databases say happened."""

    def __init__(self, urls: dict[str, str]):
        from shared.db import Database

        self.booking = Database(urls["booking"])
        self.orders = Database(urls["orders"])

    def booked(self) -> set[str]:
        from shared.db import events

        with self.booking.read() as conn:
            rows = conn.execute(events.select().with_only_columns(events.c.stream_id)
                                .where(events.c.event_type == "BookingCreated")).scalars().all()
        return {stream.removeprefix("booking-") for stream in rows}

    def orders_per_booking(self) -> Counter:
        from shared.db import events

        with self.orders.read() as conn:
            rows = conn.execute(events.select().with_only_columns(events.c.envelope)
                                .where(events.c.event_type == "OrderCreated")).scalars().all()
        return Counter(json.loads(row)["data"]["booking_id"] for row in rows)

    def out_of_order(self) -> int:
        """Booking streams whose events orders handled in other than append order."""
        from sqlalchemy import select

        from shared.db import events, inbox

        with self.orders.read() as conn:
            handled = conn.execute(inbox.select().order_by(inbox.c.handled_at)).all()
        with self.booking.read() as conn:
            version = {row.event_id: (row.stream_id, row.stream_version) for row in conn.execute(
                select(events.c.event_id, events.c.stream_id, events.c.stream_version))}
        last: dict[str, int] = {}
        broken = set()
        for row in handled:
            stream, seen = version.get(row.event_id, (None, None))
            if stream is None:
                continue
            if seen <= last.get(stream, 0):
                broken.add(stream)
            last[stream] = seen
        return len(broken)

    def parked(self) -> list[dict]:
        from shared import parking

        with self.orders.read() as conn:
            return parking.overview(conn, "orders")["streams"]

    def close(self) -> None:
        self.booking.dispose()
        self.orders.dispose()


def lost_and_duplicated(expected: set[str], booked: set[str], orders: Counter) -> tuple[set[str], int]:
    """The bookings of ``expected`` lost (not in booking's store, or without an order), and how
    many bookings have two orders or an order and no booking."""
    missing = {b for b in expected if b not in booked or orders.get(b, 0) == 0}
    duplicated = sum(1 for n in orders.values() if n > 1) + sum(1 for b in orders if b not in booked)
    return missing, duplicated


def settle(evidence: Evidence, expected: Callable[[], set[str]], limit: float) -> tuple[int, int]:
    """Wait (at most ``limit`` seconds) until every booking of ``expected()`` has its order;
    (lost, duplicated)."""
    deadline = time.monotonic() + limit
    while True:
        wanted = expected()
        orders = evidence.orders_per_booking()  # first: every order read has its booking by then
        booked = evidence.booked()
        missing, duplicated = lost_and_duplicated(wanted, booked, orders)
        if not missing or time.monotonic() > deadline:
            return len(missing), duplicated
        time.sleep(0.5)
