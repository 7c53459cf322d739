"""Stocktakes on a real database: counts are entered beside what the books held, nothing moves
until a manager approves, then each variance is posted as a count adjustment naming the
stocktake; a sale between the count and the approval stays booked; a session counts only its
categories, one is open per store at a time, and steps out of turn are refused."""

import uuid

import pytest
from sqlalchemy import func, select

from services.inventory import counting
from services.inventory.tables import stock_movements
from shared.errors import Conflict, NotFound, Unprocessable
from shared.testing import race
from tests.inventory.conftest import LYON, PARIS
from tests.inventory.test_stock import sums_up


def seen(desk, stocktake_id, store_id=PARIS) -> dict:
    with desk.db.read() as conn:
        return counting.stocktake_view(conn, stocktake_id, store_id)


def adjustments(desk, stocktake_id) -> list[int]:
    with desk.db.read() as conn:
        return [
            change
            for (change,) in conn.execute(
                select(stock_movements.c.change).where(
                    stock_movements.c.kind == "counted", stock_movements.c.reference == stocktake_id
                )
            ).all()
        ]


@pytest.fixture
def shelf(desk):
    dye, gloves = (
        desk.product(cost=1000),
        desk.product(unit="piece", pack_size=100, cost=500, category="supplies"),
    )
    desk.receive(PARIS, dye, 500)
    desk.receive(PARIS, gloves, 200)
    return dye, gloves


def test_a_count_posts_its_variances_only_when_a_manager_approves(desk, shelf):
    dye, gloves = shelf
    stocktake_id = desk.stocktake()
    desk.tally(stocktake_id, (dye, 480), (gloves, 200))
    view = seen(desk, stocktake_id)
    assert [
        (x["expected"], x["counted"], x["variance"]) for x in view["counts"] if x["product_id"] == dye
    ] == [(500, 480, -20)]
    assert [x for x in view["counts"] if x["product_id"] == dye][0]["variance_value"]["amount_minor"] == -20
    desk.stocktake_step("submit", stocktake_id)
    assert desk.on_hand(PARIS, dye) == 500 and adjustments(desk, stocktake_id) == []
    desk.stocktake_step("approve", stocktake_id)
    assert desk.on_hand(PARIS, dye) == 480 and desk.on_hand(PARIS, gloves) == 200
    assert adjustments(desk, stocktake_id) == [-20]  # no variance, no movement
    assert seen(desk, stocktake_id)["status"] == "approved" and sums_up(desk, PARIS, dye)


def test_a_sale_between_the_count_and_the_approval_stays_booked(desk):
    shampoo = desk.product(unit="piece", pack_size=1, use="both", price=1890, cost=600)
    desk.receive(PARIS, shampoo, 20)
    stocktake_id = desk.stocktake()
    desk.tally(stocktake_id, (shampoo, 18))  # two are missing
    desk.sell(PARIS, shampoo, 3)
    desk.stocktake_step("submit", stocktake_id)
    desk.stocktake_step("approve", stocktake_id)
    assert desk.on_hand(PARIS, shampoo) == 15 and sums_up(desk, PARIS, shampoo)


def test_a_product_counted_again_replaces_its_count(desk, shelf):
    dye, _ = shelf
    stocktake_id = desk.stocktake()
    desk.tally(stocktake_id, (dye, 400))
    desk.tally(stocktake_id, (dye, 490))
    assert [x["counted"] for x in seen(desk, stocktake_id)["counts"]] == [490]


def test_a_stocktake_of_some_categories_counts_only_those(desk, shelf):
    dye, gloves = shelf
    stocktake_id = desk.stocktake(PARIS, "supplies")
    with pytest.raises(Unprocessable) as refused:
        desk.tally(stocktake_id, (dye, 10))
    assert "lines.1.category" in refused.value.details
    desk.tally(stocktake_id, (gloves, 190))
    assert seen(desk, stocktake_id)["not_counted"] == 0


def test_one_stocktake_is_open_per_store_at_a_time(desk, shelf):
    first = desk.stocktake()
    with pytest.raises(Conflict):
        desk.stocktake()
    desk.stocktake(LYON)  # another store counts on its own
    desk.stocktake_step("cancel", first, reason=None)
    desk.stocktake()


def test_reopened_for_a_recount_then_approved(desk, shelf):
    dye, _ = shelf
    stocktake_id = desk.stocktake()
    desk.tally(stocktake_id, (dye, 100))
    desk.stocktake_step("submit", stocktake_id)
    desk.stocktake_step("reopen", stocktake_id, reason="400 ml gone? count again")
    desk.tally(stocktake_id, (dye, 495))
    desk.stocktake_step("submit", stocktake_id)
    desk.stocktake_step("approve", stocktake_id)
    assert desk.on_hand(PARIS, dye) == 495


def test_steps_out_of_turn_are_refused_and_move_nothing(desk, shelf):
    dye, _ = shelf
    stocktake_id = desk.stocktake()
    with pytest.raises(Conflict):
        desk.stocktake_step("submit", stocktake_id)  # nothing counted
    with pytest.raises(Conflict):
        desk.stocktake_step("approve", stocktake_id)
    desk.tally(stocktake_id, (dye, 1))
    desk.stocktake_step("submit", stocktake_id)
    with pytest.raises(Conflict):
        desk.tally(stocktake_id, (dye, 2))
    desk.stocktake_step("cancel", stocktake_id, reason="started on the wrong day")
    with pytest.raises(Conflict):
        desk.stocktake_step("approve", stocktake_id)
    assert desk.on_hand(PARIS, dye) == 500


@pytest.mark.parametrize(
    "line, field",
    [
        ({"counted": -1}, "lines.1.counted"),
        ({"counted": 5, "unit": "g"}, "lines.1.unit"),
        ({"counted": 5, "product_id": "no-such"}, "lines.1.product_id"),
    ],
)
def test_bad_counts_are_refused_naming_the_line(desk, shelf, line, field):
    from services.inventory import stocktakes

    dye, _ = shelf
    stocktake_id = desk.stocktake()
    wanted = [{"product_id": dye, **line}]
    with pytest.raises(Unprocessable) as refused:
        desk.run(lambda uow: stocktakes.record_counts(uow, stocktake_id, PARIS, wanted, {"account_id": "x"}))
    assert field in refused.value.details
    assert seen(desk, stocktake_id)["counts"] == []


def test_another_stores_stocktake_is_not_found(desk, shelf):
    stocktake_id = desk.stocktake()
    with pytest.raises(NotFound):
        desk.stocktake_step("submit", stocktake_id, store_id=LYON)


def test_two_managers_approving_at_once_post_the_variances_once(desk, replica, shelf):
    dye, _ = shelf
    stocktake_id = desk.stocktake()
    desk.tally(stocktake_id, (dye, 450))
    desk.stocktake_step("submit", stocktake_id)
    outcomes = race([lambda d=d: d.stocktake_step("approve", stocktake_id) for d in (desk, replica) * 2])
    assert sorted(outcomes) == ["Conflict", "Conflict", "Conflict", "won"]
    assert desk.on_hand(PARIS, dye) == 450 and adjustments(desk, stocktake_id) == [-50]
    with desk.db.read() as conn:
        moved = conn.execute(select(func.count()).select_from(stock_movements)).scalar()
    assert moved == 3  # two receipts and one adjustment


def test_a_spot_count_of_a_product_an_open_stocktake_counted_is_refused(desk, shelf):
    dye, gloves = shelf
    stocktake_id = desk.stocktake()
    desk.tally(stocktake_id, (dye, 480))
    with pytest.raises(Conflict) as refused:
        desk.count(PARIS, dye, 480)
    assert stocktake_id in refused.value.message
    desk.count(PARIS, gloves, 199)  # not counted in it: counted on the spot
    desk.stocktake_step("submit", stocktake_id)
    desk.stocktake_step("approve", stocktake_id)
    assert desk.on_hand(PARIS, dye) == 480 and desk.on_hand(PARIS, gloves) == 199
    desk.count(PARIS, dye, 479)  # the stocktake is over


def test_replicas_opening_a_stocktake_at_once_open_one(desk, replica, shelf):
    from services.inventory import stocktakes as commands

    def opening(d):
        stocktake_id = str(uuid.uuid4())
        return lambda: d.run(
            lambda uow: commands.open_stocktake(uow, stocktake_id, PARIS, {}, {"account_id": "m"})
        )

    assert sorted(race([opening(d) for d in (desk, replica) * 2])) == [
        "Conflict",
        "Conflict",
        "Conflict",
        "won",
    ]
