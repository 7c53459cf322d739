"""Replenishment suggestions and the recipe variance, from the movement ledger on a real
database: what to order is recent daily use over the cheapest supplier's lead time plus safety
stock, less what is on hand and on order, in whole packs; the variance sets what recipes
should have used against what recorded use and counts say was used, per product and stylist."""

from datetime import UTC, datetime, timedelta

from services.inventory import purchasing, recipes, reports
from shared.envelope import utc_iso
from tests.inventory.conftest import HQ, LYON, PARIS, STAFF_ACTOR, eur


def suggestions(desk, store_id=PARIS, **more) -> dict:
    with desk.db.read() as conn:
        return {x["product_id"]: x for x in reports.replenishment(conn, store_id, **more)["items"]}


def test_a_suggestion_covers_the_lead_time_and_safety_stock_from_the_cheapest_supplier(desk):
    shampoo = desk.product(unit="piece", pack_size=1, use="both", price=1890, cost=600)
    desk.receive(PARIS, shampoo, 33)
    for _ in range(28):  # one a day over the last 28 days
        desk.sell(PARIS, shampoo)
    desk.supplier((shampoo, 650), lead_time_days=3)
    cheapest = desk.supplier((shampoo, 600), lead_time_days=10)
    found = suggestions(desk)[shampoo]
    assert (found["average_daily_use"], found["on_hand"], found["supplier_id"]) == (1.0, 5, cheapest)
    assert (found["suggested_packs"], found["estimated_cost"]) == (10 + 7 - 5, eur(12 * 600))


def test_what_is_on_order_is_not_suggested_again(desk):
    shampoo = desk.product(unit="piece", pack_size=1, use="both", price=1890, cost=600)
    desk.receive(PARIS, shampoo, 28)
    for _ in range(28):
        desk.sell(PARIS, shampoo)
    supplier = desk.supplier((shampoo, 600), lead_time_days=3)
    desk.run(lambda uow: purchasing.set_approval_limit(uow, PARIS, eur(100_000), HQ))
    purchase_order_id = desk.purchase_order(PARIS, supplier, (shampoo, 6))
    desk.step("submit", purchase_order_id)
    assert suggestions(desk)[shampoo]["on_order"] == 6
    assert suggestions(desk)[shampoo]["suggested_packs"] == 3 + 7 - 6


def test_packs_round_up_and_a_store_with_enough_gets_no_suggestion(desk):
    dye = desk.product(cost=1000)  # packs of 1,000 ml
    desk.receive(PARIS, dye, 1000)
    desk.receive(LYON, dye, 1000)
    desk.recipe("colour", [(dye, 60)])
    for _ in range(14):
        desk.complete(PARIS, ("colour", "amelie"))
    assert suggestions(desk, days=14, safety_days=7)[dye]["suggested_units"] == 1000  # 60 x 7 - 160 ml
    assert suggestions(desk, days=14, safety_days=2) == {}
    assert suggestions(desk, LYON) == {}


def test_the_recipe_variance_shows_where_material_goes(desk):
    dye = desk.product(cost=1000)
    desk.receive(PARIS, dye, 1000)
    desk.recipe("colour", [(dye, 60)])
    by_amelie = desk.complete(PARIS, ("colour", "amelie"))
    desk.complete(PARIS, ("colour", "hugo"))
    used = [{"product_id": dye, "quantity": 75}]
    desk.run(lambda uow: recipes.record_usage(uow, by_amelie, used, STAFF_ACTOR))
    desk.count(PARIS, dye, 1000 - 135 - 10)  # 10 ml more gone than anyone recorded
    today = datetime.now(UTC)
    with desk.db.read() as conn:
        found = reports.recipe_variance(
            conn, utc_iso(today - timedelta(days=1)), utc_iso(today + timedelta(days=1)), PARIS
        )
    (product,) = found["products"]
    assert (product["by_recipe"], product["recorded_beyond_recipe"], product["missing_at_counts"]) == (
        120,
        15,
        10,
    )
    assert (product["actual"], product["variance"], product["variance_value"]) == (145, 25, eur(25))
    stylists = {x["staff_id"]: (x["by_recipe"], x["used"], x["variance"]) for x in found["stylists"]}
    assert stylists == {"amelie": (60, 75, 15), "hugo": (60, 60, 0)}
    with desk.db.read() as conn:
        later = reports.recipe_variance(
            conn, utc_iso(today + timedelta(days=1)), utc_iso(today + timedelta(days=2)), PARIS
        )
    assert later["products"] == [] and later["stylists"] == []
