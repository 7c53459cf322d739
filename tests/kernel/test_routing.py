"""Events go to the `<service>.events` topic exchange keyed by their type; plain nameko handlers get them."""
import json

from nameko.events import event_handler
from nameko.testing.services import entrypoint_hook

from shared.testing import poll_until
from tests.kernel import toy

RECEIVED: list = []


class PlainListener:
    """A plain nameko service: no kernel, just nameko's own event handler."""
    name = "plainlistener"

    @event_handler("toybank", "Deposited")
    def on_deposited(self, payload):
        RECEIVED.append(payload)


def test_event_goes_to_the_service_topic_exchange_with_its_type_as_routing_key(
        bank_db, kernel_config, start_service, tap):
    by_type = tap(exchange="toybank.events", routing_key="Deposited")
    other_type = tap(exchange="toybank.events", routing_key="Withdrawn")
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db))

    with entrypoint_hook(bank, "deposit") as deposit:
        deposit("alice", 30)
    message = by_type.wait_for(1)[0]

    body = json.loads(message.body)
    assert message.delivery_info["exchange"] == "toybank.events"
    assert message.delivery_info["routing_key"] == body["type"] == "Deposited"
    assert message.properties["message_id"] == body["id"]
    assert message.properties["delivery_mode"] == 2
    assert other_type.drain() == []  # bound before the publish: it would have its copy by now


def test_plain_nameko_event_handler_receives_the_event(bank_db, kernel_config, start_service):
    RECEIVED.clear()
    start_service(PlainListener, kernel_config())
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db))

    with entrypoint_hook(bank, "deposit") as deposit:
        deposit("alice", 30)

    payload = poll_until(lambda: RECEIVED and RECEIVED[0], what="plain handler called")
    assert (payload["type"], payload["source"], payload["data"]["amount"]) == ("Deposited", "toybank", 30)
