"""Every declared event type has a valid JSON Schema for analysts, written by `manage schemas`."""
import json

import jsonschema
import pytest

from shared.manage import write_schemas

PUBLISHED = {"StoreOpened", "ServiceListed", "StaffHired", "BookingCreated", "StaffSlotBooked",
             "OrderCreated", "AccountOpened", "AccountChanged", "PasswordChanged", "MemberSignedUp",
             "AuditRecorded", "MemberRegistered", "AuditRequested"}


def test_manage_schemas_writes_a_valid_json_schema_per_event_type_and_version(tmp_path):
    written = write_schemas(tmp_path)
    names = {path.name.split(".")[0] for path in written}
    assert PUBLISHED <= names
    for path in written:
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["schemaversion"]["const"] == int(path.name.split(".v")[1][0])


def test_schema_refuses_an_event_with_a_renamed_field(tmp_path):
    schema = json.loads(next(p for p in write_schemas(tmp_path)
                             if p.name.startswith("OrderCreated.v1")).read_text())
    event = {"specversion": "1.0", "id": "6c1f8a52-3a8e-4f38-9d0e-0b7c1a6f2e11", "source": "orders",
             "type": "OrderCreated", "time": "2026-11-23T10:00:00Z", "subject": "order-1",
             "datacontenttype": "application/json", "streamversion": 1, "schemaversion": 1,
             "data": {"order_id": "o", "store_id": "s", "customer_id": "c", "booking_id": None,
                      "status": "pending_payment", "lines": [],
                      "total": {"amount_minor": 100, "currency": "EUR"}}}
    jsonschema.validate(event, schema)
    event["data"]["amount"] = event["data"].pop("total")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(event, schema)


def test_an_optional_nested_field_may_be_null_in_the_published_schema(tmp_path):
    schema = json.loads(next(p for p in write_schemas(tmp_path)
                             if p.name.startswith("PaymentRequested.v1")).read_text())
    tender = schema["properties"]["data"]["properties"]["tenders"]["items"]
    validator = jsonschema.Draft202012Validator(tender)
    money = {"amount_minor": 100, "currency": "EUR"}
    assert validator.is_valid({"tender_id": "t", "kind": "cash", "amount": money, "tendered": None})
    assert validator.is_valid({"tender_id": "t", "kind": "cash", "amount": money, "tendered": money})
    assert not validator.is_valid({"tender_id": "t", "kind": "cash", "amount": money, "tendered": 5})
