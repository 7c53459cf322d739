"""Points on a real database: earned on what a member's paid order came to (less points,
stored value and coupons), at HQ's rate, once per order; reversed in proportion by refunds,
into debt when they were spent, which later earnings pay back first; expiring lot by lot,
the oldest first; adjusted by hand with a reason. The balance is always the sum of the
ledger, whatever the sequence and however many replicas move it at once."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.members import points, points_tender, reads
from services.members.app import APP
from services.members.contracts import MemberRegistered
from services.members.domain import points as P
from services.members.domain import stream_of
from services.members.domain.registration import SIGNED_UP_ONLINE
from shared.db import Database
from shared.errors import Conflict, NotFound
from shared.eventstore import EventStore
from shared.migrate import upgrade
from shared.testing import race
from shared.uow import run_unit_of_work

STAFF = {"account_id": "acct-manager", "role": "store_manager"}
HQ = {"account_id": "acct-hq", "role": "hq_admin"}


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


class Ledger:
    """One replica of members' command side: its own engine on the shared database."""

    def __init__(self, url: str):
        self.db = Database(url)
        self.store = EventStore("members")
        self.now = datetime.now(UTC)

    def run(self, work, idempotency=None):
        return run_unit_of_work(self.db, self.store, APP.projections, work, idempotency=idempotency)[0]

    def member(self) -> str:
        member_id = str(uuid.uuid4())
        self.run(
            lambda uow: uow.record(
                stream_of(member_id),
                0,
                MemberRegistered,
                {
                    "member_id": member_id,
                    "account_id": f"acct-{member_id}",
                    "name": "Jo Martin",
                    "email": "jo@example.com",
                    "phone": None,
                    "consents": {"terms": True, "marketing_email": False, "marketing_sms": False},
                    "registered_at": "2026-12-01T09:00:00Z",
                    **SIGNED_UP_ONLINE,
                },
            )
        )
        return member_id

    def paid(
        self,
        member_id: str | None,
        gross: int,
        *tenders: tuple[str, int],
        order_id: str | None = None,
        lines: tuple[tuple[str, int], ...] = (),
    ) -> str:
        """An order paid (by card unless ``tenders`` say otherwise) with its ``lines``
        ((category, gross) each; none: as OrderPaid v1, lines not told)."""
        order_id = order_id or str(uuid.uuid4())
        data = {
            "order_id": order_id,
            "store_id": "paris-opera",
            "customer_id": member_id,
            "gross": eur(gross),
            "tenders": [{"kind": k, "amount": eur(a)} for k, a in tenders or (("card_present", gross),)],
            "lines": [
                {"line_id": f"l{i}", "kind": "service", "ref": c, "category": c, "gross": eur(g)}
                for i, (c, g) in enumerate(lines)
            ],
        }
        self.run(lambda uow: points.earn(uow, data, self.now))
        return order_id

    def refunded(self, order_id: str, amount: int) -> None:
        data = {
            "order_id": order_id,
            "store_id": "paris-opera",
            "refund_id": str(uuid.uuid4()),
            "amount": eur(amount),
        }
        self.run(lambda uow: points.reverse(uow, data))

    def adjust(self, member_id: str, change: int, actor: dict = STAFF) -> None:
        self.run(
            lambda uow: points.adjust(uow, member_id, change, "goodwill", actor, str(uuid.uuid4()), self.now)
        )

    def expire(self, member_id: str, lot_id: str) -> None:
        self.run(lambda uow: points.expire(uow, member_id, lot_id, self.now))

    def view(self, member_id: str, limit: int = 50, offset: int = 0) -> dict:
        with self.db.read() as conn:
            return reads.points_view(conn, member_id, limit, offset)

    def balance(self, member_id: str) -> int:
        return self.view(member_id)["balance"]


@pytest.fixture
def ledger(db_url):
    upgrade(APP, db_url)
    first = Ledger(db_url)
    yield first
    first.db.dispose()


@pytest.fixture
def replica(ledger, db_url):
    second = Ledger(db_url)
    yield second
    second.db.dispose()


def sums_up(view: dict) -> bool:
    lines = view["ledger"]["items"]
    return sum(x["points"] for x in lines) == view["balance"] == (lines[0]["balance_after"] if lines else 0)


def test_a_paid_order_earns_on_what_was_not_paid_with_points_stored_value_or_a_coupon(ledger):
    member = ledger.member()
    order = ledger.paid(member, 13400, ("card_present", 9000), ("stored_value", 3000), ("coupon", 1400))
    view = ledger.view(member)
    assert view["balance"] == 90 and view["ledger"]["items"][0]["kind"] == "earned"
    assert view["expiring"] == [
        {"lot_id": order, "points": 90, "expires_at": view["expiring"][0]["expires_at"]}
    ]
    expires = datetime.fromisoformat(view["expiring"][0]["expires_at"])
    assert expires - ledger.now == pytest.approx(timedelta(days=365), abs=timedelta(seconds=2))


def test_an_order_paid_with_points_a_card_and_a_coupon_earns_nothing_and_leaves_no_line(ledger):
    member = ledger.member()
    order = ledger.paid(member, 5000, ("points", 1000), ("stored_value", 3500), ("coupon", 500))
    ledger.refunded(order, 5000)
    assert ledger.view(member)["ledger"]["total"] == 0 and ledger.balance(member) == 0


def test_hq_sets_the_rate_and_the_expiry(ledger):
    ledger.run(lambda uow: points.set_rules(uow, {"points_per_unit": 3, "expiry_days": 30}, HQ))
    member = ledger.member()
    ledger.paid(member, 5050)
    assert ledger.balance(member) == 151  # 50.50 EUR at 3 a unit, rounded down
    with ledger.db.read() as conn:
        assert points.rules_of(conn) == P.Rules(points_per_unit=3, point_value_minor=1, expiry_days=30)


def test_an_order_earns_once_and_a_walk_in_earns_nothing(ledger):
    member = ledger.member()
    order = ledger.paid(member, 10000)
    ledger.paid(member, 10000, order_id=order)
    ledger.paid(None, 10000)
    assert ledger.balance(member) == 100 and ledger.view(member)["ledger"]["total"] == 1


def test_points_of_a_member_not_yet_known_here_wait_for_them(ledger):
    member_id = str(uuid.uuid4())  # their registration is still on its way from identity
    ledger.paid(member_id, 10000)
    assert ledger.balance(member_id) == 100


def test_refunds_reverse_in_proportion_and_together_never_more_than_was_earned(ledger):
    member = ledger.member()
    order = ledger.paid(member, 10000)
    ledger.refunded(order, 2550)
    assert ledger.balance(member) == 75  # a quarter of 100, rounded in the member's favour
    ledger.refunded(order, 2450)
    assert ledger.balance(member) == 50
    ledger.refunded(order, 9000)  # more than is left to refund of what earned: all of it
    view = ledger.view(member)
    assert view["balance"] == 0 and [x["points"] for x in view["ledger"]["items"]] == [-50, -25, -25, 100]
    assert sums_up(view)


def test_reversing_spent_points_goes_negative_later_earnings_pay_it_back_and_spending_waits(ledger):
    member = ledger.member()
    order = ledger.paid(member, 10000)
    ledger.adjust(member, -80)  # spent
    ledger.refunded(order, 10000)
    view = ledger.view(member)
    assert (view["balance"], view["debt"]) == (-80, 80)
    with pytest.raises(Conflict, match="negative"):
        ledger.adjust(member, -1)
    ledger.paid(member, 5000)  # 50 points, all of them paying the debt back
    assert (ledger.balance(member), ledger.view(member)["expiring"]) == (-30, [])
    ledger.paid(member, 5000)
    view = ledger.view(member)
    assert (view["balance"], view["debt"], [x["points"] for x in view["expiring"]]) == (20, 0, [20])
    assert sums_up(view)


def test_points_are_spent_oldest_first_and_a_lot_expires_with_what_is_left_of_it(ledger):
    member = ledger.member()
    first = ledger.paid(member, 3000)
    ledger.now += timedelta(days=1)
    second = ledger.paid(member, 5000)
    ledger.adjust(member, -40)
    assert [(x["lot_id"], x["points"]) for x in ledger.view(member)["expiring"]] == [(second, 40)]
    ledger.expire(member, first)  # spent already: nothing left to lapse
    ledger.expire(member, second)
    view = ledger.view(member)
    assert (view["balance"], view["ledger"]["items"][0]["kind"], view["ledger"]["total"]) == (0, "expired", 4)


def test_taking_away_more_points_than_the_balance_is_refused_and_an_unknown_member_is_not_found(ledger):
    member = ledger.member()
    ledger.paid(member, 2000)
    with pytest.raises(Conflict, match="only 20 points"):
        ledger.adjust(member, -21)
    with pytest.raises(NotFound):
        ledger.adjust("nobody", 10)
    assert ledger.view(member)["ledger"]["total"] == 1


def test_the_ledger_pages_newest_first(ledger):
    member = ledger.member()
    for n in range(1, 8):
        ledger.adjust(member, n)
    page = ledger.view(member, limit=3, offset=2)
    assert [x["points"] for x in page["ledger"]["items"]] == [5, 4, 3] and page["ledger"]["total"] == 7


@pytest.mark.timeout(300)
def test_forty_movements_racing_from_two_replicas_lose_none(ledger, replica):
    member = ledger.member()
    ledger.paid(member, 100000)  # 1,000 points
    outcomes = race(
        [lambda r=(ledger, replica)[n % 2], n=n: r.adjust(member, -30 if n % 2 else 20) for n in range(40)]
    )
    assert outcomes.count("won") == 40
    view = ledger.view(member)
    assert view["balance"] == 1000 + 20 * 20 - 30 * 20 and sums_up(view)


MOVES = st.lists(
    st.one_of(
        st.tuples(st.just("paid"), st.integers(0, 20000)),
        st.tuples(st.just("refund"), st.integers(1, 20000)),
        st.tuples(st.just("take"), st.integers(1, 300)),
        st.tuples(st.just("give"), st.integers(1, 300)),
        st.tuples(st.just("expire"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES)
def test_any_sequence_of_movements_keeps_the_balance_the_sum_of_the_ledger_and_of_the_lots(ledger, moves):
    member, orders = ledger.member(), []
    for move, n in moves:
        try:
            if move == "paid":
                orders.append(ledger.paid(member, n))
            elif move == "refund" and orders:
                ledger.refunded(orders[n % len(orders)], n)
            elif move in ("take", "give"):
                ledger.adjust(member, -n if move == "take" else n)
            elif move == "expire" and orders:
                ledger.expire(member, orders[n % len(orders)])
        except Conflict:
            pass  # taking more than there is: refused, nothing moved
        view = ledger.view(member, limit=1000)
        assert sums_up(view)
        assert view["balance"] == sum(x["points"] for x in view["expiring"]) - view["debt"]
        assert view["debt"] == 0 or not view["expiring"]


def test_each_step_of_a_points_payment_asked_at_once_from_two_replicas_has_its_effect_once(ledger, replica):
    """A payment's request and its recovery timer may ask the same step at the same moment."""
    member = ledger.member()
    ledger.paid(member, 10000)  # 100 points
    both = (ledger, replica)
    race(
        [
            lambda r=r: r.run(lambda uow: points_tender.authorize(uow, "pay-1", member, 30, "EUR"))
            for r in both * 3
        ]
    )
    race([lambda r=r: r.run(lambda uow: points_tender.capture(uow, "pay-1")) for r in both * 3])
    race(
        [
            lambda r=r: r.run(lambda uow: points_tender.refund(uow, "pay-1", 10, "back-1", ledger.now))
            for r in both * 3
        ]
    )
    view = ledger.view(member)
    assert sorted(x["kind"] for x in view["ledger"]["items"]) == ["earned", "redeemed", "restored"]
    assert view["balance"] == 100 - 30 + 10 and sums_up(view)
