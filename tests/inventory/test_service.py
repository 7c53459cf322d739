"""The inventory service on the real broker: orders' events (a retail sale made and paid by
the real orders code) lower the store's stock once however often they are delivered; a
completed booking takes its recipe once; what it publishes keeps its contracts; and its
migrations build exactly the tables the service defines."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from services.inventory.contracts import StockLow, StockSold
from services.inventory.tables import metadata as inventory_metadata
from services.orders import counter
from services.orders.tables import service_categories
from services.orders.tables import stores as orders_stores
from shared.db import kernel_metadata
from shared.envelope import Envelope
from shared.errors import Conflict
from shared.migrate import upgrade
from shared.testing import envelope_validator, metric, poll_until, publish_raw, scratch_database
from tests.conftest import POSTGRES
from tests.inventory.conftest import HQ, STAFF_ACTOR, eur
from tests.orders.conftest import STAFF, Till, booking, cash

STORE = "paris"  # the orders suite's store


@pytest.fixture
def till(tmp_path):
    """The real orders code on a database of its own, knowing the store and the shampoo."""
    from services.orders.app import APP as ORDERS

    with scratch_database(POSTGRES, tmp_path) as url:
        upgrade(ORDERS, url)
        made = Till(url, str(tmp_path / "provider.db"))
        with made.db.write() as conn:
            conn.execute(
                orders_stores.insert().values(
                    store_id=STORE,
                    name="Paris",
                    currency="EUR",
                    timezone="Europe/Paris",
                    status="open",
                    version=1,
                )
            )
            conn.execute(service_categories.insert().values(service_id="colour", category="hair", version=1))
        made.stock_product("SH-250", 2000)
        yield made
        made.db.dispose()


@pytest.fixture
def shop(desk, inventory, inventory_rpc):
    """Inventory running, knowing the store, the shampoo (12 on the shelf, reorder at 10) and
    the colour recipe."""
    from services.inventory.learned import STORES
    from tests.inventory.conftest import store_opened

    desk.learn(STORES, store_opened(STORE))
    shampoo = inventory_rpc.define_product(
        wanted={
            "product_id": "product-SH-250",
            "sku": "SH-250",
            "name": "Shampoo",
            "category": "care",
            "unit": "piece",
            "cost": eur(650),
            "price": eur(2000),
            "use": "retail",
        },
        actor=HQ,
    )
    inventory_rpc.receive(
        store_id=STORE, wanted={"product_id": shampoo["product_id"], "quantity": 12}, actor=STAFF_ACTOR
    )
    inventory_rpc.set_levels(
        store_id=STORE, product_id=shampoo["product_id"], wanted={"reorder_point": 10, "target": 24}, actor=HQ
    )
    dye = desk.product(pack_size=60)
    desk.receive(STORE, dye, 600)
    desk.recipe("colour", [(dye, 60)])
    return {"shampoo": shampoo["product_id"], "dye": dye}


def orders_events(till, order_id: str) -> list[Envelope]:
    with till.db.read() as conn:
        return till.store.read_stream(conn, f"order-{order_id}")


def handled(entrypoint: str) -> float:
    return metric("salon_entrypoint_calls_total", service="inventory", entrypoint=entrypoint, outcome="ok")


def test_the_migrations_build_exactly_the_tables_the_service_defines(inventory_db, desk):
    expected = MetaData()
    for table in (*kernel_metadata.tables.values(), *inventory_metadata.tables.values()):
        table.to_metadata(expected)
    with desk.db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), expected) == []


def test_a_paid_retail_sale_lowers_the_stock_once_however_often_it_is_delivered(
    amqp_uri, till, shop, desk, inventory_rpc, tap
):
    published = tap(exchange="inventory.events")
    order_id = str(uuid.uuid4())
    wanted = {"store_id": STORE, "lines": [{"kind": "product", "ref": "SH-250", "quantity": 3}]}
    till.run(lambda uow: counter.sell(uow, order_id, wanted, STAFF, [None], till.now))
    till.pay(order_id, cash(6000))
    created, paid = (e for e in orders_events(till, order_id) if e.type in ("OrderCreated", "OrderPaid"))
    before = handled("on_order_paid")
    for envelope in (created, paid, paid, paid):
        publish_raw(amqp_uri, "orders.events", envelope.type, envelope.to_json())
    poll_until(lambda: handled("on_order_paid") - before == 3, what="three deliveries of OrderPaid")
    item = inventory_rpc.stock_item(store_id=STORE, product_id=shop["shampoo"])
    assert item["on_hand"] == 9 and item["low"] is True
    poll_until(lambda: any(b["type"] == "StockLow" for b in published.bodies()), what="StockLow published")
    bodies = published.bodies()
    sold = [b for b in bodies if b["type"] == "StockSold"]
    assert len(sold) == 1 and sold[0]["data"]["change"] == -3 and sold[0]["data"]["order_id"] == order_id
    assert [b["type"] for b in bodies].count("StockLow") == 1
    for body, contract in (
        (sold[0], StockSold),
        (next(b for b in bodies if b["type"] == "StockLow"), StockLow),
    ):
        envelope_validator(contract).validate(body)


def test_a_completed_booking_takes_its_recipe_once(amqp_uri, shop, desk, inventory_rpc):
    facts = {
        k: v
        for k, v in booking(prices=(8900,)).items()
        if k not in ("hold_id", "series_id", "redo_of", "deposit_due_by")
    }
    facts["segments"][0]["service_id"] = "colour"
    completed = Envelope.new(
        source="booking",
        type="BookingCompleted",
        subject=f"booking-{facts['booking_id']}",
        streamversion=5,
        schemaversion=1,
        data={**facts, "status": "completed"},
    )
    before = handled("on_booking_completed")
    for _ in range(2):
        publish_raw(amqp_uri, "booking.events", completed.type, completed.to_json())
    poll_until(
        lambda: handled("on_booking_completed") - before == 2, what="two deliveries of BookingCompleted"
    )
    assert desk.on_hand(STORE, shop["dye"]) == 540
    usage = inventory_rpc.usage(booking_id=facts["booking_id"])
    assert [(x["by_recipe"], x["used"]) for x in usage["items"]] == [(60, 60)]


def test_a_sale_beyond_the_stock_is_refused_unless_the_store_may_go_below_zero(shop, desk, inventory_rpc):
    line = {"kind": "product", "ref": "SH-250", "quantity": 13}
    with pytest.raises(Conflict):
        inventory_rpc.check_sale(store_id=STORE, lines=[line])
    inventory_rpc.check_sale(store_id=STORE, lines=[{**line, "quantity": 12}])
    inventory_rpc.set_policy(store_id=STORE, allow_negative=True, actor=HQ)
    inventory_rpc.check_sale(store_id=STORE, lines=[line])


def test_packs_brought_back_with_a_refund_go_on_the_shelf_or_are_scrapped_once(
    amqp_uri, till, shop, desk, inventory_rpc
):
    order_id = str(uuid.uuid4())
    wanted = {"store_id": STORE, "lines": [{"kind": "product", "ref": "SH-250", "quantity": 3}]}
    till.run(lambda uow: counter.sell(uow, order_id, wanted, STAFF, [None], till.now))
    till.pay(order_id, cash(6000))
    line_id = till.order(order_id)["lines"][0]["line_id"]
    for to in ("shelf", "scrap"):
        restock = {"packs": 1, "to": to}
        till.refund(order_id, lines=[{"line_id": line_id, "amount": eur(2000), "restock": restock}])
    before = handled("on_order_refunded")
    for envelope in orders_events(till, order_id):
        times = 2 if envelope.type == "OrderRefunded" else 1
        for _ in range(times):
            publish_raw(amqp_uri, "orders.events", envelope.type, envelope.to_json())
    poll_until(lambda: handled("on_order_refunded") - before == 4, what="both refunds, twice each")
    assert inventory_rpc.stock_item(store_id=STORE, product_id=shop["shampoo"])["on_hand"] == 12 - 3 + 1
    history = inventory_rpc.movements(store_id=STORE, product_id=shop["shampoo"])["items"]
    assert [(x["kind"], x["change"]) for x in reversed(history)][1:] == [
        ("sold", -3),
        ("returned", 1),
        ("returned", 1),
        ("scrapped", -1),
    ]
