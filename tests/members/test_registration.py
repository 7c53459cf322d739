"""Self-registration end to end inside members: identity's MemberSignedUp on the real broker
becomes exactly one MemberRegistered, published under its contract and readable by RPC."""
import json
import time
import uuid

import eventlet
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, func, select

from services.members.app import APP
from services.members.contracts import MemberRegistered
from services.members.tables import metadata as members_metadata
from shared.db import events, inbox, kernel_metadata
from shared.errors import NotFound
from shared.eventstore import EventStore
from shared.projections import checksum, rebuild
from shared.testing import envelope_validator, metric, poll_until
from tests.members.conftest import sign_up, signed_up_envelope

HANDLER = "members.on_member_signed_up"


def deliveries_handled() -> float:
    return metric("salon_entrypoint_calls_total", service="members",
                  entrypoint="on_member_signed_up", outcome="ok")


def count(db, table) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_migration_creates_the_read_model_exactly_as_the_service_defines_it(members_db_handle):
    expected = MetaData()
    for table in (*kernel_metadata.tables.values(), *members_metadata.tables.values()):
        table.to_metadata(expected)
    with members_db_handle.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), expected) == []


def test_sign_up_delivered_twice_registers_one_member_and_publishes_one_event(
        members, members_rpc, members_db_handle, published_members, publish_sign_up):
    data = sign_up()
    envelope = signed_up_envelope(data)
    before_handled = deliveries_handled()
    before_duplicates = metric("salon_duplicate_events_total", service="members", handler=HANDLER)

    publish_sign_up(envelope)
    publish_sign_up(envelope)  # the broker redelivering the very same event
    # The same member signed up again under a new event id (identity retrying): no second member.
    publish_sign_up(signed_up_envelope({**data, "name": "Someone Else"}))
    poll_until(lambda: deliveries_handled() - before_handled == 3, what="three deliveries handled")

    assert metric("salon_duplicate_events_total", service="members",
                  handler=HANDLER) - before_duplicates == 1
    assert count(members_db_handle, events) == 1
    assert count(members_db_handle, inbox) == 2  # both event ids claimed, one event recorded
    assert members_rpc.get_member(data["member_id"], wait_seconds=0)["name"] == "Camille Martin"
    [message] = published_members.wait_for(1)
    assert json.loads(message.body)["type"] == "MemberRegistered"
    assert published_members.drain()[1:] == []  # the store holds one event: nothing else can follow


def test_published_member_registered_matches_its_contract_and_carries_the_sign_up_lineage(
        members, published_members, publish_sign_up):
    data = sign_up(phone="+33 6 12 34 56 78")
    envelope = signed_up_envelope(data)

    publish_sign_up(envelope)
    [message] = published_members.wait_for(1)

    assert message.properties["content_type"] == "application/cloudevents+json"
    assert message.delivery_info["routing_key"] == "MemberRegistered"
    published = json.loads(message.body)
    envelope_validator(MemberRegistered).validate(published)  # raises on any mismatch
    assert published["source"] == "members"
    assert published["subject"] == f"member-{data['member_id']}"
    assert published["streamversion"] == 1
    assert published["causationid"] == envelope.id
    assert published["correlationid"] == envelope.correlationid
    assert published["data"] == {**{k: v for k, v in data.items() if k != "signed_up_at"},
                                 "registered_at": data["signed_up_at"], "source": "online", "store_id": None,
                                 "birthday": None, "preferences": [], "tags": [], "by": None}


def test_get_member_waits_for_a_member_whose_sign_up_is_still_on_its_way(
        members, members_rpc, members_db_handle, members_config, publish_sign_up):
    data = sign_up(phone="+33 6 12 34 56 78")
    with pytest.raises(NotFound):
        members_rpc.get_member(data["member_id"], wait_seconds=0)  # not there yet

    reply = members_rpc.get_member.call_async(data["member_id"], wait_seconds=20)
    # Publish only once the call is being served (nameko's table of running workers), so
    # the member really arrives while get_member waits for it.
    poll_until(lambda: any(ctx.entrypoint.method_name == "get_member"
                           for ctx in list(members._worker_threads)), what="get_member waiting")
    started = time.monotonic()
    publish_sign_up(signed_up_envelope(data))
    with eventlet.Timeout(20):
        member = reply.result()

    assert time.monotonic() - started < 10  # woken by the commit, not by its deadline
    assert member == {"member_id": data["member_id"], "account_id": data["account_id"],
                      "name": "Camille Martin", "email": "camille@example.com",
                      "phone": "+33 6 12 34 56 78",
                      "consents": {"terms": True, "marketing_email": True, "marketing_sms": False},
                      "registered_at": data["signed_up_at"], "source": "online", "registered_store": None,
                      "birthday": None, "preferences": [], "tags": [], "version": 1, "erased_at": None}
    # The read model is a projection: replaying the store gives the same rows.
    projection = APP.projection("members")
    with members_db_handle.read() as conn:
        live = checksum(conn, projection)
    assert rebuild(members_db_handle, EventStore("members"), projection) == 1
    with members_db_handle.read() as conn:
        assert checksum(conn, projection) == live


def test_get_member_of_an_unknown_member_is_not_found_after_a_bounded_wait(members_rpc, monkeypatch):
    monkeypatch.setenv("READ_YOUR_WRITES_TIMEOUT", "0.3")
    unknown = str(uuid.uuid4())

    started = time.monotonic()
    with pytest.raises(NotFound) as raised:
        members_rpc.get_member(unknown)
    waited = time.monotonic() - started

    assert raised.value.message == f"no member {unknown}"
    assert raised.value.details == {"member_id": unknown}
    assert 0.3 <= waited < 5
