"""A store's stock on a real database: receipts, scraps and counts move it with who and why;
bad requests are refused with the reason and move nothing; the reorder point raises one
StockLow per crossing and a StockRestored; replicas racing on the same units never lose or
invent one; the movements always sum to the stock on hand and its value; and a rebuild of
the read models gives the same tables."""

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from services.inventory import reads, stock
from services.inventory.app import APP
from services.inventory.tables import stock_levels, stock_movements
from shared.errors import Conflict, NotFound, Unprocessable
from shared.migrate import alembic_config
from shared.projections import checksum, rebuild
from shared.testing import race
from tests.inventory.conftest import LYON, NICE, PARIS


def sums_up(desk, store_id, product_id) -> bool:
    with desk.db.read() as conn:
        change, value = conn.execute(
            select(func.sum(stock_movements.c.change), func.sum(stock_movements.c.value_change)).where(
                stock_movements.c.store_id == store_id, stock_movements.c.product_id == product_id
            )
        ).one()
    level = desk.level(store_id, product_id)
    return level.on_hand == (change or 0) and level.value_minor == (value or 0)


def test_a_receipt_adds_units_and_moves_the_average_cost(desk):
    dye = desk.product(pack_size=60, cost=450)
    desk.receive(PARIS, dye, 10, unit="pack")  # at the catalogue's cost
    desk.receive(PARIS, dye, 600, cost=6000)
    level = desk.level(PARIS, dye)
    assert level.on_hand == 1200 and level.value_minor == 4500 + 6000
    with desk.db.read() as conn:
        line = reads.stock_of(conn, PARIS, dye)
    assert line["average_unit_cost"]["micros"] == 10500 * 1_000_000 // 1200
    assert sums_up(desk, PARIS, dye)


def test_every_movement_says_who_and_why(desk):
    gloves = desk.product(unit="piece", pack_size=50)
    desk.receive(PARIS, gloves, 100, reason="monthly delivery")
    desk.scrap(PARIS, gloves, 3, kind="damaged", reason="torn")
    with desk.db.read() as conn:
        history = reads.movements(conn, PARIS, gloves, 50, 0)
    assert [(x["kind"], x["change"], x["by"], x["reason"]) for x in history["items"]] == [
        ("scrapped", -3, "staff-amelie", "damaged: torn"),
        ("received", 100, "staff-amelie", "monthly delivery"),
    ]


@pytest.mark.parametrize("quantity", [0, -5])
def test_a_quantity_of_zero_or_less_is_refused_and_moves_nothing(desk, quantity):
    dye = desk.product()
    with pytest.raises(Unprocessable) as refused:
        desk.receive(PARIS, dye, quantity)
    assert "quantity" in refused.value.details
    assert desk.level(PARIS, dye) is None


def test_a_unit_that_is_not_the_products_is_refused(desk):
    dye = desk.product(unit="ml")
    with pytest.raises(Unprocessable) as refused:
        desk.receive(PARIS, dye, 5, unit="g")
    assert "unit" in refused.value.details and desk.level(PARIS, dye) is None


def test_an_unknown_sku_or_barcode_is_refused(desk):
    for named in ({"sku": "NO-SUCH"}, {"barcode": "00000000"}):
        with pytest.raises(Unprocessable) as refused:
            desk.run(lambda uow, n=named: stock.receive(uow, PARIS, {**n, "quantity": 1}, {}))
        assert set(named) <= set(refused.value.details)


def test_a_store_inventory_does_not_know_is_not_found(desk):
    dye = desk.product()
    with pytest.raises(NotFound):
        desk.receive("no-such-store", dye, 5)


def test_a_lot_tracked_product_is_received_by_lot_and_expiry(desk):
    mask = desk.product(unit="piece", pack_size=1, tracks_lots=True, price=2490, use="both")
    with pytest.raises(Unprocessable):
        desk.receive(PARIS, mask, 5)
    desk.receive(PARIS, mask, 5, lot="L-2", expires_on="2027-09-01")
    desk.receive(PARIS, mask, 5, lot="L-1", expires_on="2027-03-01")
    desk.scrap(PARIS, mask, 2, kind="expired", lot="L-2")
    with desk.db.read() as conn:
        line = reads.stock_of(conn, PARIS, mask)
    assert line["next_expiry"] == "2027-03-01"
    assert [(x["lot"], x["on_hand"]) for x in line["lots"]] == [("L-1", 5), ("L-2", 3)]


def test_scrapping_more_than_is_on_hand_is_refused_even_where_stock_may_go_below_zero(desk):
    gloves = desk.product(unit="piece")
    desk.receive(PARIS, gloves, 2)
    desk.run(lambda uow: stock.set_policy(uow, PARIS, True, {}))
    with pytest.raises(Conflict):
        desk.scrap(PARIS, gloves, 3)
    assert desk.on_hand(PARIS, gloves) == 2


def test_a_count_posts_its_variance(desk):
    dye = desk.product()
    desk.receive(PARIS, dye, 1000, cost=1000)
    desk.count(PARIS, dye, 940)
    events = desk.events(PARIS, dye)
    assert events[-1].type == "StockAdjusted" and events[-1].data["change"] == -60
    assert events[-1].data["value_change"] == -60 and events[-1].data["counted"] == 940
    desk.count(PARIS, dye, 940)
    assert len(desk.events(PARIS, dye)) == 2  # a count that matches the books moves nothing


def test_falling_below_the_reorder_point_emits_one_stock_low_and_recovering_one_restored(desk):
    gloves = desk.product(unit="piece")
    desk.receive(PARIS, gloves, 12)
    desk.levels(PARIS, gloves, 10, 40)
    for _ in range(5):
        desk.scrap(PARIS, gloves, 1)
    desk.receive(PARIS, gloves, 30)
    types = [e.type for e in desk.events(PARIS, gloves)]
    assert types.count("StockLow") == 1 and types.count("StockRestored") == 1
    assert types.index("StockLow") < types.index("StockRestored")
    low = next(e for e in desk.events(PARIS, gloves) if e.type == "StockLow")
    assert low.data["on_hand"] == 9 and low.data["reorder_point"] == 10


def test_a_stock_row_holds_its_streams_version_alerts_included(desk):
    gloves = desk.product(unit="piece")
    desk.receive(PARIS, gloves, 12)
    desk.levels(PARIS, gloves, 10, 40)
    desk.scrap(PARIS, gloves, 3)  # the scrap and its StockLow
    assert desk.events(PARIS, gloves)[-1].type == "StockLow"
    assert desk.level(PARIS, gloves).version == len(desk.events(PARIS, gloves)) == 4
    desk.receive(PARIS, gloves, 30)  # appended at the version the row holds
    assert desk.level(PARIS, gloves).version == len(desk.events(PARIS, gloves)) == 6


def test_upgrading_brings_rows_left_behind_by_an_alert_up_to_their_stream(desk, inventory_db):
    gloves = desk.product(unit="piece")
    desk.receive(PARIS, gloves, 12)
    desk.levels(PARIS, gloves, 10, 40)
    desk.scrap(PARIS, gloves, 3)
    config = alembic_config(APP, inventory_db)
    command.downgrade(config, "inventory_0004")
    with desk.db.write() as conn:  # as the projection left it before alerts kept the version
        conn.execute(update(stock_levels).values(version=3))
    command.upgrade(config, "heads")
    assert desk.level(PARIS, gloves).version == 4
    desk.scrap(PARIS, gloves, 1)
    assert desk.level(PARIS, gloves).on_hand == 8


def test_a_row_left_behind_its_stream_still_takes_commands(desk):
    gloves = desk.product(unit="piece")
    desk.receive(PARIS, gloves, 12)
    desk.levels(PARIS, gloves, 10, 40)
    desk.scrap(PARIS, gloves, 3)
    with desk.db.write() as conn:  # as a replica older than the alert handler leaves it
        conn.execute(update(stock_levels).values(version=3))
    desk.scrap(PARIS, gloves, 1)  # the rerun after the conflict reads the event store
    assert [e.type for e in desk.events(PARIS, gloves)][-1] == "StockScrapped"
    assert (desk.on_hand(PARIS, gloves), desk.level(PARIS, gloves).version) == (8, 5)


def test_hq_sees_every_stores_low_stock_in_one_list(desk):
    gloves = desk.product(unit="piece")
    for store_id in (PARIS, LYON):
        desk.receive(store_id, gloves, 3)
        desk.levels(store_id, gloves, 5, 20)
    desk.levels(LYON, gloves, 2, 20)
    with desk.db.read() as conn:
        listed = reads.low_stock(conn, None, 50, 0)["items"]
    assert [(x["store_id"], x["short_of_target"]) for x in listed if x["product_id"] == gloves] == [
        (PARIS, 17)
    ]


def test_the_stock_list_shows_every_active_product_with_filters_and_the_stores_value(desk):
    dye, gloves = (
        desk.product(sku="A-DYE", cost=1000),
        desk.product(sku="B-GLOVES", unit="piece", category="x"),
    )
    desk.receive(LYON, dye, 500, cost=700)
    with desk.db.read() as conn:
        page = reads.stock_page(conn, LYON, q="A-")
        kept = reads.stock_page(conn, LYON, in_stock=True)
        empty = reads.stock_page(conn, LYON, in_stock=False, category="x")
    assert [x["product_id"] for x in page["items"]] == [dye] and page["value"] == [
        {"amount_minor": 700, "currency": "EUR"}
    ]
    assert dye in [x["product_id"] for x in kept["items"]] and gloves not in [
        x["product_id"] for x in kept["items"]
    ]
    assert [x["on_hand"] for x in empty["items"] if x["product_id"] == gloves] == [0]


def test_two_replicas_scrapping_the_last_units_scrap_them_once(desk, replica):
    gloves = desk.product(unit="piece")
    desk.receive(PARIS, gloves, 4)
    outcomes = race([lambda d=d: d.scrap(PARIS, gloves, 3) for d in (desk, replica, desk, replica)])
    assert sorted(outcomes) == ["Conflict", "Conflict", "Conflict", "won"]
    assert desk.on_hand(PARIS, gloves) == 1 and sums_up(desk, PARIS, gloves)


def test_receipts_scraps_and_counts_racing_on_one_product_never_lose_or_invent_a_unit(desk, replica):
    dye = desk.product()
    desk.receive(PARIS, dye, 1000, cost=1000)
    calls = [lambda d=d: d.receive(PARIS, dye, 10) for d in (desk, replica) * 4]
    calls += [lambda d=d: d.scrap(PARIS, dye, 5) for d in (desk, replica) * 4]
    outcomes = race(calls)
    assert outcomes.count("won") == len(calls)
    assert desk.on_hand(PARIS, dye) == 1000 + 80 - 40 and sums_up(desk, PARIS, dye)


def test_a_closed_store_inventory_knows_can_still_count_its_stock(desk):
    dye = desk.product()
    desk.count(NICE, dye, 10)
    assert desk.on_hand(NICE, dye) == 10


moves = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(1, 300)),
        st.tuples(st.just("scrap"), st.integers(1, 300)),
        st.tuples(st.just("count"), st.integers(0, 400)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=moves)
def test_the_movements_of_a_product_always_sum_to_its_stock_on_hand(desk, steps):
    gloves = desk.product(unit="piece", cost=990)
    for kind, n in steps:
        try:
            if kind == "receive":
                desk.receive(PARIS, gloves, n, cost=n * 7)
            elif kind == "scrap":
                desk.scrap(PARIS, gloves, n)
            else:
                desk.count(PARIS, gloves, n)
        except (Conflict, Unprocessable):
            pass
    assert desk.level(PARIS, gloves) is None or sums_up(desk, PARIS, gloves)


def test_a_rebuild_of_the_read_models_gives_the_same_tables(desk):
    dye, gloves = desk.product(), desk.product(unit="piece", tracks_lots=True)
    desk.receive(PARIS, dye, 300, cost=123)
    desk.receive(PARIS, gloves, 10, lot="L", expires_on="2027-01-01")
    desk.levels(PARIS, dye, 200, 500)
    desk.scrap(PARIS, dye, 150)
    desk.recipe("colour", [(dye, 60)])
    with desk.db.read() as conn:
        before = {p.name: checksum(conn, p) for p in APP.projections}
    for projection in APP.projections:
        rebuild(desk.db, desk.store, projection)
    with desk.db.read() as conn:
        assert {p.name: checksum(conn, p) for p in APP.projections} == before


def test_a_negative_store_price_is_refused(desk):
    from services.inventory import catalogue

    shampoo = desk.product(unit="piece", pack_size=1, use="retail", price=1890)
    with pytest.raises(Unprocessable) as refused:
        desk.run(
            lambda uow: catalogue.set_store_price(
                uow, shampoo, PARIS, {"amount_minor": -1, "currency": "EUR"}, {}
            )
        )
    assert "price" in refused.value.details


def test_a_products_pack_size_cannot_change(desk):
    from services.inventory import catalogue

    dye = desk.product()
    with pytest.raises(Unprocessable) as refused:
        desk.run(lambda uow: catalogue.change(uow, dye, None, {"pack_size": 20}, {}))
    assert "pack_size" in refused.value.details


def test_the_sale_check_names_the_line_among_all_the_sales_lines(desk):
    shampoo = desk.product(unit="piece", pack_size=1, use="retail", price=1890, sku="SH-CHECK")
    desk.receive(PARIS, shampoo, 1)
    lines = [{"kind": "top_up", "amount": {"amount_minor": 1000, "currency": "EUR"}}]
    lines.append({"kind": "product", "ref": "SH-CHECK", "quantity": 2})
    with desk.db.read() as conn:
        with pytest.raises(Conflict) as refused:
            stock.check_sale(conn, PARIS, lines)
        assert "lines.2.quantity" in refused.value.details
        with pytest.raises(Conflict) as refused:
            stock.check_sale(conn, PARIS, lines[1:], one=True)
        assert "quantity" in refused.value.details
        stock.check_sale(conn, PARIS, [{"kind": "product", "ref": "SH-CHECK", "quantity": 1}])


def test_packs_brought_back_and_scrapped_at_once_raise_no_alert(desk):
    from services.inventory import sales

    shampoo = desk.product(unit="piece", pack_size=1, use="retail", price=1890)
    desk.receive(PARIS, shampoo, 5)
    desk.levels(PARIS, shampoo, 6, 10)
    order_id, line_id = desk.sell(PARIS, shampoo)
    before = len(desk.events(PARIS, shampoo))
    back = {"line_id": line_id, "sku": "x", "packs": 1, "to": "scrap"}
    refunded = {"order_id": order_id, "refund_id": "r1", "by": None, "reason": "leaking", "returns": [back]}
    desk.run(lambda uow: sales.returned(uow, refunded))
    assert [e.type for e in desk.events(PARIS, shampoo)[before:]] == ["StockReturned", "StockScrapped"]
    assert desk.on_hand(PARIS, shampoo) == 4 and desk.level(PARIS, shampoo).low
