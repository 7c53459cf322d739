"""Suppliers and purchase orders on a real database: an order within the store's limit is
approved at once, above it only by an HQ admin who did not submit it; a delivery enters the
stock at the order's price, restores low stock and moves the average cost; a delivery of
more than was ordered needs a reason; receiving against an order not sent, cancelled or closed
is refused; racing deliveries never receive a unit twice; and a rebuild gives the same tables."""

from datetime import UTC, datetime, timedelta

import pytest

from services.inventory import purchasing, supply
from services.inventory.app import APP
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.projections import checksum, rebuild
from shared.testing import race
from tests.inventory.conftest import HQ, LYON, MANAGER, PARIS, eur
from tests.inventory.test_stock import sums_up

OTHER_HQ = {"account_id": "hq-other", "role": "hq_admin"}


def order_of(desk, purchase_order_id, store_id=PARIS) -> dict:
    with desk.db.read() as conn:
        return supply.purchase_order_view(conn, purchase_order_id, store_id)


def limit(desk, store_id, amount):
    desk.run(lambda uow: purchasing.set_approval_limit(uow, store_id, eur(amount), HQ))


@pytest.fixture
def dye(desk):
    product_id = desk.product(cost=1000)  # packs of 1,000 ml
    desk.receive(PARIS, product_id, 100, cost=100)
    desk.levels(PARIS, product_id, 500, 2000)
    return product_id


@pytest.fixture
def supplier(desk, dye):
    return desk.supplier((dye, 1500), lead_time_days=3)


def sent(desk, supplier, *lines) -> str:
    limit(desk, PARIS, 1_000_000)
    purchase_order_id = desk.purchase_order(PARIS, supplier, *lines)
    desk.step("submit", purchase_order_id)
    desk.step("send", purchase_order_id)
    return purchase_order_id


def test_an_order_received_restores_low_stock_and_moves_the_average_cost(desk, dye, supplier):
    assert desk.level(PARIS, dye).low
    limit(desk, PARIS, 5000)
    purchase_order_id = desk.purchase_order(PARIS, supplier, (dye, 2))
    assert order_of(desk, purchase_order_id)["total"] == eur(3000)
    desk.step("submit", purchase_order_id)
    assert order_of(desk, purchase_order_id)["status"] == "approved"  # within the store's limit
    desk.step("send", purchase_order_id)
    expected = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    assert order_of(desk, purchase_order_id)["expected_on"] == expected
    with desk.db.read() as conn:
        assert supply.on_order(conn, PARIS) == {dye: 2000}

    desk.deliver(
        purchase_order_id,
        (
            dye,
            2,
        ),
        unit="pack",
    )
    level = desk.level(PARIS, dye)
    assert (level.on_hand, level.value_minor, level.low) == (2100, 3100, False)
    assert level.unit_cost_micros == 3100 * 1_000_000 // 2100
    assert [e.type for e in desk.events(PARIS, dye)][-2:] == ["StockReceived", "StockRestored"]
    received = desk.events(PARIS, dye)[-2].data
    assert (received["purchase_order_id"], received["supplier_id"]) == (purchase_order_id, supplier)
    assert order_of(desk, purchase_order_id)["status"] == "received"
    with desk.db.read() as conn:
        assert supply.on_order(conn, PARIS) == {}
    assert sums_up(desk, PARIS, dye)


def test_above_the_limit_an_hq_admin_approves_but_never_the_one_who_submitted(desk, dye, supplier):
    limit(desk, PARIS, 1000)
    purchase_order_id = desk.purchase_order(PARIS, supplier, (dye, 1))
    desk.step("submit", purchase_order_id, actor=HQ)
    assert order_of(desk, purchase_order_id)["status"] == "submitted"
    with pytest.raises(Forbidden):
        desk.step("approve", purchase_order_id, actor=HQ)
    with pytest.raises(Conflict):
        desk.step("send", purchase_order_id)
    desk.step("approve", purchase_order_id, actor=OTHER_HQ)
    assert order_of(desk, purchase_order_id)["status"] == "approved"
    with pytest.raises(Conflict):
        desk.step("approve", purchase_order_id, actor=OTHER_HQ)


def test_no_limit_set_sends_every_order_to_hq(desk, dye, supplier):
    purchase_order_id = desk.purchase_order(PARIS, supplier, (dye, 1))
    desk.step("submit", purchase_order_id)
    assert order_of(desk, purchase_order_id)["status"] == "submitted"


def test_an_order_sent_back_is_changed_and_submitted_again(desk, dye, supplier):
    gloves = desk.product(unit="piece", pack_size=100)
    other = desk.supplier((dye, 1500), (gloves, 800))
    purchase_order_id = desk.purchase_order(PARIS, other, (dye, 10))
    desk.step("submit", purchase_order_id, actor=MANAGER)
    desk.step("send_back", purchase_order_id, actor=HQ, reason="ten packs is a year of dye")
    back = order_of(desk, purchase_order_id)
    assert (back["status"], back["reason"]) == ("draft", "ten packs is a year of dye")
    lines = [{"product_id": dye, "packs": 2}, {"product_id": gloves, "packs": 1}]
    desk.run(lambda uow: purchasing.change_lines(uow, purchase_order_id, PARIS, lines, MANAGER))
    changed = order_of(desk, purchase_order_id)
    assert [(x["sku"] is not None, x["packs"]) for x in changed["lines"]] == [(True, 2), (True, 1)]
    assert changed["total"] == eur(3800)


def test_deliveries_in_parts_until_all_has_come(desk, dye, supplier):
    purchase_order_id = sent(desk, supplier, (dye, 3))
    desk.deliver(purchase_order_id, (dye, 1000))
    part = order_of(desk, purchase_order_id)
    assert (part["status"], part["lines"][0]["outstanding"]) == ("partly_received", 2000)
    with desk.db.read() as conn:
        assert supply.on_order(conn, PARIS, [dye]) == {dye: 2000}
    desk.deliver(purchase_order_id, (dye, 2000))
    assert order_of(desk, purchase_order_id)["status"] == "received"
    assert desk.on_hand(PARIS, dye) == 3100


def test_a_delivery_of_more_than_was_ordered_needs_a_reason(desk, dye, supplier):
    purchase_order_id = sent(desk, supplier, (dye, 1))
    with pytest.raises(Unprocessable) as refused:
        desk.deliver(purchase_order_id, (dye, 1200))
    assert "reason" in refused.value.details and desk.on_hand(PARIS, dye) == 100
    desk.deliver(purchase_order_id, (dye, 1200), reason="the supplier sent a free bottle")
    assert desk.on_hand(PARIS, dye) == 1300 and order_of(desk, purchase_order_id)["status"] == "received"


def test_receiving_against_an_order_not_sent_cancelled_or_closed_is_refused(desk, dye, supplier):
    draft = desk.purchase_order(PARIS, supplier, (dye, 1))
    with pytest.raises(Conflict):
        desk.deliver(draft, (dye, 10))
    cancelled = sent(desk, supplier, (dye, 1))
    desk.step("cancel", cancelled, reason="ordered by phone")
    with pytest.raises(Conflict) as refused:
        desk.deliver(cancelled, (dye, 10))
    assert "cancelled" in refused.value.message
    closed = sent(desk, supplier, (dye, 2))
    with pytest.raises(Conflict):
        desk.step("close", closed, reason=None)  # nothing came yet: cancel it instead
    desk.deliver(closed, (dye, 500))
    with pytest.raises(Conflict):
        desk.step("cancel", closed, reason=None)  # something came: close it
    desk.step("close", closed, reason="the rest is discontinued")
    with pytest.raises(Conflict) as refused:
        desk.deliver(closed, (dye, 10))
    assert "closed" in refused.value.message
    assert desk.on_hand(PARIS, dye) == 600


@pytest.mark.parametrize(
    "line, field",
    [
        ({"packs": 0}, "lines.1.packs"),
        ({"packs": -2}, "lines.1.packs"),
        ({"packs": 1, "product_id": None, "sku": "NO-SUCH"}, "lines.1.sku"),
        ({"packs": 1, "product_id": "not-sold-by-them"}, "lines.1.product_id"),
    ],
)
def test_bad_order_lines_are_refused_naming_the_line(desk, dye, supplier, line, field):
    wanted = {"supplier_id": supplier, "lines": [{"product_id": dye, **line}]}
    with pytest.raises(Unprocessable) as refused:
        desk.run(lambda uow: purchasing.draft(uow, "po-bad", PARIS, wanted, MANAGER))
    assert field in refused.value.details
    with desk.db.read() as conn, pytest.raises(NotFound):
        supply.purchase_order_view(conn, "po-bad", PARIS)


def test_a_product_the_supplier_does_not_sell_is_refused(desk, dye, supplier):
    gloves = desk.product(unit="piece")
    with pytest.raises(Unprocessable) as refused:
        desk.purchase_order(PARIS, supplier, (dye, 1), (gloves, 1))
    assert "lines.2.sku" in refused.value.details


@pytest.mark.parametrize(
    "line, field",
    [
        ({"quantity": 0}, "lines.1.quantity"),
        ({"quantity": 5, "unit": "g"}, "lines.1.unit"),
        ({"quantity": 5, "product_id": "no-such"}, "lines.1.product_id"),
    ],
)
def test_bad_delivery_lines_are_refused_and_receive_nothing(desk, dye, supplier, line, field):
    purchase_order_id = sent(desk, supplier, (dye, 1))
    wanted = {"lines": [{"product_id": dye, **line}]}
    with pytest.raises(Unprocessable) as refused:
        desk.run(lambda uow: purchasing.receive(uow, purchase_order_id, PARIS, wanted, MANAGER))
    assert field in refused.value.details
    assert desk.on_hand(PARIS, dye) == 100 and order_of(desk, purchase_order_id)["status"] == "sent"


def test_a_product_not_on_the_order_is_refused(desk, dye, supplier):
    gloves = desk.product(unit="piece")
    purchase_order_id = sent(desk, supplier, (dye, 1))
    with pytest.raises(Unprocessable):
        desk.deliver(purchase_order_id, (gloves, 5))
    assert desk.on_hand(PARIS, gloves) == 0


def test_another_stores_purchase_order_is_not_found(desk, dye, supplier):
    purchase_order_id = desk.purchase_order(PARIS, supplier, (dye, 1))
    with pytest.raises(NotFound):
        desk.step("submit", purchase_order_id, store_id=LYON)
    with desk.db.read() as conn, pytest.raises(NotFound):
        supply.purchase_order_view(conn, purchase_order_id, LYON)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"lead_time_days": 400}, "lead_time_days"),
        ({"lead_time_days": -1}, "lead_time_days"),
        ({"email": "not-an-address"}, "email"),
        ({"name": "  "}, "name"),
    ],
)
def test_a_supplier_with_bad_details_is_refused(desk, supplier, change, field):
    with pytest.raises(Unprocessable) as refused:
        desk.run(lambda uow: purchasing.change_supplier(uow, supplier, change, HQ))
    assert field in refused.value.details


def test_a_supplier_price_in_another_currency_is_refused(desk, dye):
    wanted = {
        "name": "Dollar Beauty",
        "lead_time_days": 5,
        "currency": "EUR",
        "products": [{"product_id": dye, "price": {"amount_minor": 100, "currency": "USD"}}],
    }
    with pytest.raises(Unprocessable) as refused:
        desk.run(lambda uow: purchasing.define_supplier(uow, "s-usd", wanted, HQ))
    assert "products.1.price" in refused.value.details


def test_an_inactive_supplier_takes_no_new_orders(desk, dye, supplier):
    desk.run(lambda uow: purchasing.change_supplier(uow, supplier, {"active": False}, HQ))
    with pytest.raises(Unprocessable) as refused:
        desk.purchase_order(PARIS, supplier, (dye, 1))
    assert "supplier_id" in refused.value.details


def test_two_deliveries_racing_for_the_last_units_receive_them_once(desk, replica, dye, supplier):
    purchase_order_id = sent(desk, supplier, (dye, 1))
    outcomes = race([lambda d=d: d.deliver(purchase_order_id, (dye, 1000)) for d in (desk, replica) * 2])
    assert sorted(outcomes) == ["Conflict", "Conflict", "Conflict", "won"]
    assert desk.on_hand(PARIS, dye) == 1100 and sums_up(desk, PARIS, dye)


def test_a_rebuild_of_purchasing_gives_the_same_tables(desk, dye, supplier):
    purchase_order_id = sent(desk, supplier, (dye, 2))
    desk.deliver(purchase_order_id, (dye, 500))
    desk.run(lambda uow: purchasing.change_supplier(uow, supplier, {"lead_time_days": 9}, HQ))
    with desk.db.read() as conn:
        before = {p.name: checksum(conn, p) for p in APP.projections}
    for projection in APP.projections:
        rebuild(desk.db, desk.store, projection)
    with desk.db.read() as conn:
        assert {p.name: checksum(conn, p) for p in APP.projections} == before
