"""Store and customer scoping, proved over every operation the OpenAPI document lists.

The walk reads the live document, so an endpoint added later is covered without touching
this file, unless it takes a parameter or body this file cannot fill: then the test fails
and says which one to add to TARGETS or BODIES.
"""
import json
import uuid

import pytest

from tests.e2e.test_walking_skeleton import assert_problem, fresh_slot

STORE_A, STORE_B = "paris-opera", "lyon-bellecour"
PROBLEM_KEYS = {"type", "title", "status", "detail", "correlation_id", "errors", "retry_after"}
# Operations anyone may call, each here on purpose: logging in and registering, and what a
# customer browses before logging in (stores, the catalogue, availability and stylists by
# display name), which holds nothing private; and the payment provider's callback, which
# carries no token but a signature over its body.
PUBLIC = {"issue_token", "refresh_token", "register_member", "list_stores", "get_store", "list_services",
          "get_service", "availability", "list_staff", "provider_callback", "points_rules",
          "stored_value_rules", "tier_rules", "list_packages", "get_package"}


@pytest.fixture
def store_a(api, make_user, make_customer):
    """Store A's world: a customer, their booking, and the store's manager."""
    customer = make_customer()
    booking = customer.post("/api/v1/bookings", json={**fresh_slot(), "customer_id": customer.member_id})
    assert booking.status_code == 201, booking.text
    slot = fresh_slot()
    hold = customer.post("/api/v1/holds", json={
        "store_id": slot["store_id"], "start": slot["start"],
        "segments": [{"service_id": slot["service_id"], "staff_id": slot["staff_id"]}]})
    assert hold.status_code == 201, hold.text
    waiting = customer.post("/api/v1/waitlist", json={
        "store_id": slot["store_id"], "segments": [{"service_id": slot["service_id"]}],
        "first_day": slot["start"][:10], "last_day": slot["start"][:10]})
    assert waiting.status_code == 201, waiting.text
    manager = make_user(("store_manager", STORE_A))
    orders = customer.get("/api/v1/orders", params={"booking_id": booking.json()["booking_id"]})
    assert orders.status_code == 200 and orders.json()["total"] == 1, orders.text
    return {"customer": customer, "booking": booking.json(), "manager": manager, "hold": hold.json(),
            "entry": waiting.json(), "order": orders.json()["items"][0]}


@pytest.fixture
def outsiders(make_user, make_customer):
    return {"manager of another store": make_user(("store_manager", STORE_B)),
            "staff of another store": make_user(("staff", STORE_B)),
            "another customer": make_customer()}


BOOKS = {"create_booking", "place_hold", "create_series", "join_waitlist", "reschedule_booking"}
UNUSED_SLOT = {"store_id": STORE_A, "service_id": "cut-and-blow-dry", "staff_id": "hugo"}


def request_for(operation: dict, path: str, world: dict) -> dict:
    booking, customer, manager = world["booking"], world["customer"], world["manager"]
    targets = {"booking_id": booking["booking_id"], "member_id": customer.member_id,
               "account_id": manager.account["account_id"], "store_id": STORE_A, "staff_id": "amelie",
               "resource_id": f"{STORE_A}-basin", "service_id": "cut-and-blow-dry",
               "hold_id": world["hold"]["hold_id"], "entry_id": world["entry"]["entry_id"],
               "date": booking["local_date"], "order_id": world["order"]["order_id"],
               "request_id": "an-after-sales-request", "campaign_id": "a-campaign",
               "segment_id": "a-segment", "job_id": "a-job", "q": "Ca",
               "complaint_id": "a-complaint", "package_id": "a-package",
               "product_id": "demo-shampoo-250", "transfer_id": "a-transfer",
               "supplier_id": "a-supplier", "purchase_order_id": "a-purchase-order",
               "stocktake_id": "a-stocktake", "from": "2026-01-01", "to": "2026-01-31"}
    # Only the operations that book take a slot of their own: each fresh slot is a later one,
    # and the walk must stay inside the store's booking horizon.
    books = operation.get("operationId") in BOOKS
    slot = fresh_slot() if books else {**UNUSED_SLOT, "start": "2030-01-07T10:00:00"}
    settings = {"name": "Walk", "phone": "+33 1 00", "currency": "EUR", "timezone": "Europe/Paris",
                "hours": {},
                "address": {"line1": "1 rue", "city": "Paris", "country": "FR"}}
    bodies = {
        "create_booking": {**slot, "customer_id": customer.member_id},
        "place_hold": {"store_id": STORE_A, "start": slot["start"], "customer_id": customer.member_id,
                       "segments": [{"service_id": slot["service_id"]}]},
        "open_store": settings, "update_store": {"phone": "+33 1 99"},
        "close_store": {"reason": "walk"}, "reopen_store": {"reason": "walk"},
        "hire_staff": {"name": "Walk Er", "display_name": "Walk", "level": "senior", "skills": [],
                       "shifts": {}},
        "update_staff": {"display_name": "Renamed"},
        "add_resource": {"kind": "chair", "name": "Chair", "units": 1}, "update_resource": {"units": 9},
        "list_service": {"name": "Walk", "category": "hair", "phases": {"initial": 30},
                         "price": {"amount_minor": 100, "currency": "EUR"}},
        "update_service": {"name": "Renamed"}, "set_price": {"price_minor": 1},
        "set_store_price": {"price_minor": 1},
        "reschedule_booking": {"start": fresh_slot()["start"] if books else slot["start"]},
        "cancel_booking": {"reason": "walk"},
        "reassign_segment": {"position": 0, "staff_id": "amelie"},
        "create_series": {"store_id": STORE_A, "start": slot["start"], "every_weeks": 1, "count": 2,
                          "segments": [{"service_id": slot["service_id"]}],
                          "customer_id": customer.member_id},
        "join_waitlist": {"store_id": STORE_A, "segments": [{"service_id": slot["service_id"]}],
                          "first_day": slot["start"][:10], "last_day": slot["start"][:10],
                          "customer_id": customer.member_id},
        "create_account": {"username": f"x-{uuid.uuid4().hex[:8]}", "password": "long enough pw",
                           "grants": [{"role": "store_manager", "store_id": STORE_A}]},
        "update_account": {"disabled": True},
        "add_line": {"kind": "service", "ref": "cut-and-blow-dry", "description": "Walk",
                     "unit_price": {"amount_minor": 100, "currency": "EUR"}},
        "pay": {"tenders": [{"kind": "card_online", "amount": {"amount_minor": 100, "currency": "EUR"},
                             "token": "tok_approve"}]},
        "refund": {"amount": {"amount_minor": 100, "currency": "EUR"}, "reason": "walk"},
        "set_till_settings": {"refund_manager_minor": 1},
        "ask_after_sales": {"kind": "redo", "reason": "walk"},
        "accept_after_sales": {"refund": {"amount": {"amount_minor": 100, "currency": "EUR"}}},
        "decline_after_sales": {"note": "walk"},
        "adjust_points": {"points": 10, "reason": "walk"},
        "set_points_rules": {"points_per_unit": 5},
        "sell": {"store_id": STORE_A, "customer_id": customer.member_id,
                 "lines": [{"kind": "top_up", "amount": {"amount_minor": 1000, "currency": "EUR"}}]},
        "set_stored_value_rules": {"scope": "chain"},
        "define_package": {"name": "Walk", "service_id": "cut-and-blow-dry", "sessions": 2,
                           "price": {"amount_minor": 100, "currency": "EUR"}, "valid_days": 30},
        "create_campaign": {"name": "Walk", "kind": "percent_off", "percent_bp": 1000, "currency": "EUR",
                            "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z",
                            "stores": [STORE_A]},
        "issue_coupon": {"member_id": customer.member_id},
        "set_tier_rules": {"window_days": 365},
        "define_segment": {"name": "Walk", "filter": {"stores": [STORE_A]}},
        "issue_to_segment": {"segment_id": "a-segment"},
        "register_at_counter": {"name": "Walk In", "phone": "+33 1 23"},
        "update_member": {"preferences": ["walk"]},
        "change_consent": {"channel": "sms", "given": True, "how": "walk"},
        "add_care_note": {"kind": "other", "text": "walk"},
        "give_feedback": {"booking_id": booking["booking_id"], "rating": 5},
        "open_complaint": {"category": "other", "text": "walk", "booking_id": booking["booking_id"]},
        "act_on_complaint": {"action": "note", "note": "walk"},
        "define_product": {"sku": f"W-{uuid.uuid4().hex[:8]}", "name": "Walk", "category": "walk",
                           "unit": "piece", "cost": {"amount_minor": 1, "currency": "EUR"},
                           "use": "professional"},
        "change_product": {"name": "Walked"},
        "set_product_store_price": {"price": {"amount_minor": 1, "currency": "EUR"}},
        "receive_stock": {"product_id": "demo-shampoo-250", "quantity": 1},
        "scrap_stock": {"product_id": "demo-shampoo-250", "quantity": 1, "kind": "tester"},
        "count_stock": {"product_id": "demo-shampoo-250", "counted": 0},
        "set_stock_levels": {"reorder_point": 1, "target": 2},
        "set_stock_policy": {"allow_negative": True},
        "set_recipe": {"items": [{"product_id": "demo-gloves", "quantity": 1}]},
        "record_usage": {"items": []},
        "request_transfer": {"from_store_id": STORE_B, "lines": [{"sku": "SHAMPOO-250", "quantity": 1}]},
        "reject_transfer": {"reason": "walk"}, "cancel_transfer": {}, "dispatch_transfer": {},
        "receive_transfer": {},
        "define_supplier": {"name": "Walk", "lead_time_days": 1, "currency": "EUR"},
        "change_supplier": {"lead_time_days": 2},
        "set_purchasing_policy": {"approval_limit": {"amount_minor": 1, "currency": "EUR"}},
        "draft_purchase_order": {"supplier_id": "a-supplier", "lines": [{"sku": "SHAMPOO-250", "packs": 1}]},
        "change_purchase_order": {"lines": [{"sku": "SHAMPOO-250", "packs": 1}]},
        "send_back_purchase_order": {"reason": "walk"}, "cancel_purchase_order": {},
        "close_purchase_order": {},
        "receive_purchase_order": {"lines": [{"sku": "SHAMPOO-250", "quantity": 1}]},
        "open_stocktake": {}, "record_stocktake_counts": {"lines": [{"sku": "SHAMPOO-250", "counted": 1}]},
        "reopen_stocktake": {}, "cancel_stocktake": {},
    }
    request = {"path": path, "params": {}, "headers": {}, "json": None}
    for param in operation.get("parameters", []):
        name, where = param["name"], param["in"]
        if where == "header":
            request["headers"][name] = {"If-Match": '"1"', "Idempotency-Key": uuid.uuid4().hex}[name]
            continue
        if name not in targets:
            assert not param.get("required"), f"{operation['operationId']}: add {name} to targets"
            continue
        if where == "path":
            request["path"] = request["path"].replace("{" + name + "}", targets[name])
        else:
            request["params"][name] = targets[name]
    if "requestBody" in operation:
        assert operation["operationId"] in bodies, f"add a body for {operation['operationId']}"
        request["json"] = bodies[operation["operationId"]]
    return request


def test_no_operation_lets_another_store_or_customer_see_or_change_store_a(
        anonymous, api, store_a, outsiders):
    document = anonymous.get("/api/v1/openapi.json").json()
    private = [store_a["customer"].username, store_a["manager"].username, store_a["booking"]["start"]]
    before = {"booking": api.get(f"/api/v1/bookings/{store_a['booking']['booking_id']}").json(),
              "account": api.get(f"/api/v1/accounts/{store_a['manager'].account['account_id']}").json()}
    walked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            name = operation["operationId"]
            if not operation["x-roles"]:
                assert name in PUBLIC, f"{name} is public: add it to PUBLIC only if that is meant"
                continue
            if operation["x-scope"] == "self":
                assert "requestBody" not in operation and not [
                    p for p in operation.get("parameters", [])
                    if p["in"] == "path" or p["name"].endswith("_id")], \
                    f"{name} claims to touch only the caller, yet takes a target"
                continue
            for who, client in outsiders.items():
                request = request_for(operation, path, store_a)
                answer = client.request(method.upper(), request.pop("path"), **request)
                assert answer.status_code in (403, 404), f"{who}: {method} {path} -> {answer.text}"
                body = assert_problem(answer, answer.status_code)
                assert set(body) <= PROBLEM_KEYS, f"{who}: {method} {path} leaked {body}"
                assert not any(secret in json.dumps(body) for secret in private), (who, path, body)
                walked += 1
    assert walked >= 3 * 8
    assert api.get(f"/api/v1/bookings/{store_a['booking']['booking_id']}").json() == before["booking"]
    assert api.get(f"/api/v1/accounts/{store_a['manager'].account['account_id']}").json() == before["account"]
    assert api.get(f"/api/v1/orders/{store_a['order']['order_id']}").json()["payments"] == []


def test_store_people_see_their_own_stores_bookings(store_a, make_user):
    booking_id = store_a["booking"]["booking_id"]
    for grant in [("store_manager", STORE_A), ("staff", STORE_A), ("hq_analyst", None)]:
        assert make_user(grant).get(f"/api/v1/bookings/{booking_id}").status_code == 200, grant
    assert store_a["customer"].get(f"/api/v1/bookings/{booking_id}").status_code == 200
    orders = store_a["manager"].get("/api/v1/orders", params={"booking_id": booking_id})
    assert orders.status_code == 200 and orders.json()["total"] == 1


def test_a_manager_of_two_stores_works_in_both(make_user, outsiders):
    both = make_user(("store_manager", STORE_A), ("store_manager", STORE_B))
    answer = both.post("/api/v1/bookings", json=fresh_slot())
    assert answer.status_code == 201, answer.text


def test_a_customer_books_only_for_themselves(make_customer):
    customer, other = make_customer(), make_customer()
    for_other = customer.post("/api/v1/bookings", json={**fresh_slot(), "customer_id": other.member_id})
    assert_problem(for_other, 403)
    own = customer.post("/api/v1/bookings", json={**fresh_slot(), "customer_id": customer.member_id})
    assert own.status_code == 201, own.text
