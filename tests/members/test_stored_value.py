"""Stored value cards on a real database: a paid top-up loads the member's card with its
principal and HQ's bonus, once; payments hold, spend, let go and get back through the
tender protocol, principal first and the bonus last; a card sold under the "store" rule
works only where it was sold; the card is never negative however many stores and replicas
spend from it at once; the balance is always the ledger's sum and the loads' sum."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.members import reads, stored_value, tender
from services.members.app import APP
from services.members.service import TOP_UPS
from services.orders.contracts import OrderCreated
from shared.envelope import Envelope
from shared.errors import Unprocessable
from shared.migrate import upgrade
from shared.projections import project
from shared.testing import race
from tests.members.test_points import HQ, Ledger

PARIS, LYON = "paris-opera", "lyon-bellecour"


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


class Cards(Ledger):
    """One replica of members' command side, for stored value."""

    def sold(self, member_id: str | None, amount: int, bonus: int = 0, store_id: str = PARIS) -> str:
        """Orders created a top-up order (its OrderCreated, as the handler gets it) and it was paid."""
        order_id = str(uuid.uuid4())
        line = {"kind": "top_up", "gross": eur(amount), "bonus": eur(bonus)}
        data = {
            "order_id": order_id,
            "store_id": store_id,
            "customer_id": member_id,
            "lines": [line],
            "deposit_due": eur(0),
        }
        created = Envelope.new(
            source="orders",
            type=OrderCreated.name,
            subject=f"order-{order_id}",
            streamversion=1,
            schemaversion=OrderCreated.version,
            data=data,
        )
        self.run(lambda uow: project(uow.conn, TOP_UPS, created))
        self.run(lambda uow: stored_value.load_paid(uow, {"order_id": order_id}, self.now))
        return order_id

    def step(self, name: str, reference: str, member_id=None, amount=0, store_id=PARIS, refund_ref=None):
        return tender.step(
            self.run,
            self.db.read,
            name,
            "stored_value",
            reference,
            datetime.now(UTC),
            member_id=member_id,
            store_id=store_id,
            order_id=f"order-of-{reference}",
            amount=amount,
            currency="EUR",
            refund_ref=refund_ref,
        )

    def spend(self, member_id: str, amount: int, store_id: str = PARIS) -> tuple[str, dict]:
        reference = str(uuid.uuid4())
        held = self.step("authorize", reference, member_id, amount, store_id)
        if held["status"] != "approved":
            return reference, held
        return reference, self.step("capture", reference, amount=amount)

    def card(self, member_id: str, limit: int = 100) -> dict:
        with self.db.read() as conn:
            return reads.stored_value_view(conn, member_id, limit, 0)


@pytest.fixture
def cards(db_url):
    upgrade(APP, db_url)
    first = Cards(db_url)
    yield first
    first.db.dispose()


@pytest.fixture
def replica(cards, db_url):
    second = Cards(db_url)
    yield second
    second.db.dispose()


def minor(money: dict | None) -> int:
    return 0 if money is None else money["amount_minor"]


def sums_up(view: dict) -> bool:
    lines = view["ledger"]["items"]
    loads = sum(minor(x["principal"]) + minor(x["bonus"]) for x in view["loads"])
    return sum(x["amount"]["amount_minor"] for x in lines) == minor(view["balance"]) == loads and (
        not lines or lines[0]["balance_after"] == view["balance"]
    )


def bonus_rules(cards: Cards, scope: str = "chain") -> None:
    cards.run(
        lambda uow: stored_value.set_rules(
            uow,
            {
                "scope": scope,
                "bonuses": [
                    {"at_least_minor": 50000, "bonus_minor": 5000},
                    {"at_least_minor": 100000, "bonus_minor": 10000},
                ],
            },
            HQ,
        )
    )


def test_a_paid_top_up_loads_its_principal_and_the_bonus_of_the_largest_step_reached_once(cards):
    bonus_rules(cards)
    member = cards.member()
    with cards.db.read() as conn:
        offers = [
            stored_value.offer(conn, member, PARIS, eur(n))["bonus"]["amount_minor"]
            for n in (49999, 50000, 99999, 100000)
        ]
    assert offers == [0, 5000, 5000, 10000]
    order_id = cards.sold(member, 100000, 10000)
    cards.run(lambda uow: stored_value.load_paid(uow, {"order_id": order_id}, cards.now))  # again: once
    view = cards.card(member)
    assert (minor(view["balance"]), minor(view["principal"]), minor(view["bonus"])) == (110000, 100000, 10000)
    assert [x["kind"] for x in view["ledger"]["items"]] == ["loaded"] and sums_up(view)


def test_a_paid_order_without_top_ups_loads_nothing(cards):
    member = cards.member()
    cards.run(lambda uow: stored_value.load_paid(uow, {"order_id": str(uuid.uuid4())}, cards.now))
    assert cards.card(member)["balance"] is None


def test_principal_is_spent_first_oldest_load_first_and_the_bonus_last(cards):
    member = cards.member()
    first, second = cards.sold(member, 1000, 100), cards.sold(member, 2000, 200)
    _, spent = cards.spend(member, 2500)
    assert spent["captured"] == 2500
    view = cards.card(member)
    left = {x["load_id"]: (minor(x["principal"]), minor(x["bonus"])) for x in view["loads"]}
    assert left == {first: (0, 100), second: (500, 200)}
    line = view["ledger"]["items"][0]
    assert (line["kind"], line["amount"]["amount_minor"], line["principal"]["amount_minor"]) == (
        "spent",
        -2500,
        -2500,
    )
    cards.spend(member, 700)
    view = cards.card(member)
    assert (minor(view["principal"]), minor(view["bonus"])) == (0, 100) and sums_up(view)


def test_more_than_the_card_holds_is_declined_and_nothing_is_held(cards):
    member = cards.member()
    cards.sold(member, 1000, 100)
    reference, answer = cards.spend(member, 1101)
    assert answer["status"] == "declined" and "1100 to spend" in answer["reason"]
    assert minor(cards.card(member)["held"]) == 0
    assert cards.step("inquire", reference)["status"] == "absent"


def test_a_member_without_a_card_or_without_a_member_is_declined(cards):
    member = cards.member()
    assert "topped up first" in cards.spend(member, 100)[1]["reason"]
    assert "no member" in cards.step("authorize", str(uuid.uuid4()), None, 100)["reason"]


def test_a_hold_counts_against_what_another_payment_may_take_and_voiding_it_lets_it_go(cards):
    member = cards.member()
    cards.sold(member, 1000)
    reference = str(uuid.uuid4())
    assert cards.step("authorize", reference, member, 800)["status"] == "approved"
    assert cards.spend(member, 300)[1]["status"] == "declined"
    assert cards.step("void", reference)["voided"] is True
    assert cards.step("capture", reference)["status"] == "declined"  # let go: nothing to capture
    assert cards.spend(member, 300)[1]["captured"] == 300
    assert minor(cards.card(member)["balance"]) == 700


def test_each_step_asked_twice_has_its_effect_once(cards):
    member = cards.member()
    cards.sold(member, 1000)
    reference = str(uuid.uuid4())
    for _ in range(2):
        assert cards.step("authorize", reference, member, 400)["status"] == "approved"
    for _ in range(2):
        assert cards.step("capture", reference, amount=400)["captured"] == 400
    assert cards.step("void", reference)["status"] == "declined"  # charged: refund it instead
    for _ in range(2):
        assert cards.step("refund", reference, amount=100, refund_ref="r-1")["refunded"] == 100
    view = cards.card(member)
    assert minor(view["balance"]) == 700 and view["ledger"]["total"] == 3 and sums_up(view)
    assert cards.step("inquire", reference)["captured"] == 400


def test_a_refund_gives_back_principal_and_bonus_in_the_proportion_spent_never_more(cards):
    member = cards.member()
    load = cards.sold(member, 600, 400)
    reference, _ = cards.spend(member, 1000)  # 600 principal, then 400 bonus
    assert cards.step("refund", reference, amount=500, refund_ref="r-1")["refunded"] == 500
    view = cards.card(member)
    assert [(minor(x["principal"]), minor(x["bonus"])) for x in view["loads"]] == [(300, 200)]
    assert cards.step("refund", reference, amount=501, refund_ref="r-2")["status"] == "declined"
    cards.step("refund", reference, amount=500, refund_ref="r-3")
    view = cards.card(member)
    assert [(x["load_id"], minor(x["principal"]), minor(x["bonus"])) for x in view["loads"]] == [
        (load, 600, 400)
    ]
    assert sums_up(view)


def test_a_card_sold_under_the_store_rule_works_only_where_it_was_sold(cards):
    bonus_rules(cards, scope="store")
    member = cards.member()
    cards.sold(member, 1000, store_id=PARIS)
    assert "0 to spend in this store" in cards.spend(member, 100, store_id=LYON)[1]["reason"]
    assert cards.spend(member, 100, store_id=PARIS)[1]["captured"] == 100
    bonus_rules(cards, scope="chain")  # cards sold before keep where they work
    assert cards.spend(member, 100, store_id=LYON)[1]["status"] == "declined"
    cards.sold(member, 500, store_id=PARIS)
    assert cards.spend(member, 500, store_id=LYON)[1]["captured"] == 500


def test_a_top_up_offer_is_refused_for_a_walk_in_nothing_or_another_currency(cards):
    member = cards.member()
    cards.sold(member, 1000)
    with cards.db.read() as conn:
        for who, amount, field in [
            (None, eur(1000), "customer_id"),
            ("nobody", eur(1000), "customer_id"),
            (member, eur(0), "amount"),
            (member, {"amount_minor": 1000, "currency": "GBP"}, "currency"),
        ]:
            with pytest.raises(Unprocessable) as refused:
                stored_value.offer(conn, who, PARIS, amount)
            assert field in refused.value.details, (who, amount)


def test_hq_rules_refuse_a_scope_that_is_not_chain_or_store(cards):
    with pytest.raises(Unprocessable):
        cards.run(lambda uow: stored_value.set_rules(uow, {"scope": "region"}, HQ))
    with cards.db.read() as conn:
        assert stored_value.rules_of(conn).scope == "chain"


@pytest.mark.timeout(300)
def test_two_stores_spending_at_once_from_two_replicas_never_take_more_than_the_card_holds(cards, replica):
    member = cards.member()
    cards.sold(member, 10000, 1000)  # 110.00 to spend
    outcomes = race(
        [
            lambda r=(cards, replica)[n % 2], n=n: r.spend(member, 1500, store_id=(PARIS, LYON)[n // 2 % 2])
            for n in range(16)
        ]
    )
    assert outcomes.count("won") == 16  # each call ran; the card answered each
    view = cards.card(member)
    spent = [x for x in view["ledger"]["items"] if x["kind"] == "spent"]
    assert len(spent) == 7 and minor(view["balance"]) == 11000 - 7 * 1500 and minor(view["held"]) == 0
    assert sums_up(view)


def test_each_step_asked_at_once_from_two_replicas_has_its_effect_once(cards, replica):
    """A payment's request and its recovery timer may ask the same step at the same moment."""
    member = cards.member()
    cards.sold(member, 10000)
    reference = str(uuid.uuid4())
    both = (cards, replica)
    race([lambda r=r: r.step("authorize", reference, member, 3000) for r in both * 3])
    assert minor(cards.card(member)["held"]) == 3000
    race([lambda r=r: r.step("capture", reference, amount=3000) for r in both * 3])
    race([lambda r=r: r.step("refund", reference, amount=1000, refund_ref="back-1") for r in both * 3])
    view = cards.card(member)
    kinds = [x["kind"] for x in view["ledger"]["items"]]
    assert sorted(kinds) == ["loaded", "restored", "spent"] and minor(view["balance"]) == 8000
    assert minor(view["held"]) == 0 and sums_up(view)


MOVES = st.lists(
    st.one_of(
        st.tuples(st.just("top_up"), st.integers(1, 5000), st.integers(0, 1000)),
        st.tuples(st.just("spend"), st.integers(1, 4000), st.sampled_from((PARIS, LYON))),
        st.tuples(st.just("hold"), st.integers(1, 4000), st.sampled_from((PARIS, LYON))),
        st.tuples(st.just("settle"), st.integers(0, 9), st.booleans()),
        st.tuples(st.just("refund"), st.integers(0, 9), st.integers(1, 3000)),
        st.tuples(st.just("rule"), st.sampled_from(("chain", "store")), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES)
def test_any_sequence_of_movements_keeps_the_card_never_negative_and_the_sum_of_its_ledger(cards, moves):
    member, held, spent = cards.member(), [], []
    for move, a, b in moves:
        if move == "top_up":
            cards.sold(member, a, b, store_id=PARIS)
        elif move == "spend":
            reference, answer = cards.spend(member, a, store_id=b)
            if answer["captured"]:
                spent.append((reference, a))
        elif move == "hold":
            reference = str(uuid.uuid4())
            if cards.step("authorize", reference, member, a, b)["status"] == "approved":
                held.append((reference, a))
        elif move == "settle" and held:
            reference, amount = held.pop(a % len(held))
            if b:
                cards.step("capture", reference, amount=amount)
                spent.append((reference, amount))
            else:
                cards.step("void", reference)
        elif move == "refund" and spent:
            reference, _ = spent[a % len(spent)]
            cards.step("refund", reference, amount=b, refund_ref=str(uuid.uuid4()))
        elif move == "rule":
            cards.run(lambda uow, scope=a: stored_value.set_rules(uow, {"scope": scope}, HQ))
        view = cards.card(member)
        assert sums_up(view)
        assert minor(view["balance"]) >= minor(view["held"]) >= 0
        assert minor(view["held"]) == sum(amount for _, amount in held)
        assert all(minor(x["principal"]) >= 0 and minor(x["bonus"]) >= 0 for x in view["loads"])
