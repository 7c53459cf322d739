"""What the services publish is exactly what their declared contracts say (analysts rely on it)."""
import json

import services.booking.contracts  # noqa: F401  (registers the booking contracts)
import services.gateway.contracts  # noqa: F401
import services.identity.contracts  # noqa: F401
import services.inventory.contracts  # noqa: F401
import services.members.contracts  # noqa: F401
import services.orders.contracts  # noqa: F401
from shared.contracts import lookup
from shared.testing import envelope_validator, poll_until
from tests.e2e.test_walking_skeleton import fresh_slot


def test_every_published_event_validates_against_its_declared_schema(api, published):
    booking = api.post("/api/v1/bookings", json=fresh_slot()).json()
    messages = poll_until(
        lambda: [m for m in published() if json.loads(m.body)["type"] == "OrderCreated"
                 and json.loads(m.body)["data"]["booking_id"] == booking["booking_id"]]
        and published(), what="OrderCreated of the new booking published")
    seen, validators = set(), {}
    for message in messages:
        event = json.loads(message.body)
        assert message.properties["content_type"] == "application/cloudevents+json"
        assert message.properties["message_id"] == event["id"]
        assert message.delivery_info["routing_key"] == event["type"]
        contract = (event["type"], event["schemaversion"])
        if contract not in validators:  # building one checks its schema: slow, once per contract
            validators[contract] = envelope_validator(lookup(*contract))
        validators[contract].validate(event)
        seen.add(event["type"])
    assert {"StoreOpened", "ServiceListed", "StaffHired", "BookingCreated", "SlotsHeld",
            "OrderCreated"} <= seen


def test_order_created_carries_the_booking_events_correlation_and_causation(api, published):
    booking = api.post("/api/v1/bookings", json=fresh_slot(),
                       headers={"X-Correlation-Id": "corr-e2e-1"}).json()

    def both():
        events = [json.loads(m.body) for m in published()]
        created = [e for e in events if e["type"] == "BookingCreated"
                   and e["data"]["booking_id"] == booking["booking_id"]]
        ordered = [e for e in events if e["type"] == "OrderCreated"
                   and e["data"]["booking_id"] == booking["booking_id"]]
        return created and ordered and (created[0], ordered[0])

    created, ordered = poll_until(both, what="both events published")
    assert created["correlationid"] == ordered["correlationid"] == "corr-e2e-1"
    assert ordered["causationid"] == created["id"]
    assert created["storeid"] == ordered["storeid"] == "paris-opera"
