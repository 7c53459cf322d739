"""Product packs brought back with a refund: each refunded product line says how many packs
came back and whether they go on the shelf or are scrapped; never more than the line sold
less what came back before, never for a line that sold no product (the whole refund refused);
the refund's events carry them for inventory, and an older refund reads as none came back."""

import uuid

import pytest

from services.orders import checkout, counter
from services.orders.contracts import OrderRefunded
from shared.contracts import lookup
from shared.envelope import Envelope
from shared.errors import Unprocessable
from tests.orders.conftest import STAFF, STORE, cash, eur

from .test_retail_lines import sale


def paid_sale(till, packs: int = 3) -> tuple[str, str]:
    order_id = str(uuid.uuid4())
    wanted = sale({"kind": "product", "ref": "SH-250", "quantity": packs})
    till.run(lambda uow: counter.sell(uow, order_id, wanted, STAFF, [None], till.now))
    till.pay(order_id, cash(2000 * packs))
    return order_id, till.order(order_id)["lines"][0]["line_id"]


def refunded_with(till, order_id: str, line_id: str, amount: int, restock: dict | None) -> str:
    line = {"line_id": line_id, "amount": eur(amount), **({"restock": restock} if restock else {})}
    return till.refund(order_id, lines=[line])


def returns_of(till, order_id: str) -> list[dict]:
    with till.db.read() as conn:
        events = till.store.read_stream(conn, f"order-{order_id}")
    return [x for e in events if e.type == "OrderRefunded" for x in OrderRefunded.read(e).data["returns"]]


def test_packs_brought_back_with_a_refund_are_told_with_where_they_go(till):
    order_id, line_id = paid_sale(till)
    refunded_with(till, order_id, line_id, 2000, {"packs": 1, "to": "shelf"})
    refunded_with(till, order_id, line_id, 2000, {"packs": 1, "to": "scrap"})
    assert returns_of(till, order_id) == [
        {"line_id": line_id, "sku": "SH-250", "packs": 1, "to": "shelf"},
        {"line_id": line_id, "sku": "SH-250", "packs": 1, "to": "scrap"},
    ]


def test_no_more_packs_come_back_than_the_line_sold(till):
    order_id, line_id = paid_sale(till, packs=2)
    refunded_with(till, order_id, line_id, 2000, {"packs": 1, "to": "shelf"})
    with pytest.raises(Unprocessable) as refused:
        refunded_with(till, order_id, line_id, 2000, {"packs": 2, "to": "shelf"})
    assert "lines.1.restock" in refused.value.details and "1 to 1" in refused.value.message
    assert till.order(order_id)["refunded"] == eur(2000)


def test_goods_come_back_only_with_a_product_line(till):
    order_id = till.booked(prices=(4500,))
    till.run(lambda uow: checkout.add_line(uow, order_id, {"kind": "product", "ref": "SH-250"}, STAFF))
    till.booking_moved("BookingCompleted")
    order = till.order(order_id)
    till.pay(order_id, cash(order["total"]["amount_minor"]))
    service, product = (x["line_id"] for x in order["lines"])
    with pytest.raises(Unprocessable) as refused:
        refunded_with(till, order_id, service, 100, {"packs": 1, "to": "shelf"})
    assert "sold no product" in refused.value.message
    both = [{"line_id": service, "amount": eur(100), "restock": {"packs": 1, "to": "shelf"}}]
    with pytest.raises(Unprocessable):
        till.refund(order_id, lines=[*both, {"line_id": product, "amount": eur(100)}])
    assert till.order(order_id)["refunded"] == eur(0)


def test_an_older_refund_reads_as_nothing_brought_back():
    old = Envelope.new(
        source="orders",
        type="OrderRefunded",
        subject="order-o1",
        streamversion=4,
        schemaversion=2,
        data={"order_id": "o1", "store_id": STORE, "refund_id": "r1"},
    )
    assert lookup("OrderRefunded", 3).upcast(old.data)["returns"] == []
    assert OrderRefunded.version == 3


def test_a_refund_naming_a_line_twice_is_refused(till):
    order_id, line_id = paid_sale(till, packs=2)
    twice = [
        {"line_id": line_id, "amount": eur(100), "restock": {"packs": 2, "to": "shelf"}},
        {"line_id": line_id, "amount": eur(100), "restock": {"packs": 2, "to": "scrap"}},
    ]
    with pytest.raises(Unprocessable) as refused:
        till.refund(order_id, lines=twice)
    assert "lines" in refused.value.details and till.order(order_id)["refunded"] == eur(0)
    assert returns_of(till, order_id) == []
