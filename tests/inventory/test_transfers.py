"""Transfers between stores on a real database: requested, approved, dispatched (in transit,
seen by both stores) and received at the value the units left with; what did not arrive is a
recorded discrepancy; bad requests and steps out of turn are refused with the reason and move
nothing; sales, transfers and counts racing on one product never lose or invent a unit."""

import json

import pytest
from sqlalchemy import func, select

from services.inventory import reads, transit
from services.inventory.tables import stock_movements
from shared.errors import Conflict, NotFound, Unprocessable
from shared.testing import race
from tests.inventory.conftest import LYON, NICE, PARIS
from tests.inventory.test_stock import sums_up


def seen(desk, transfer_id, store_id=LYON) -> dict:
    with desk.db.read() as conn:
        return transit.transfer_view(conn, transfer_id, store_id)


def in_transit(desk, store_id, product_id) -> dict:
    with desk.db.read() as conn:
        return reads.stock_of(conn, store_id, product_id)["in_transit"]


def movements(desk) -> int:
    with desk.db.read() as conn:
        return conn.execute(select(func.count()).select_from(stock_movements)).scalar()


@pytest.fixture
def dye(desk):
    product_id = desk.product(cost=1000)  # 1,000 ml for 10.00: a cent a ml
    desk.receive(PARIS, product_id, 1000)
    return product_id


def test_a_transfer_is_in_transit_on_both_sides_then_received_at_the_value_it_left_with(desk, dye):
    transfer_id = desk.request_transfer(PARIS, LYON, (dye, 300))
    assert seen(desk, transfer_id)["status"] == "requested"
    desk.approve(transfer_id, PARIS)
    desk.dispatch(transfer_id, PARIS)
    assert desk.on_hand(PARIS, dye) == 700 and desk.on_hand(LYON, dye) == 0
    assert in_transit(desk, PARIS, dye) == {"incoming": 0, "outgoing": 300}
    assert in_transit(desk, LYON, dye) == {"incoming": 300, "outgoing": 0}
    line = seen(desk, transfer_id, PARIS)["lines"][0]
    assert (line["dispatched"], line["value"]["amount_minor"]) == (300, 300)

    desk.arrive(transfer_id, LYON)
    assert seen(desk, transfer_id)["status"] == "received"
    assert desk.on_hand(LYON, dye) == 300 and desk.level(LYON, dye).value_minor == 300
    assert in_transit(desk, LYON, dye) == {"incoming": 0, "outgoing": 0}
    assert sums_up(desk, PARIS, dye) and sums_up(desk, LYON, dye)


def test_what_did_not_arrive_is_recorded_as_a_discrepancy(desk, dye):
    transfer_id = desk.request_transfer(PARIS, LYON, (dye, 400))
    desk.approve(transfer_id, PARIS)
    desk.dispatch(transfer_id, PARIS)
    desk.arrive(transfer_id, LYON, (dye, 350))
    line = seen(desk, transfer_id)["lines"][0]
    assert (line["dispatched"], line["received"], line["discrepancy"]) == (400, 350, -50)
    assert desk.on_hand(LYON, dye) == 350 and desk.level(LYON, dye).value_minor == 350


def test_more_arriving_than_was_sent_needs_a_reason(desk, dye):
    transfer_id = desk.request_transfer(PARIS, LYON, (dye, 100))
    desk.approve(transfer_id, PARIS)
    desk.dispatch(transfer_id, PARIS)
    with pytest.raises(Unprocessable) as refused:
        desk.arrive(transfer_id, LYON, (dye, 120))
    assert "reason" in refused.value.details and desk.on_hand(LYON, dye) == 0
    desk.arrive(transfer_id, LYON, (dye, 120), reason="a spare bottle was packed")
    assert desk.on_hand(LYON, dye) == 120 and seen(desk, transfer_id)["lines"][0]["discrepancy"] == 20


def test_a_partial_dispatch_sends_what_the_sender_can_spare(desk, dye):
    gloves = desk.product(unit="piece")
    desk.receive(PARIS, gloves, 5)
    transfer_id = desk.request_transfer(PARIS, LYON, (dye, 200), (gloves, 10))
    desk.approve(transfer_id, PARIS)
    desk.dispatch(transfer_id, PARIS, (gloves, 0))
    lines = {x["product_id"]: x for x in seen(desk, transfer_id)["lines"]}
    assert (lines[dye]["dispatched"], lines[gloves]["dispatched"]) == (200, 0)
    assert desk.on_hand(PARIS, gloves) == 5
    desk.arrive(transfer_id, LYON)
    assert (desk.on_hand(LYON, dye), desk.on_hand(LYON, gloves)) == (200, 0)


def test_a_dispatch_never_sends_more_than_is_on_hand_or_was_requested(desk, dye):
    transfer_id = desk.request_transfer(PARIS, LYON, (dye, 1500))
    desk.approve(transfer_id, PARIS)
    before = movements(desk)
    with pytest.raises(Conflict):
        desk.dispatch(transfer_id, PARIS)
    with pytest.raises(Unprocessable):
        desk.dispatch(transfer_id, PARIS, (dye, 1600))
    assert movements(desk) == before and seen(desk, transfer_id)["status"] == "approved"


@pytest.mark.parametrize(
    "sender, receiver, field",
    [(PARIS, PARIS, "from_store_id"), (NICE, PARIS, "store_id"), (PARIS, NICE, "store_id")],
)
def test_a_transfer_to_the_same_store_or_with_a_closed_store_is_refused(desk, dye, sender, receiver, field):
    with pytest.raises(Unprocessable) as refused:
        desk.request_transfer(sender, receiver, (dye, 10))
    assert field in refused.value.details


@pytest.mark.parametrize(
    "line, field",
    [
        ({"quantity": 0}, "lines.1.quantity"),
        ({"quantity": -5}, "lines.1.quantity"),
        ({"quantity": 5, "unit": "g"}, "lines.1.unit"),
        ({"quantity": 5, "product_id": None, "sku": "NO-SUCH-SKU"}, "lines.1.sku"),
        ({"quantity": 5, "product_id": None, "barcode": "99999999"}, "lines.1.barcode"),
    ],
)
def test_bad_lines_are_refused_naming_the_line(desk, dye, line, field):
    from services.inventory import transfers

    wanted = {"from_store_id": PARIS, "lines": [{"product_id": dye, **line}]}
    with pytest.raises(Unprocessable) as refused:
        desk.run(lambda uow: transfers.request(uow, "t-bad", LYON, wanted, {"account_id": "x"}))
    assert field in refused.value.details
    with desk.db.read() as conn, pytest.raises(NotFound):
        transit.transfer_view(conn, "t-bad", LYON)


def test_a_product_asked_for_twice_is_refused(desk, dye):
    with pytest.raises(Unprocessable) as refused:
        desk.request_transfer(PARIS, LYON, (dye, 10), (dye, 20))
    assert "lines.2" in refused.value.details


def test_only_the_sender_approves_and_dispatches_and_only_the_receiver_receives(desk, dye):
    transfer_id = desk.request_transfer(PARIS, LYON, (dye, 10))
    with pytest.raises(NotFound):
        desk.approve(transfer_id, LYON)
    desk.approve(transfer_id, PARIS)
    with pytest.raises(NotFound):
        desk.dispatch(transfer_id, LYON)
    desk.dispatch(transfer_id, PARIS)
    with pytest.raises(NotFound):
        desk.arrive(transfer_id, PARIS)
    with desk.db.read() as conn, pytest.raises(NotFound):
        transit.transfer_view(conn, transfer_id, "marseille")


def test_steps_out_of_turn_are_refused(desk, dye):
    from services.inventory import transfers

    transfer_id = desk.request_transfer(PARIS, LYON, (dye, 10))
    with pytest.raises(Conflict):
        desk.dispatch(transfer_id, PARIS)
    desk.approve(transfer_id, PARIS)
    with pytest.raises(Conflict):
        desk.approve(transfer_id, PARIS)
    with pytest.raises(Conflict):
        desk.arrive(transfer_id, LYON)
    desk.dispatch(transfer_id, PARIS)
    with pytest.raises(Conflict):
        desk.run(lambda uow: transfers.cancel(uow, transfer_id, LYON, "no longer", {"account_id": "x"}))
    desk.arrive(transfer_id, LYON)
    with pytest.raises(Conflict):
        desk.arrive(transfer_id, LYON)
    assert desk.on_hand(LYON, dye) == 10


def test_a_rejected_or_cancelled_transfer_moves_nothing(desk, dye):
    from services.inventory import transfers

    rejected, cancelled = (
        desk.request_transfer(PARIS, LYON, (dye, 10)),
        desk.request_transfer(PARIS, LYON, (dye, 10)),
    )
    desk.run(lambda uow: transfers.reject(uow, rejected, PARIS, "we need it", {"account_id": "m"}))
    desk.approve(cancelled, PARIS)
    desk.run(lambda uow: transfers.cancel(uow, cancelled, LYON, None, {"account_id": "m"}))
    assert (seen(desk, rejected)["status"], seen(desk, rejected)["reason"]) == ("rejected", "we need it")
    assert seen(desk, cancelled)["status"] == "cancelled"
    with pytest.raises(Conflict):
        desk.dispatch(cancelled, PARIS)
    assert desk.on_hand(PARIS, dye) == 1000


def test_a_stores_transfers_list_in_and_out(desk, dye):
    inbound = desk.request_transfer(PARIS, LYON, (dye, 10))
    outbound = desk.request_transfer(LYON, PARIS, (dye, 5))
    with desk.db.read() as conn:
        both = transit.transfers_page(conn, LYON)
        incoming = transit.transfers_page(conn, LYON, direction="in")
        outgoing = transit.transfers_page(conn, LYON, direction="out", status="requested")
    assert {x["transfer_id"] for x in both["items"]} == {inbound, outbound} and both["total"] == 2
    assert [x["transfer_id"] for x in incoming["items"]] == [inbound]
    assert [x["transfer_id"] for x in outgoing["items"]] == [outbound]


def test_sales_in_two_stores_a_transfer_and_a_count_racing_never_lose_or_invent_a_unit(desk, replica):
    shampoo = desk.product(unit="piece", pack_size=1, use="both", price=1890, cost=600)
    desk.receive(PARIS, shampoo, 50)
    desk.receive(LYON, shampoo, 20)
    transfer_id = desk.request_transfer(PARIS, LYON, (shampoo, 10))
    desk.approve(transfer_id, PARIS)
    calls = [lambda d=d: d.sell(PARIS, shampoo) for d in (desk, replica) * 3]
    calls += [lambda d=d: d.sell(LYON, shampoo) for d in (desk, replica) * 3]
    calls += [lambda: desk.dispatch(transfer_id, PARIS), lambda: replica.count(PARIS, shampoo, 45)]
    assert race(calls).count("won") == len(calls)
    desk.arrive(transfer_id, LYON)
    for store_id in (PARIS, LYON):
        assert sums_up(desk, store_id, shampoo)
    with desk.db.read() as conn:
        moved = dict(
            conn.execute(
                select(stock_movements.c.kind, func.sum(stock_movements.c.change))
                .where(stock_movements.c.product_id == shampoo)
                .group_by(stock_movements.c.kind)
            ).all()
        )
    assert moved["transferred_out"] == -10 and moved["transferred_in"] == 10 and moved["sold"] == -12
    total = desk.on_hand(PARIS, shampoo) + desk.on_hand(LYON, shampoo)
    assert total == 70 - 12 + moved.get("counted", 0)


def test_a_replayed_request_makes_one_transfer(desk, dye):
    first = desk.request_transfer(PARIS, LYON, (dye, 10), transfer_id="same")
    again = desk.request_transfer(PARIS, LYON, (dye, 10), transfer_id="same")
    with desk.db.read() as conn:
        assert first == again and transit.transfers_page(conn, LYON)["total"] == 1


def test_units_arrive_in_the_lots_they_left_with_their_expiry(desk):
    gloves = desk.product(unit="piece", pack_size=1, cost=100, tracks_lots=True)
    desk.receive(PARIS, gloves, 5, cost=500, lot="L1", expires_on="2027-01-31")
    desk.receive(PARIS, gloves, 5, cost=600, lot="L2", expires_on="2027-06-30")
    transfer_id = desk.request_transfer(PARIS, LYON, (gloves, 7))
    desk.approve(transfer_id, PARIS)
    desk.dispatch(transfer_id, PARIS)
    desk.arrive(transfer_id, LYON, (gloves, 6))
    level = desk.level(LYON, gloves)
    assert json.loads(level.lots) == [["L1", "2027-01-31", 5], ["L2", "2027-06-30", 1]]
    sent_value = 770  # 7 of 10 units worth 1,100
    assert level.value_minor == (sent_value * 6 * 2 + 7) // 14 and sums_up(desk, LYON, gloves)
    assert json.loads(desk.level(PARIS, gloves).lots) == [["L2", "2027-06-30", 3]]


def test_a_sender_closed_since_the_request_cannot_dispatch(desk, dye):
    from services.booking.contracts import StoreClosed
    from services.inventory.learned import STORES
    from tests.inventory.conftest import booking_event

    transfer_id = desk.request_transfer(PARIS, LYON, (dye, 10))
    desk.approve(transfer_id, PARIS)
    closed = {"store_id": PARIS, "status": "closed", "reason": "works", "by": None}
    desk.learn(STORES, booking_event(StoreClosed, closed, f"store-{PARIS}"))
    with pytest.raises(Unprocessable) as refused:
        desk.dispatch(transfer_id, PARIS)
    assert "store_id" in refused.value.details and desk.on_hand(PARIS, dye) == 1000
