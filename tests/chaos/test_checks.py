"""The chaos suite's verdicts (chaos/checks.py) can fail: each is shown a database pair where
what it looks for happened."""

import json
import uuid

import pytest

from chaos.checks import Evidence, lost_and_duplicated
from shared.db import Database, events, inbox, kernel_metadata


@pytest.fixture
def evidence(tmp_path):
    urls = {name: f"sqlite:///{tmp_path / name}.db" for name in ("booking", "orders")}
    for url in urls.values():
        db = Database(url)
        kernel_metadata.create_all(db.engine)
        db.dispose()
    found = Evidence(urls)
    yield found
    found.close()


def record(db: Database, stream: str, version: int, event_type: str, data: dict) -> str:
    event_id = str(uuid.uuid4())
    with db.write() as conn:
        conn.execute(
            events.insert().values(
                event_id=event_id,
                stream_id=stream,
                stream_version=version,
                event_type=event_type,
                schema_version=1,
                recorded_at=0.0,
                envelope=json.dumps({"data": data}),
            )
        )
    return event_id


def handle(evidence: Evidence, event_ids: list[str]) -> None:
    with evidence.orders.write() as conn:
        for at, event_id in enumerate(event_ids):
            conn.execute(
                inbox.insert().values(handler="orders.on_booking", event_id=event_id, handled_at=float(at))
            )


def booking_stream(evidence: Evidence, booking_id: str) -> list[str]:
    stream = f"booking-{booking_id}"
    return [
        record(evidence.booking, stream, version, event_type, {"booking_id": booking_id})
        for version, event_type in enumerate(("BookingCreated", "BookingStarted", "BookingCompleted"), 1)
    ]


def test_a_stream_handled_in_append_order_is_in_order(evidence):
    created, started, completed = booking_stream(evidence, "b1")
    handle(evidence, [created, started, completed])

    assert evidence.out_of_order() == 0


def test_a_stream_whose_later_event_was_handled_first_is_out_of_order(evidence):
    created, started, completed = booking_stream(evidence, "b1")
    other = booking_stream(evidence, "b2")
    handle(evidence, [created, completed, *other, started])

    assert evidence.out_of_order() == 1


def test_an_accepted_booking_without_its_order_is_lost_and_one_with_two_is_duplicated(evidence):
    for booking_id in ("b1", "b2", "b3"):
        booking_stream(evidence, booking_id)
    for booking_id in ("b2", "b3", "b3", "ghost"):
        record(evidence.orders, f"order-{uuid.uuid4()}", 1, "OrderCreated", {"booking_id": booking_id})

    missing, duplicated = lost_and_duplicated(
        {"b1", "b2", "b3"}, evidence.booked(), evidence.orders_per_booking()
    )

    assert missing == {"b1"}
    assert duplicated == 2  # b3 twice, and an order of a booking booking never had
