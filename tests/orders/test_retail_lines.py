"""Retail lines priced by the till from inventory's catalogue: by SKU or barcode, at the
store's own price or HQ's; an unknown, retired or professional-only product, or one priced in
another currency, is refused with the reason and no order is made."""

import uuid

import pytest
from sqlalchemy import func, select

from services.inventory.contracts import StorePriceSet
from services.orders import checkout, counter
from services.orders.retail import RetailCatalogue
from services.orders.tables import orders
from shared.envelope import Envelope
from shared.errors import Unprocessable
from shared.projections import project
from tests.orders.conftest import STAFF, STORE, eur


def sale(*lines) -> dict:
    return {"store_id": STORE, "lines": list(lines)}


def sold(till, wanted: dict) -> dict:
    order_id = str(uuid.uuid4())
    till.run(lambda uow: counter.sell(uow, order_id, wanted, STAFF, [None] * len(wanted["lines"]), till.now))
    return till.order(order_id)


def order_count(till) -> int:
    with till.db.read() as conn:
        return conn.execute(select(func.count()).select_from(orders)).scalar()


def test_a_product_line_is_priced_by_the_catalogue_by_sku_or_barcode(till):
    order = sold(
        till,
        sale(
            {"kind": "product", "ref": "SH-250", "quantity": 2},
            {"kind": "product", "barcode": "3401234567892"},
        ),
    )
    assert [(x["ref"], x["quantity"], x["unit_price"]) for x in order["lines"]] == [
        ("SH-250", 2, eur(2000)),
        ("SH-250", 1, eur(2000)),
    ]
    assert order["total"] == eur(6000) and order["lines"][0]["description"] == "Product SH-250"


def test_a_stores_own_price_is_used_there(till):
    envelope = Envelope.new(
        source="inventory",
        type=StorePriceSet.name,
        subject="product-product-SH-250",
        streamversion=2,
        schemaversion=1,
        data={
            "product_id": "product-SH-250",
            "sku": "SH-250",
            "store_id": STORE,
            "price": eur(1750),
            "by": None,
        },
    )
    till.run(lambda uow: project(uow.conn, RetailCatalogue(), envelope))
    assert sold(till, sale({"kind": "product", "ref": "SH-250"}))["total"] == eur(1750)


@pytest.mark.parametrize(
    "line, field, why",
    [
        ({"kind": "product", "ref": "NO-SUCH"}, "lines.2.sku", "unknown sku"),
        ({"kind": "product", "barcode": "00000000"}, "lines.2.barcode", "unknown barcode"),
        ({"kind": "product", "ref": "DYE-6N"}, "lines.2.sku", "not for sale"),
        ({"kind": "product", "ref": "OLD-1"}, "lines.2.sku", "not for sale"),
        ({"kind": "product", "ref": "GBP-1"}, "lines.2.sku", "another currency"),
    ],
)
def test_a_line_naming_a_product_the_till_cannot_sell_is_refused_and_no_order_is_made(till, line, field, why):
    till.stock_product("DYE-6N", None, use="professional")
    till.stock_product("OLD-1", 900, active=False)
    till.stock_product("GBP-1", 900, currency="GBP")
    before = order_count(till)
    with pytest.raises(Unprocessable) as refused:
        sold(till, sale({"kind": "product", "ref": "SH-250"}, line))
    assert refused.value.details == {field: [why]}
    assert order_count(till) == before


def test_a_product_added_at_checkout_is_priced_by_the_catalogue(till):
    order_id = till.booked()
    till.run(
        lambda uow: checkout.add_line(
            uow, order_id, {"kind": "product", "ref": "SKU-1", "quantity": 3}, STAFF
        )
    )
    line = till.order(order_id)["lines"][-1]
    assert (line["kind"], line["ref"], line["quantity"], line["unit_price"]) == (
        "product",
        "SKU-1",
        3,
        eur(1500),
    )
    with pytest.raises(Unprocessable):
        till.run(lambda uow: checkout.add_line(uow, order_id, {"kind": "product", "ref": "NOPE"}, STAFF))
