"""The till's rules on their own: money splits to the minor unit, lines carry their tax,
tenders move one idempotent step at a time, and an order's status follows its booking and
its payments."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.orders.domain import lines as L
from services.orders.domain import order as O
from services.orders.domain import tenders as T
from services.orders.domain.money import allocate, share, tax_in
from services.orders.domain.status import Standing, status


def line(**changes) -> L.Line:
    base = {
        "line_id": "l1",
        "kind": L.SERVICE,
        "ref": "cut",
        "description": "Cut",
        "category": "hair",
        "quantity": 1,
        "unit_price": 4500,
        "tax_rate_bp": 2000,
    }
    return L.Line(**{**base, **changes})


# --- money -------------------------------------------------------------------------------


def test_tax_inside_a_tax_inclusive_price_is_found_and_rounded_half_up():
    assert tax_in(12000, 2000) == 2000  # 120.00 at 20 %: 100.00 net + 20.00 tax
    assert tax_in(4500, 2000) == 750
    assert tax_in(1, 2000) == 0  # 0.1667 rounds down
    assert tax_in(3, 2000) == 1  # 0.5 rounds up
    assert tax_in(-4500, 2000) == -750
    with pytest.raises(ValueError):
        tax_in(100, 10_001)


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_an_allocation_always_sums_to_the_whole_and_follows_the_weights(total, weights):
    if sum(weights) == 0:
        with pytest.raises(ValueError):
            allocate(total, weights)
        return
    parts = allocate(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / sum(weights)
        assert abs(part - exact) < 1  # no part is more than a minor unit from its exact share
        assert weight > 0 or part == 0


def test_a_share_is_rounded_half_away_from_zero():
    assert share(4500, 1000) == 450
    assert share(5, 1000) == 1  # 0.5
    assert share(-5, 1000) == -1


# --- lines -------------------------------------------------------------------------------


@given(st.integers(0, 10**7), st.integers(1, 20), st.integers(0, 10_000), st.data())
def test_a_line_is_net_plus_tax_equals_gross_equals_list_less_discount(price, quantity, rate, data):
    discount = data.draw(st.integers(0, price * quantity))
    found = line(
        unit_price=price,
        quantity=quantity,
        tax_rate_bp=rate,
        discount=discount,
        discount_reason="regular" if discount else None,
    )
    assert found.net + found.tax == found.gross == price * quantity - discount
    assert 0 <= found.tax <= found.gross


def test_totals_add_up_line_by_line_and_per_tax_rate():
    found = L.totals(
        [
            line(),
            line(
                line_id="l2",
                kind=L.PRODUCT,
                ref="sku-1",
                category="retail",
                unit_price=1990,
                quantity=2,
                discount=390,
                discount_reason="bundle",
            ),
            line(line_id="l3", category="wellness", unit_price=6000, tax_rate_bp=1000),
        ]
    )
    assert (found.list_amount, found.discount, found.gross) == (14480, 390, 14090)
    assert found.net + found.tax == found.gross
    assert found.tax_by_rate == {1000: (5455, 545), 2000: (6742, 1348)}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"quantity": 0}, "quantity"),
        ({"unit_price": -1}, "unit_price"),
        ({"tax_rate_bp": 10_001}, "tax_rate_bp"),
        ({"discount": 4501, "discount_reason": "too much"}, "discount"),
        ({"discount": 100}, "discount_reason"),
        ({"kind": "gift"}, "kind"),
    ],
)
def test_an_impossible_line_is_refused_naming_its_field(changes, field):
    with pytest.raises(L.LineRefused) as refused:
        line(**changes)
    assert refused.value.field == field


def test_a_discount_above_the_store_threshold_needs_a_manager():
    assert not L.discount_needs_manager(line(discount=450, discount_reason="regular"), threshold_bp=1000)
    assert L.discount_needs_manager(line(discount=451, discount_reason="regular"), threshold_bp=1000)


def test_a_category_the_store_has_no_rate_for_is_refused_not_guessed():
    assert L.tax_rate({"hair": 2000}, "hair") == 2000
    with pytest.raises(L.LineRefused, match="no tax rate for spa"):
        L.tax_rate({"hair": 2000}, "spa")


# --- tenders -----------------------------------------------------------------------------


def test_a_tender_is_authorized_then_captured_and_each_step_again_changes_nothing():
    tender = T.requested("t1", T.CARD_ONLINE, 2680)
    held, changed = T.authorized(tender, "psp-1")
    assert (held.status, held.reference, changed) == (T.AUTHORIZED, "psp-1", True)
    assert T.authorized(held, "psp-1") == (held, False)
    taken, changed = T.captured(held)
    assert (taken.status, taken.captured, changed) == (T.CAPTURED, 2680, True)
    assert T.captured(taken) == (taken, False)


@pytest.mark.parametrize(
    "status, step",
    [(T.VOIDED, T.captured), (T.CAPTURED, T.voided), (T.FAILED, T.captured), (T.PENDING, T.captured)],
)
def test_a_step_that_contradicts_one_taken_is_refused(status, step):
    with pytest.raises(T.TenderRefused):
        step(T.Tender("t1", T.CASH, 100, status=status))


def test_a_refund_gives_back_at_most_what_was_captured_and_not_yet_refunded():
    taken = T.Tender("t1", T.CARD_PRESENT, 5000, status=T.CAPTURED)
    once = T.refunded(taken, 3000)
    assert (once.refunded, once.refundable) == (3000, 2000)
    with pytest.raises(T.TenderRefused):
        T.refunded(once, 2001)
    with pytest.raises(T.TenderRefused):
        T.refunded(T.Tender("t2", T.CASH, 100, status=T.AUTHORIZED), 10)


def test_a_split_payment_whose_second_tender_fails_voids_the_first_hold():
    first = T.authorized(T.requested("t1", T.CARD_ONLINE, 3000), "psp-1")[0]
    second = T.requested("t2", T.CARD_PRESENT, 2000)
    assert T.saga_next([first, second]) == []  # the second is still pending: wait
    second = T.failed(second, "declined")[0]
    assert T.saga_next([first, second]) == [("t1", T.VOIDED)]
    all_held = [first, T.authorized(T.requested("t2", T.CASH, 2000, tendered=5000), None)[0]]
    assert T.saga_next(all_held) == [("t1", T.CAPTURED), ("t2", T.CAPTURED)]
    assert all_held[1].change == 3000


@pytest.mark.parametrize(
    "kind, amount, tendered",
    [("cheque", 100, None), (T.CASH, 0, None), (T.CASH, 100, 99), (T.CARD_ONLINE, 100, 200)],
)
def test_an_impossible_tender_is_refused_as_bad_input(kind, amount, tendered):
    with pytest.raises(T.TenderRefused) as refused:
        T.requested("t1", kind, amount, tendered)
    assert refused.value.conflict is False


def test_tenders_may_not_pay_more_than_the_balance_nor_pay_a_settled_order():
    T.check_payment(5000, [3000, 2000])
    with pytest.raises(T.TenderRefused, match="more than the balance"):
        T.check_payment(5000, [3000, 2001])
    with pytest.raises(T.TenderRefused, match="nothing is left"):
        T.check_payment(0, [1])


def test_a_refund_goes_back_to_the_last_captured_tenders_first():
    paid = [
        T.Tender("cash", T.CASH, 3000, status=T.CAPTURED),
        T.Tender("card", T.CARD_PRESENT, 2000, status=T.CAPTURED),
    ]
    assert T.refund_split(paid, 2500) == [("card", 2000), ("cash", 500)]
    with pytest.raises(T.TenderRefused):
        T.refund_split(paid, 5001)


# --- status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fulfilment, gross, deposit, paid, refunded, expected",
    [
        ("booked", 8900, 2680, 0, 0, "pending_payment"),  # the deposit is due before the visit
        ("booked", 8900, 2680, 2680, 0, "booked"),
        ("booked", 8900, 0, 0, 0, "booked"),  # pay at the counter
        ("booked", 8900, 0, 8900, 0, "paid"),  # paid online in full
        ("checked_in", 8900, 0, 0, 0, "in_service"),  # nothing is owed while in the chair
        ("in_service", 8900, 2680, 2680, 0, "in_service"),
        ("completed", 8900, 2680, 2680, 0, "pending_payment"),  # the rest at the counter
        ("completed", 8900, 2680, 8900, 0, "completed"),
        ("cancelled", 0, 2680, 0, 0, "cancelled"),  # cancelled in time: nothing owed
        ("cancelled", 2000, 2680, 0, 0, "pending_payment"),  # a late-cancellation fee is due
        ("no_show", 2680, 2680, 2680, 0, "cancelled"),  # the deposit covers the fee
        ("completed", 8900, 0, 5900, 3000, "partially_refunded"),
        ("cancelled", 0, 2680, 0, 2680, "refunded"),
        (None, 3980, 0, 0, 0, "pending_payment"),  # a counter sale not paid yet
        (None, 3980, 0, 3980, 0, "completed"),
    ],
)
def test_the_status_a_user_sees_follows_the_booking_and_the_payments(
    fulfilment, gross, deposit, paid, refunded, expected
):
    assert status(Standing(fulfilment, gross, deposit, paid, refunded)) == expected


# --- the order ---------------------------------------------------------------------------


def order(**changes) -> O.Order:
    base = {
        "order_id": "o1",
        "store_id": "paris",
        "currency": "EUR",
        "booking_id": "b1",
        "fulfilment": "booked",
        "deposit_due": 2680,
        "lines": (line(unit_price=8900),),
    }
    return O.Order(**{**base, **changes})


def test_payments_racing_on_one_order_cannot_together_take_more_than_its_balance():
    first = T.authorized(T.requested("t1", T.CARD_ONLINE, 6000), "psp-1")[0]
    racing = order(tenders=(first,))
    O.start_payment(racing, [T.requested("t2", T.CARD_PRESENT, 2900)])
    with pytest.raises(T.TenderRefused, match="more than the balance"):
        O.start_payment(racing, [T.requested("t2", T.CARD_PRESENT, 2901)])


def test_a_tip_rides_on_top_of_the_bill_and_is_not_counted_as_paid():
    due = order(fulfilment="completed")
    O.start_payment(due, [T.requested("t1", T.CARD_PRESENT, 9900)], tip=1000)
    with pytest.raises(T.TenderRefused, match="more than the balance"):
        O.start_payment(due, [T.requested("t1", T.CARD_PRESENT, 9901)], tip=1000)
    with pytest.raises(T.TenderRefused, match="within the first tender"):
        O.start_payment(due, [T.requested("t1", T.CARD_PRESENT, 500)], tip=1000)
    taken = T.Tender("t1", T.CARD_PRESENT, 9900, status=T.CAPTURED)
    tipped = order(fulfilment="completed", tenders=(taken,), tips=(("t1", "amelie", 1000),))
    assert (tipped.paid, tipped.tips_paid, tipped.balance, tipped.status) == (8900, 1000, 0, "completed")
    assert O.receipt_due(tipped)
    assert not O.receipt_due(replace(tipped, receipt_number=41))


def test_a_line_added_at_checkout_is_refused_once_settled_or_cancelled_and_a_big_discount_needs_a_manager():
    extra = line(line_id="l2", discount=1000, discount_reason="loyal customer")
    assert O.add_line(order(), extra, manager=True, threshold_bp=1000) == extra
    with pytest.raises(L.LineRefused, match="needs a store manager"):
        O.add_line(order(), extra, manager=False, threshold_bp=1000)
    with pytest.raises(L.LineRefused, match="settled"):
        O.add_line(order(receipt_number=7), extra, manager=True, threshold_bp=1000)
    with pytest.raises(L.LineRefused, match="no-show"):
        O.add_line(order(fulfilment="no_show"), extra, manager=True, threshold_bp=1000)
    with pytest.raises(L.LineRefused, match="already"):
        O.add_line(order(), line(), manager=True, threshold_bp=1000)


def test_a_refund_is_at_most_what_was_paid_and_goes_to_the_last_tenders_first():
    paid = order(
        fulfilment="completed",
        tenders=(
            T.Tender("cash", T.CASH, 4000, status=T.CAPTURED),
            T.Tender("card", T.CARD_PRESENT, 4900, status=T.CAPTURED),
        ),
    )
    assert O.plan_refund(paid, 5000) == [("card", 4900), ("cash", 100)]
    with pytest.raises(T.TenderRefused):
        O.plan_refund(paid, 8901)


def test_a_tender_is_replaced_in_place_when_it_moves_on():
    pending = T.requested("t1", T.CARD_ONLINE, 2680)
    with_one = order().with_tender(pending)
    held = with_one.with_tender(T.authorized(pending, "psp-1")[0])
    assert [t.status for t in held.tenders] == [T.AUTHORIZED]
    assert held.tender("t1").reference == "psp-1"
    with pytest.raises(T.TenderRefused):
        held.tender("t9")
