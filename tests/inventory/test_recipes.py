"""Recipes on a real database: a completed booking takes each segment's recipe from its
store's stock (the variant of its stylist's level), once; staff record what was really used
and the books take or give back the difference; a recipe naming a product wrongly is
refused whole."""

import pytest
from sqlalchemy import select

from services.inventory import reads, recipes
from services.inventory.tables import stock_movements
from shared.errors import NotFound, Unprocessable
from tests.inventory.conftest import HQ, PARIS, STAFF_ACTOR


@pytest.fixture
def colour(desk):
    """The colour recipe: 60 ml dye, 90 ml developer, a pair of gloves; seniors use 50 ml dye."""
    dye, developer, gloves = (
        desk.product(pack_size=60),
        desk.product(),
        desk.product(unit="piece", pack_size=50),
    )
    for product_id, units in ((dye, 600), (developer, 1000), (gloves, 50)):
        desk.receive(PARIS, product_id, units, cost=units)
    desk.recipe(
        "colour",
        [(dye, 60), (developer, 90), (gloves, 1)],
        variants=[("senior", None, [(dye, 50), (developer, 90), (gloves, 1)])],
    )
    return dye, developer, gloves


def test_a_completed_colour_lowers_the_dye_by_its_recipe(desk, colour):
    dye, developer, gloves = colour
    desk.complete(PARIS, ("colour", "hugo"))
    assert [desk.on_hand(PARIS, p) for p in colour] == [540, 910, 49]
    consumed = desk.events(PARIS, dye)[-1]
    assert consumed.type == "StockConsumed" and consumed.data["basis"] == "recipe"
    assert consumed.data["staff_id"] == "hugo" and consumed.data["service_id"] == "colour"


def test_a_senior_stylists_visit_takes_the_variant_of_their_level(desk, colour):
    desk.complete(PARIS, ("colour", "amelie"))
    assert desk.on_hand(PARIS, colour[0]) == 550


def test_a_service_without_a_recipe_takes_nothing(desk, colour):
    desk.complete(PARIS, ("cut-and-style", "hugo"))
    assert [desk.on_hand(PARIS, p) for p in colour] == [600, 1000, 50]


def test_the_same_completed_booking_consumes_once(desk, colour):
    booking_id = desk.complete(PARIS, ("colour", "hugo"))
    desk.complete(PARIS, ("colour", "hugo"), booking_id=booking_id)
    assert desk.on_hand(PARIS, colour[0]) == 540


def test_recorded_use_replaces_the_recipe_by_the_difference(desk, colour):
    dye, developer, gloves = colour
    booking_id = desk.complete(PARIS, ("colour", "hugo"))
    items = [{"product_id": dye, "quantity": 75}, {"product_id": gloves, "quantity": 2}]
    desk.run(lambda uow: recipes.record_usage(uow, booking_id, items, STAFF_ACTOR))
    assert [desk.on_hand(PARIS, p) for p in colour] == [525, 1000, 48]  # developer left out: none used
    desk.run(
        lambda uow: recipes.record_usage(uow, booking_id, items, STAFF_ACTOR)
    )  # the same again: no change
    assert [desk.on_hand(PARIS, p) for p in colour] == [525, 1000, 48]
    with desk.db.read() as conn:
        usage = {x["product_id"]: x for x in reads.usage_view(conn, booking_id)["items"]}
    assert (usage[dye]["by_recipe"], usage[dye]["used"], usage[dye]["recorded"]) == (60, 75, True)
    assert (usage[developer]["by_recipe"], usage[developer]["used"]) == (90, 0)


def test_use_is_recorded_only_for_a_completed_visit(desk, colour):
    with pytest.raises(NotFound):
        desk.run(lambda uow: recipes.record_usage(uow, "no-such-booking", [], STAFF_ACTOR))


@pytest.mark.parametrize(
    "item, field",
    [
        ({"sku": "NO-SUCH", "quantity": 1}, "items.1.sku"),
        ({"quantity": 0}, "items.1.quantity"),
        ({"quantity": 5, "unit": "g"}, "items.1.unit"),
    ],
)
def test_a_recipe_with_a_wrong_item_is_refused_whole(desk, colour, item, field):
    wanted = {"items": [{"product_id": colour[0], **item} if "sku" not in item else item]}
    with pytest.raises(Unprocessable) as refused:
        desk.run(lambda uow: recipes.set_recipe(uow, "blow-dry", wanted, HQ))
    assert field in refused.value.details
    with desk.db.read() as conn:
        assert recipes.recipe_row(conn, "blow-dry") is None


def test_a_recipe_cannot_name_a_product_twice(desk, colour):
    wanted = {"items": [{"product_id": colour[0], "quantity": 1}, {"product_id": colour[0], "quantity": 2}]}
    with pytest.raises(Unprocessable):
        desk.run(lambda uow: recipes.set_recipe(uow, "blow-dry", wanted, HQ))


def test_recorded_use_is_the_stylist_whose_recipe_took_the_product(desk):
    dye, gloves = desk.product(), desk.product(unit="piece", pack_size=100)
    desk.receive(PARIS, dye, 1000)
    desk.receive(PARIS, gloves, 100)
    desk.recipe("colour", [(dye, 60)])
    desk.recipe("cut", [(gloves, 1)])
    booking_id = desk.complete(PARIS, ("colour", "amelie"), ("cut", "hugo"))
    used = [{"product_id": dye, "quantity": 60}, {"product_id": gloves, "quantity": 3}]
    desk.run(lambda uow: recipes.record_usage(uow, booking_id, used, STAFF_ACTOR))
    with desk.db.read() as conn:
        recorded = conn.execute(
            select(stock_movements.c.product_id, stock_movements.c.staff_id, stock_movements.c.change).where(
                stock_movements.c.reference == booking_id, stock_movements.c.basis == "recorded"
            )
        ).all()
    assert [tuple(x) for x in recorded] == [(gloves, "hugo", -2)]
