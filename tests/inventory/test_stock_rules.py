"""The stock rules alone (services/inventory/domain/stock.py): on hand, value and lots are
always the sums of the movements, whatever the sequence; the average cost moves with each
receipt; an alert fires once per crossing of the reorder point."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.inventory.domain import stock as S
from shared.refusals import Refused


def test_a_receipt_moves_the_average_cost_and_an_issue_takes_its_share():
    first = S.receive(S.Stock(), 1000, 1000)
    second = S.receive(first.after, 1000, 3000)
    assert second.after.value == 4000 and second.after.unit_cost_micros == 2 * S.MICROS
    taken = S.take(second.after, 500, allow_negative=False)
    assert taken.value_change == -1000 and taken.after.value == 3000


def test_the_last_unit_takes_all_the_value_left():
    three = S.receive(S.Stock(), 3, 100).after
    one = S.take(three, 2, False).after
    assert S.take(one, 1, False).after.value == 0


def test_more_than_is_on_hand_is_refused_unless_the_store_allows_it():
    two = S.receive(S.Stock(), 2, 200).after
    with pytest.raises(Refused):
        S.take(two, 3, allow_negative=False)
    below = S.take(two, 3, allow_negative=True)
    assert below.negative and below.after.on_hand == -1 and below.after.value == -100


def test_a_receipt_into_stock_below_zero_settles_the_units_owed_at_its_own_cost():
    owing = S.take(S.receive(S.Stock(), 1, 100).after, 3, True).after  # -2 at 100 each
    settled = S.receive(owing, 4, 800)  # 200 each
    assert settled.after.on_hand == 2 and settled.after.value == 400


def test_lots_are_taken_earliest_expiry_first():
    stock = S.receive(S.Stock(), 5, 50, "B", "2027-06-01").after
    stock = S.receive(stock, 5, 50, "A", "2027-01-01").after
    taken = S.take(stock, 7, False)
    assert [(x.lot, x.on_hand) for x in taken.lots] == [("A", -5), ("B", -2)]
    assert [(x.lot, x.on_hand) for x in taken.after.lots] == [("B", 3)]


def test_the_reorder_point_alerts_once_per_crossing():
    stock = S.levels(S.receive(S.Stock(), 10, 100).after, 5, 20).after
    alerts = []
    for _ in range(8):
        moved = S.take(stock, 1, False)
        alerts.append(moved.alert)
        stock = moved.after
    assert alerts == [None, None, None, None, None, S.LOW, None, None]
    assert S.receive(stock, 1, 10).alert is None
    assert S.receive(stock, 3, 30).alert == S.RESTORED


def test_levels_need_a_target_above_the_reorder_point():
    with pytest.raises(Refused):
        S.levels(S.Stock(), 5, 5)
    with pytest.raises(Refused):
        S.levels(S.Stock(), 5, None)


step = st.one_of(
    st.tuples(
        st.just("receive"), st.integers(1, 500), st.integers(0, 50_000), st.sampled_from([None, "L1", "L2"])
    ),
    st.tuples(st.just("take"), st.integers(1, 500), st.booleans(), st.none()),
    st.tuples(st.just("count"), st.integers(0, 800), st.none(), st.none()),
    st.tuples(st.just("levels"), st.integers(0, 300), st.integers(1, 300), st.none()),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(step, max_size=40))
def test_on_hand_value_and_lots_are_always_the_sums_of_the_movements(steps):
    stock, on_hand, value, low_alerts = S.Stock(), 0, 0, []
    for kind, a, b, c in steps:
        try:
            if kind == "receive":
                moved = S.receive(stock, a, b, c, "2027-01-01" if c else None)
            elif kind == "take":
                moved = S.take(stock, a, allow_negative=b)
            elif kind == "count":
                moved = S.count(stock, a)
            else:
                moved = S.levels(stock, a, a + b)
        except Refused:
            continue
        on_hand += moved.change
        value += moved.value_change
        stock = moved.after
        if moved.alert:
            low_alerts.append(moved.alert)
        assert stock.on_hand == on_hand and stock.value == value
        assert sum(x.on_hand for x in stock.lots) == max(stock.on_hand, 0)
        assert all(x.on_hand > 0 for x in stock.lots)
        assert stock.on_hand > 0 or stock.on_hand < 0 or stock.value == 0
        assert stock.low == (stock.reorder_point is not None and stock.on_hand < stock.reorder_point)
    # alerts alternate: never two StockLow without a StockRestored between them
    assert all(x != y for x, y in zip(low_alerts, low_alerts[1:], strict=False))
