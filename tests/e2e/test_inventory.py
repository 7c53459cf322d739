"""Inventory through the gateway and the real broker: a retail sale lowers the product and a
completed colour booking lowers the dye by its recipe (and HQ sees the recipe variance);
crossing the reorder point publishes one StockLow that HQ sees, and a receipt (ad hoc, or a
purchase order approved by HQ above the store's limit) restores it and moves the average
cost; a count and a stocktake post their variances; a transfer is in transit on both sides,
then received with its discrepancy; packs brought back with a refund go back on the shelf;
racing receipts, scraps and counts never lose or invent a unit; every bad request is refused
with the reason and moves nothing; and a store's staff see and move only their own store's
stock."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from shared.testing import poll_until
from tests.e2e.test_paid_path import key, money, open_deposit_store, the_order, today_slots
from tests.e2e.test_walking_skeleton import assert_problem

SHAMPOO, DYE = "demo-shampoo-250", "demo-dye-6n"  # the demo catalogue's (make run seeds them)


def stock_path(store_id: str, product_id: str | None = None) -> str:
    return f"/api/v1/stores/{store_id}/stock" + (f"/{product_id}" if product_id else "")


def received(client, store_id: str, body: dict) -> dict:
    """A receipt once inventory knows the store (booking's StoreOpened reaches it a moment
    after the store opens); the key makes the retries one receipt."""
    headers = key()

    def done():
        answer = client.post(f"{stock_path(store_id)}/receipts", json=body, headers=headers)
        return answer.json() if answer.status_code == 200 else None

    return poll_until(done, timeout=15, what=f"a receipt at {store_id}")


def on_hand(client, store_id: str, product_id: str) -> int:
    return client.get(stock_path(store_id, product_id)).json()["on_hand"]


def events_of(published, kind: str, store_id: str) -> list[dict]:
    bodies = [json.loads(m.body) for m in published()]
    return [b for b in bodies if b["type"] == kind and b["data"].get("store_id") == store_id]


def test_a_retail_sale_crosses_the_reorder_point_once_and_a_receipt_restores_it(api, make_user, published):
    store_id, manager, staff = open_deposit_store(api, make_user)
    first = received(staff, store_id, {"product_id": SHAMPOO, "quantity": 6, "cost": money(3900)})
    assert first["on_hand"] == 6 and first["average_unit_cost"]["amount_minor"] == 650
    levels = manager.put(f"{stock_path(store_id, SHAMPOO)}/levels", json={"reorder_point": 5, "target": 12})
    assert levels.status_code == 200 and levels.json()["low"] is False, levels.text
    for quantity in (2, 1):  # two sales: the first crosses the reorder point, the second stays below
        sale = {
            "store_id": store_id,
            "lines": [{"kind": "product", "barcode": "3401234567892", "quantity": quantity}],
        }
        made = poll_until(
            lambda s=sale: (lambda r: r if r.status_code == 201 else None)(
                staff.post("/api/v1/orders", json=s, headers=key())
            ),
            timeout=15,
            what="orders knows the shampoo",
        )
        order = made.json()
        assert order["total"] == money(1890 * quantity)
        paid = staff.post(
            f"/api/v1/orders/{order['order_id']}/payments",
            headers=key(),
            json={"tenders": [{"kind": "cash", "amount": order["total"]}]},
        )
        assert paid.status_code == 201, paid.text
    poll_until(lambda: on_hand(staff, store_id, SHAMPOO) == 3, timeout=15, what="both sales off the shelf")
    low = poll_until(lambda: events_of(published, "StockLow", store_id), timeout=15, what="StockLow")
    assert len(low) == 1 and low[0]["data"]["on_hand"] == 4
    listed = api.get("/api/v1/inventory/low-stock", params={"store_id": store_id}).json()["items"]
    assert [(x["product_id"], x["on_hand"], x["short_of_target"]) for x in listed] == [(SHAMPOO, 3, 9)]
    restored = received(staff, store_id, {"sku": "SHAMPOO-250", "quantity": 9, "cost": money(9 * 750)})
    assert restored["low"] is False and restored["average_unit_cost"]["amount_minor"] == 725
    poll_until(lambda: events_of(published, "StockRestored", store_id), timeout=15, what="StockRestored")
    assert api.get("/api/v1/inventory/low-stock", params={"store_id": store_id}).json()["total"] == 0
    history = staff.get(f"{stock_path(store_id, SHAMPOO)}/movements").json()
    assert [x["kind"] for x in history["items"]] == ["received", "sold", "sold", "received"]
    assert sum(x["change"] for x in history["items"]) == 12
    value = api.get("/api/v1/inventory/value").json()["items"]
    assert {"store_id": store_id, "value": money(8700), "products": 1, "negative": 0} in value


def test_a_completed_colour_lowers_the_dye_by_its_recipe_and_recorded_use_corrects_it(
    api, make_user, make_customer
):
    store_id, manager, staff = open_deposit_store(api, make_user)
    received(staff, store_id, {"product_id": DYE, "quantity": 5, "unit": "pack"})  # 300 ml
    customer = make_customer()
    slot = today_slots(customer, store_id, "colour")[0]
    booked = customer.post(
        "/api/v1/bookings",
        json={"store_id": store_id, "start": slot["start"], "segments": [{"service_id": "colour"}]},
    )
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["booking_id"]
    order = the_order(customer, booking_id, status="pending_payment")
    paid = customer.post(
        f"/api/v1/orders/{order['order_id']}/payments",
        headers=key(),
        json={"tenders": [{"kind": "card_online", "amount": order["deposit_due"], "token": "tok_approve"}]},
    )
    assert paid.status_code == 201, paid.text
    path = f"/api/v1/bookings/{booking_id}"
    for step in ("check-in", "start", "complete"):
        assert staff.post(f"{path}/{step}").status_code == 200
    poll_until(lambda: on_hand(staff, store_id, DYE) == 240, timeout=15, what="the recipe's 60 ml taken")
    usage = f"/api/v1/stores/{store_id}/visits/{booking_id}/usage"
    recorded = staff.put(
        usage,
        json={
            "items": [
                {"sku": "DYE-6N", "quantity": 75},
                {"sku": "DEV-20", "quantity": 90},
                {"sku": "GLOVES-M", "quantity": 1},
            ]
        },
    )
    assert recorded.status_code == 200, recorded.text
    assert on_hand(staff, store_id, DYE) == 225
    assert {x["sku"]: (x["by_recipe"], x["used"]) for x in recorded.json()["items"]}["DYE-6N"] == (60, 75)
    today = datetime.now(UTC).date().isoformat()
    variance = api.get(
        "/api/v1/inventory/recipe-variance", params={"from": today, "to": today, "store_id": store_id}
    )
    dye = [x for x in variance.json()["products"] if x["sku"] == "DYE-6N"]
    assert [(x["by_recipe"], x["recorded_beyond_recipe"], x["variance"]) for x in dye] == [(60, 15, 15)]
    assert_problem(
        api.get("/api/v1/inventory/recipe-variance", params={"from": today, "to": "2000-01-01"}), 400
    )
    assert_problem(staff.get("/api/v1/inventory/recipe-variance", params={"from": today, "to": today}), 403)
    assert_problem(make_user(("staff", "lyon-bellecour")).put(usage, json={"items": []}), 403)
    assert_problem(
        staff.put(f"/api/v1/stores/{store_id}/visits/no-such-visit/usage", json={"items": []}), 404
    )


def test_a_count_posts_its_variance_and_racing_moves_never_lose_a_unit(api, make_user):
    store_id, manager, staff = open_deposit_store(api, make_user)
    received(staff, store_id, {"product_id": SHAMPOO, "quantity": 100, "cost": money(65000)})
    counted = staff.post(
        f"{stock_path(store_id)}/counts", json={"product_id": SHAMPOO, "counted": 97, "reason": "shelf count"}
    )
    assert counted.status_code == 200 and counted.json()["on_hand"] == 97, counted.text
    clients = [staff, manager, make_user(("staff", store_id))]
    moves = [("receipts", {"product_id": SHAMPOO, "quantity": 2, "cost": money(1300)})] * 12
    moves += [("scraps", {"product_id": SHAMPOO, "quantity": 1, "kind": "tester"})] * 12
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda n: clients[n % 3].post(f"{stock_path(store_id)}/{moves[n][0]}", json=moves[n][1]),
                range(len(moves)),
            )
        )
    assert [a.status_code for a in answers] == [200] * len(moves)
    history = staff.get(f"{stock_path(store_id, SHAMPOO)}/movements", params={"limit": 200}).json()
    assert on_hand(staff, store_id, SHAMPOO) == 97 + 24 - 12 == sum(x["change"] for x in history["items"])
    assert history["total"] == 2 + 24


def test_bad_stock_requests_are_refused_with_the_reason_and_move_nothing(api, make_user):
    store_id, manager, staff = open_deposit_store(api, make_user)
    received(staff, store_id, {"product_id": SHAMPOO, "quantity": 2})
    receipts, scraps = f"{stock_path(store_id)}/receipts", f"{stock_path(store_id)}/scraps"
    refused = [
        (receipts, {"product_id": SHAMPOO, "quantity": 0}, 422, "quantity"),
        (receipts, {"product_id": SHAMPOO, "quantity": -3}, 422, "quantity"),
        (receipts, {"sku": "NO-SUCH-SKU", "quantity": 1}, 422, "sku"),
        (receipts, {"barcode": "00000000", "quantity": 1}, 422, "barcode"),
        (receipts, {"product_id": SHAMPOO, "quantity": 1, "unit": "ml"}, 422, "unit"),
        (receipts, {"product_id": SHAMPOO, "sku": "SHAMPOO-250", "quantity": 1}, 400, "product_id"),
        (receipts, {"product_id": SHAMPOO, "quantity": 1, "cost": money(-5)}, 422, "cost"),
        (scraps, {"product_id": SHAMPOO, "quantity": 3, "kind": "damaged"}, 409, "quantity"),
        (scraps, {"product_id": SHAMPOO, "quantity": 1, "kind": "stolen"}, 400, "kind"),
    ]
    for path, body, status, field in refused:
        assert field in assert_problem(staff.post(path, json=body), status)["errors"], (body, status)
    sale = {"store_id": store_id, "lines": [{"kind": "product", "ref": "SHAMPOO-250", "quantity": 3}]}
    assert (
        "lines.1.quantity"
        in assert_problem(staff.post("/api/v1/orders", json=sale, headers=key()), 409)["errors"]
    )
    professional = {"store_id": store_id, "lines": [{"kind": "product", "ref": "DYE-6N"}]}
    assert (
        "lines.1.sku"
        in assert_problem(staff.post("/api/v1/orders", json=professional, headers=key()), 422)["errors"]
    )
    levels = f"{stock_path(store_id, SHAMPOO)}/levels"
    assert_problem(manager.put(levels, json={"reorder_point": 5, "target": 5}), 422)
    assert_problem(staff.put(levels, json={"reorder_point": 1, "target": 5}), 403)
    other = make_user(("staff", "lyon-bellecour"))
    assert_problem(other.post(receipts, json={"product_id": SHAMPOO, "quantity": 1}), 403)
    assert_problem(other.get(stock_path(store_id)), 403)
    assert on_hand(staff, store_id, SHAMPOO) == 2
    assert staff.get(f"{stock_path(store_id, SHAMPOO)}/movements").json()["total"] == 1


def test_hq_defines_a_product_that_orders_then_prices(api, make_user):
    sku = f"T-{uuid.uuid4().hex[:8]}"
    body = {
        "sku": sku,
        "name": "Travel spray",
        "category": "retail-care",
        "unit": "piece",
        "cost": money(300),
        "price": money(990),
        "use": "retail",
    }
    made = api.post("/api/v1/inventory/products", json=body)
    assert made.status_code == 201 and made.headers["ETag"] == '"1"', made.text
    product = made.json()
    assert_problem(api.post("/api/v1/inventory/products", json=body), 409)  # the SKU is taken
    assert_problem(api.post("/api/v1/inventory/products", json={**body, "sku": "x y"}), 422)
    assert_problem(
        api.post("/api/v1/inventory/products", json={**body, "sku": sku + "b", "price": None}), 422
    )
    path = f"/api/v1/inventory/products/{product['product_id']}"
    assert_problem(api.patch(path, json={"price": money(1090)}), 428)
    changed = api.patch(path, json={"price": money(1090)}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["price"] == money(1090), changed.text
    assert_problem(
        make_user(("store_manager", "paris-opera")).post("/api/v1/inventory/products", json=body), 403
    )
    own = api.put(
        f"/api/v1/stores/paris-opera/product-prices/{product['product_id']}", json={"price": money(950)}
    )
    assert own.status_code == 200 and own.json()["store_prices"] == [
        {"store_id": "paris-opera", "price": money(950)}
    ]
    listed = api.get("/api/v1/inventory/products", params={"q": sku}).json()
    assert [x["product_id"] for x in listed["items"]] == [product["product_id"]]


def test_a_transfer_is_in_transit_on_both_sides_then_received_with_its_discrepancy(api, make_user, published):
    sender, sender_manager, sender_staff = open_deposit_store(api, make_user)
    receiver, _, receiver_staff = open_deposit_store(api, make_user)
    received(sender_staff, sender, {"product_id": SHAMPOO, "quantity": 10, "cost": money(6500)})
    received(receiver_staff, receiver, {"product_id": SHAMPOO, "quantity": 1})
    transfers = f"/api/v1/stores/{receiver}/transfers"
    line = {"sku": "SHAMPOO-250", "quantity": 4}
    assert (
        "from_store_id"
        in assert_problem(
            receiver_staff.post(transfers, json={"from_store_id": receiver, "lines": [line]}, headers=key()),
            422,
        )["errors"]
    )
    asked = receiver_staff.post(transfers, json={"from_store_id": sender, "lines": [line]}, headers=key())
    assert asked.status_code == 201, asked.text
    transfer_id = asked.json()["transfer_id"]
    at_sender = f"/api/v1/stores/{sender}/transfers/{transfer_id}"
    at_receiver = f"{transfers}/{transfer_id}"
    assert_problem(receiver_staff.post(f"{at_receiver}/receipt", json={}, headers=key()), 409)
    assert_problem(receiver_staff.post(f"{at_sender}/approve"), 403)  # not the receiver's to approve
    assert_problem(make_user(("store_manager", "lyon-bellecour")).post(f"{at_sender}/approve"), 403)
    assert sender_manager.post(f"{at_sender}/approve").json()["status"] == "approved"
    sent = sender_staff.post(f"{at_sender}/dispatch", json={}, headers=key())
    assert sent.status_code == 200 and sent.json()["lines"][0]["value"] == money(2600), sent.text
    assert sender_staff.get(stock_path(sender, SHAMPOO)).json()["in_transit"] == {
        "incoming": 0,
        "outgoing": 4,
    }
    assert receiver_staff.get(stock_path(receiver, SHAMPOO)).json()["in_transit"] == {
        "incoming": 4,
        "outgoing": 0,
    }
    incoming = receiver_staff.get(transfers, params={"direction": "in", "status": "dispatched"}).json()
    assert [x["transfer_id"] for x in incoming["items"]] == [transfer_id]

    arrived = receiver_staff.post(
        f"{at_receiver}/receipt", json={"lines": [{"sku": "SHAMPOO-250", "quantity": 3}]}, headers=key()
    )
    assert arrived.status_code == 200, arrived.text
    assert arrived.json()["lines"][0]["discrepancy"] == -1 and arrived.json()["status"] == "received"
    assert on_hand(sender_staff, sender, SHAMPOO) == 6 and on_hand(receiver_staff, receiver, SHAMPOO) == 4
    history = receiver_staff.get(f"{stock_path(receiver, SHAMPOO)}/movements").json()["items"]
    assert (history[0]["kind"], history[0]["change"], history[0]["reference"]) == (
        "transferred_in",
        3,
        transfer_id,
    )
    poll_until(
        lambda: events_of(published, "StockTransferredIn", receiver), timeout=15, what="StockTransferredIn"
    )
    out = poll_until(lambda: events_of(published, "StockTransferredOut", sender), timeout=15, what="out")
    assert out[0]["data"]["change"] == -4 and out[0]["data"]["to_store_id"] == receiver


def test_a_purchase_order_above_the_limit_approved_by_hq_and_received_restores_low_stock(
    api, make_user, published
):
    store_id, manager, staff = open_deposit_store(api, make_user)
    received(staff, store_id, {"product_id": SHAMPOO, "quantity": 2, "cost": money(1200)})
    manager.put(f"{stock_path(store_id, SHAMPOO)}/levels", json={"reorder_point": 5, "target": 20})
    poll_until(lambda: events_of(published, "StockLow", store_id), timeout=15, what="StockLow")
    supplier = api.post(
        "/api/v1/inventory/suppliers",
        headers=key(),
        json={
            "name": "Maison Capillaire",
            "email": "commandes@capillaire.example",
            "lead_time_days": 4,
            "currency": "EUR",
            "products": [{"sku": "SHAMPOO-250", "price": money(700)}],
        },
    )
    assert supplier.status_code == 201, supplier.text
    supplier_id = supplier.json()["supplier_id"]
    assert [
        x["supplier_id"] for x in staff.get(f"/api/v1/stores/{store_id}/suppliers").json()["items"]
    ].count(supplier_id) == 1
    limit = api.put(f"/api/v1/stores/{store_id}/purchasing-policy", json={"approval_limit": money(5000)})
    assert limit.status_code == 200, limit.text
    orders = f"/api/v1/stores/{store_id}/purchase-orders"
    assert (
        "lines.1.sku"
        in assert_problem(
            manager.post(
                orders,
                headers=key(),
                json={"supplier_id": supplier_id, "lines": [{"sku": "DYE-6N", "packs": 1}]},
            ),
            422,
        )["errors"]
    )
    drafted = manager.post(
        orders,
        headers=key(),
        json={"supplier_id": supplier_id, "lines": [{"sku": "SHAMPOO-250", "packs": 10}]},
    )
    assert drafted.status_code == 201 and drafted.json()["total"] == money(7000), drafted.text
    order = f"{orders}/{drafted.json()['purchase_order_id']}"
    assert manager.post(f"{order}/submit").json()["status"] == "submitted"  # 70.00 is above the store's 50.00
    assert_problem(manager.post(f"{order}/approve"), 403)
    queue = api.get("/api/v1/inventory/purchase-orders", params={"store_id": store_id, "status": "submitted"})
    assert queue.json()["total"] == 1
    assert api.post(f"{order}/approve").json()["status"] == "approved"
    assert manager.post(f"{order}/send").json()["status"] == "sent"
    assert (
        "reason"
        in assert_problem(
            staff.post(
                f"{order}/receipts",
                headers=key(),
                json={"lines": [{"sku": "SHAMPOO-250", "quantity": 11, "unit": "pack"}]},
            ),
            422,
        )["errors"]
    )
    delivered = staff.post(
        f"{order}/receipts",
        headers=key(),
        json={"lines": [{"sku": "SHAMPOO-250", "quantity": 10, "unit": "pack"}]},
    )
    assert delivered.status_code == 200 and delivered.json()["status"] == "received", delivered.text
    item = staff.get(stock_path(store_id, SHAMPOO)).json()
    assert (item["on_hand"], item["low"], item["average_unit_cost"]["amount_minor"]) == (12, False, 683)
    poll_until(lambda: events_of(published, "StockRestored", store_id), timeout=15, what="StockRestored")
    assert_problem(
        staff.post(
            f"{order}/receipts", headers=key(), json={"lines": [{"sku": "SHAMPOO-250", "quantity": 1}]}
        ),
        409,
    )


def test_an_hq_admin_may_not_approve_a_purchase_order_they_submitted(api, make_user):
    store_id, manager, staff = open_deposit_store(api, make_user)
    supplier = api.post(
        "/api/v1/inventory/suppliers",
        headers=key(),
        json={
            "name": "Gants & Co",
            "lead_time_days": 1,
            "currency": "EUR",
            "products": [{"sku": "GLOVES-M", "price": money(900)}],
        },
    ).json()
    hq = make_user(("hq_admin", None))
    drafted = poll_until(
        lambda: (lambda r: r if r.status_code == 201 else None)(
            hq.post(
                f"/api/v1/stores/{store_id}/purchase-orders",
                headers=key(),
                json={"supplier_id": supplier["supplier_id"], "lines": [{"sku": "GLOVES-M", "packs": 1}]},
            )
        ),
        timeout=15,
        what="inventory knows the store",
    ).json()
    order = f"/api/v1/stores/{store_id}/purchase-orders/{drafted['purchase_order_id']}"
    assert hq.post(f"{order}/submit").json()["status"] == "submitted"  # no limit set: HQ approves
    assert "another HQ admin" in assert_problem(hq.post(f"{order}/approve"), 403)["detail"]
    assert api.post(f"{order}/approve").json()["status"] == "approved"


def test_a_stocktake_posts_its_variances_when_the_manager_approves(api, make_user):
    store_id, manager, staff = open_deposit_store(api, make_user)
    received(staff, store_id, {"product_id": SHAMPOO, "quantity": 30, "cost": money(18000)})
    stocktakes = f"/api/v1/stores/{store_id}/stocktakes"
    assert_problem(staff.post(stocktakes, json={}, headers=key()), 403)  # managers open them
    opened = manager.post(stocktakes, json={"categories": ["retail-care"]}, headers=key())
    assert opened.status_code == 201, opened.text
    session = f"{stocktakes}/{opened.json()['stocktake_id']}"
    assert_problem(manager.post(stocktakes, json={}, headers=key()), 409)  # one open at a time
    assert (
        "lines.1.counted"
        in assert_problem(
            staff.post(f"{session}/counts", json={"lines": [{"sku": "SHAMPOO-250", "counted": -3}]}), 422
        )["errors"]
    )
    counted = staff.post(f"{session}/counts", json={"lines": [{"barcode": "3401234567892", "counted": 27}]})
    assert counted.status_code == 200, counted.text
    line = counted.json()["counts"][0]
    assert (line["expected"], line["variance"], line["variance_value"]) == (30, -3, money(-1800))
    assert staff.post(f"{session}/submit").json()["status"] == "submitted"
    assert on_hand(staff, store_id, SHAMPOO) == 30  # nothing posted before the approval
    assert_problem(staff.post(f"{session}/approve"), 403)
    assert_problem(
        staff.post(f"{session}/counts", json={"lines": [{"sku": "SHAMPOO-250", "counted": 1}]}), 409
    )
    assert manager.post(f"{session}/approve").json()["status"] == "approved"
    assert on_hand(staff, store_id, SHAMPOO) == 27
    latest = staff.get(f"{stock_path(store_id, SHAMPOO)}/movements").json()["items"][0]
    assert (latest["kind"], latest["change"], latest["reference"]) == (
        "counted",
        -3,
        opened.json()["stocktake_id"],
    )


def test_packs_brought_back_with_a_refund_go_back_on_the_shelf(api, make_user):
    store_id, manager, staff = open_deposit_store(api, make_user)
    received(staff, store_id, {"product_id": SHAMPOO, "quantity": 5, "cost": money(3000)})
    sale = {"store_id": store_id, "lines": [{"kind": "product", "ref": "SHAMPOO-250", "quantity": 5}]}
    once = key()
    order = staff.post("/api/v1/orders", json=sale, headers=once).json()
    paid = staff.post(
        f"/api/v1/orders/{order['order_id']}/payments",
        headers=key(),
        json={"tenders": [{"kind": "cash", "amount": order["total"]}]},
    )
    assert paid.status_code == 201, paid.text
    poll_until(lambda: on_hand(staff, store_id, SHAMPOO) == 0, timeout=15, what="the sale off the shelf")
    one = {**sale, "lines": [{**sale["lines"][0], "quantity": 1}]}
    assert (
        "lines.1.quantity"
        in assert_problem(staff.post("/api/v1/orders", json=one, headers=key()), 409)["errors"]
    )
    again = staff.post("/api/v1/orders", json=sale, headers=once)  # the first sale's retry: its answer
    assert again.status_code == 201 and again.json()["order_id"] == order["order_id"], again.text
    line_id = order["lines"][0]["line_id"]
    refunds = f"/api/v1/orders/{order['order_id']}/refunds"
    too_many = {"line_id": line_id, "amount": money(1890), "restock": {"packs": 6, "to": "shelf"}}
    problem = assert_problem(
        manager.post(refunds, headers=key(), json={"lines": [too_many], "reason": "x"}), 422
    )
    assert "lines.1.restock" in problem["errors"]
    back = {**too_many, "restock": {"packs": 1, "to": "shelf"}}
    refunded = manager.post(refunds, headers=key(), json={"lines": [back], "reason": "unopened"})
    assert refunded.status_code == 201, refunded.text
    poll_until(lambda: on_hand(staff, store_id, SHAMPOO) == 1, timeout=15, what="the pack back on the shelf")
    latest = staff.get(f"{stock_path(store_id, SHAMPOO)}/movements").json()["items"][0]
    assert (latest["kind"], latest["change"], latest["reference"]) == ("returned", 1, order["order_id"])
