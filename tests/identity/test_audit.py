"""The audit trail: the gateway's audit requests (events) recorded once each, invalid ones
parked for good with their reason, and the log's filters and keyset pages with an opaque cursor."""
import base64
import json

import pytest
from sqlalchemy import func, select

from shared.db import inbox
from shared.errors import InvalidInput
from shared.testing import metric, poll_until

from .conftest import audit_requested, requested

HANDLER = "identity.on_audit_requested"


def entry(**overrides) -> dict:
    return {"actor_id": "acct-1", "username": "amelie", "role": "staff", "store_id": "paris-opera",
            "operation": "booking.create", "target_id": "b-1", "outcome": "success", "status": 201,
            "client_address": "203.0.113.9", "correlation_id": "corr-1", **overrides}


def counters() -> dict:
    return {name: metric(f"salon_{name}_total", service="identity", handler=HANDLER)
            for name in ("handler_failures", "dead_letters", "duplicate_events")}


def test_a_requested_entry_is_recorded_under_the_gateways_audit_id_and_published(
        rpc, publish_audit, published):
    data = requested(**entry())
    request = audit_requested(data)
    publish_audit(request)

    [item] = poll_until(lambda: rpc.audit_log()["items"], what="the record in the log")
    assert item == data
    [message] = published.wait_for(1)
    recorded = json.loads(message.body)
    assert (recorded["type"], recorded["subject"]) == ("AuditRecorded", f"audit-{data['audit_id']}")
    assert recorded["data"] == data
    assert recorded["storeid"] == "paris-opera"
    assert (recorded["correlationid"], recorded["causationid"]) == (request.correlationid, request.id)


def test_a_given_time_is_kept_in_utc(rpc, record_audit):
    record_audit(**entry(at="2026-11-23T11:00:00+01:00"))
    assert rpc.audit_log()["items"][0]["at"] == "2026-11-23T10:00:00.000000Z"


@pytest.mark.parametrize("bad, field, refused_by", [
    # Not an AuditRequested at all: the kernel dead-letters it without a try.
    (entry(outcome="maybe"), "outcome", "ContractError"),
    ({k: v for k, v in entry().items() if k != "operation"}, "operation", "ContractError"),
    (entry(colour="blue"), "colour", "ContractError"),
    # Valid as an event, but no audit_log column would take them (PostgreSQL refuses these).
    (entry(at="yesterday"), "at", "InvalidInput"),
    (entry(correlation_id="corr\x00-1"), "correlation_id", "InvalidInput"),
    (entry(target_id="t" * 201), "target_id", "InvalidInput"),
    (entry(client_address="a" * 101), "client_address", "InvalidInput"),
    (entry(username="\ud800"), "username", "InvalidInput"),
    (entry(status=10 ** 12), "status", "InvalidInput"),
    (entry(at="0001-01-01T00:00:00+14:00"), "at", "InvalidInput"),
])
def test_an_invalid_entry_is_dead_lettered_with_the_reason_and_records_nothing(
        rpc, publish_audit, dead_letters, identity_config, bad, field, refused_by):
    request = audit_requested(requested(**bad))
    publish_audit(request)

    [letter] = poll_until(dead_letters, what="the entry given up on")
    assert json.loads(letter["body"]) == request.to_dict()
    assert letter["handler"] == HANDLER
    assert letter["error_type"] == refused_by
    assert f"'{field}'" in letter["error"]
    attempts = int(identity_config["HANDLER_ATTEMPTS"]) if refused_by == "InvalidInput" else 0
    assert letter["attempts"] == attempts
    assert rpc.audit_log()["total"] == 0


def test_the_same_request_delivered_twice_or_re_sent_leaves_one_record(
        rpc, publish_audit, database, store, dead_letters):
    before = counters()
    data = requested(**entry())
    first = audit_requested(data)
    publish_audit(first)
    poll_until(lambda: rpc.audit_log()["total"] == 1, what="the first delivery recorded")

    publish_audit(first)  # redelivered: same event id
    poll_until(lambda: counters()["duplicate_events"] - before["duplicate_events"] == 1,
               what="the redelivery seen as a duplicate")
    again = audit_requested(data)  # re-sent by the gateway: a new event id, the same audit id
    assert again.id != first.id
    publish_audit(again)

    def handled():
        with database.read() as conn:
            return conn.execute(select(func.count()).select_from(inbox)
                                .where(inbox.c.handler == HANDLER)).scalar()
    poll_until(lambda: handled() == 2, what="the re-sent copy handled")

    assert [item["audit_id"] for item in rpc.audit_log()["items"]] == [data["audit_id"]]
    with database.read() as conn:
        [recorded] = store.read_stream(conn, f"audit-{data['audit_id']}")
    assert recorded.causationid == first.id
    assert {name: value - before[name] for name, value in counters().items()} == {
        "handler_failures": 0, "dead_letters": 0, "duplicate_events": 1}
    assert dead_letters() == []


def test_audit_log_filters_by_store_actor_username_operation_and_time(rpc, record_audit):
    plan = [("2026-11-01T09:00:00Z", "paris-opera", "acct-1", "amelie", "booking.create"),
            ("2026-11-02T09:00:00Z", "lyon", "acct-2", "hugo", "booking.create"),
            ("2026-11-03T09:00:00Z", "paris-opera", "acct-2", "hugo", "account.update"),
            ("2026-11-04T09:00:00Z", None, "acct-3", "hq", "account.create")]
    for at, store_id, actor_id, username, operation in plan:
        record_audit(**entry(at=at, store_id=store_id, actor_id=actor_id, username=username,
                             operation=operation))

    def days(**filters):
        page = rpc.audit_log(**filters)
        assert page["total"] == len(page["items"])
        return [item["at"][8:10] for item in page["items"]]

    assert days() == ["04", "03", "02", "01"]
    assert days(store_id="paris-opera") == ["03", "01"]
    assert days(actor_id="acct-2") == ["03", "02"]
    assert days(username="hugo", operation="booking.create") == ["02"]
    assert days(operation="account.create") == ["04"]
    assert days(since="2026-11-02T09:00:00Z", until="2026-11-04T09:00:00Z") == ["03", "02"]
    assert days(since="2026-11-02T10:00:00+01:00") == ["04", "03", "02"]
    with pytest.raises(InvalidInput) as refused:
        rpc.audit_log(since="last week")
    assert "since" in refused.value.details


def test_audit_log_pages_newest_first_with_a_cursor(rpc, record_audit):
    for day in range(1, 8):
        record_audit(**entry(at=f"2026-11-0{day}T09:00:00Z"))
    # Two records at the very same instant: the audit id breaks the tie, none is lost.
    record_audit(**entry(at="2026-11-04T09:00:00Z", target_id="twin"))

    seen, cursor, pages = [], None, 0
    while True:
        page = rpc.audit_log(limit=3, cursor=cursor)
        pages += 1
        assert page["total"] == 8
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len({item["audit_id"] for item in seen}) == 8
    assert [(i["at"], i["audit_id"]) for i in seen] == sorted(
        ((i["at"], i["audit_id"]) for i in seen), reverse=True)
    assert [i["at"][8:10] for i in seen] == ["07", "06", "05", "04", "04", "03", "02", "01"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10", "WyJ4IiwgInkiXQ"])
def test_a_bad_cursor_is_invalid_input(rpc, cursor):
    with pytest.raises(InvalidInput) as refused:
        rpc.audit_log(cursor=cursor)
    assert refused.value.message == "cursor is not valid"
    assert list(refused.value.details) == ["cursor"]


def test_an_entry_filling_its_columns_exactly_is_kept(rpc, record_audit):
    full = entry(target_id="t" * 200, client_address="a" * 100, correlation_id="c" * 100,
                 username="u" * 200, store_id="s" * 64, role="r" * 30, status="201")
    data = record_audit(**full)
    [item] = rpc.audit_log()["items"]
    assert item == {**data, "status": 201}


@pytest.mark.parametrize("field, value", [
    ("since", "0001-01-01T00:00:00+14:00"),
    ("until", "9999-12-31T23:59:59-14:00"),
])
def test_an_instant_outside_the_calendar_is_invalid_input(rpc, field, value):
    with pytest.raises(InvalidInput) as refused:
        rpc.audit_log(**{field: value})
    assert list(refused.value.details) == [field]


def test_a_cursor_outside_the_calendar_or_nested_deep_is_invalid_input(rpc):
    for payload in (b'["0001-01-01T00:00:00+14:00", "x"]', b"[" * 100000):
        cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        with pytest.raises(InvalidInput) as refused:
            rpc.audit_log(cursor=cursor)
        assert list(refused.value.details) == ["cursor"]
