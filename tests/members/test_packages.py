"""Service packages on a real database: HQ's catalogue; a paid package order gives the member
its sessions, once; a session pays for a service line of its service through the tender
protocol (held, used, let go, brought back whole), the package expiring first first; the
sessions left lapse at expiry; a refund of the package closes it for at most its unused
value; the last session is used once however many payments and replicas race for it; and
the value left is always the ledger's sum."""

import json
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from services.members import package_views, packages, tender, tiers
from services.members.app import APP
from services.members.service import PACKAGE_SALES
from services.members.tables import member_spend
from services.orders.contracts import OrderCreated
from shared.envelope import Envelope, utc_iso
from shared.errors import Conflict, NotFound, Unprocessable
from shared.projections import checksum, project, rebuild
from shared.testing import race
from tests.members.test_points import HQ, Ledger

PARIS, LYON = "paris-opera", "lyon-bellecour"
CUT, COLOUR = "cut-and-style", "colour"


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


class Desk(Ledger):
    """One replica of members' command side, for packages."""

    def define(self, sessions=10, price=40000, valid_days=365, service_id=CUT, stores=(), name="Ten cuts"):
        package_id = str(uuid.uuid4())
        wanted = {
            "name": name,
            "service_id": service_id,
            "sessions": sessions,
            "price": eur(price),
            "valid_days": valid_days,
            "stores": list(stores),
        }
        self.run(lambda uow: packages.define(uow, package_id, wanted, HQ))
        return package_id

    def offer(self, member_id, package_id, store_id=PARIS) -> dict:
        with self.db.read() as conn:
            return packages.offer(conn, member_id, store_id, package_id)

    def sold(self, member_id: str, package_id: str, store_id: str = PARIS, paid: bool = True) -> str:
        """Orders created an order of the package (its OrderCreated, as the handler gets it),
        then it was paid; answers the member's holding id."""
        offer = self.offer(member_id, package_id, store_id)
        order_id = str(uuid.uuid4())
        terms = {
            k: offer[k] for k in ("package_id", "name", "service_id", "sessions", "valid_days", "stores")
        }
        data = {
            "order_id": order_id,
            "store_id": store_id,
            "customer_id": member_id,
            "lines": [{"line_id": "package-1", "kind": "package", "gross": offer["price"], "package": terms}],
        }
        created = Envelope.new(
            source="orders",
            type=OrderCreated.name,
            subject=f"order-{order_id}",
            streamversion=1,
            schemaversion=OrderCreated.version,
            data=data,
        )
        self.run(lambda uow: project(uow.conn, PACKAGE_SALES, created))
        if paid:
            self.pay_for(order_id)
        return packages.holding_id(order_id, "package-1")

    def pay_for(self, order_id: str) -> None:
        self.run(lambda uow: packages.load_paid(uow, {"order_id": order_id}, self.now))

    def step(self, name, reference, member_id=None, order=None, amount=0, refund_ref=None, now=None, **more):
        return tender.step(
            self.run,
            self.db.read,
            name,
            more.pop("kind", "package"),
            reference,
            now or self.now,
            member_id=member_id,
            order=order,
            amount=amount,
            currency="EUR",
            refund_ref=refund_ref,
            **more,
        )

    def use(self, member_id: str, order: dict, amount: int, now=None) -> tuple[str, dict]:
        reference = str(uuid.uuid4())
        held = self.step("authorize", reference, member_id, order, amount, now=now)
        if held["status"] != "approved":
            return reference, held
        return reference, self.step("capture", reference, amount=amount)

    def view(self, member_id: str, limit: int = 200) -> dict:
        with self.db.read() as conn:
            return package_views.member_view(conn, member_id, limit, 0, utc_iso(self.now))

    def holding(self, member_id: str, holding_id: str) -> dict:
        return next(x for x in self.view(member_id)["packages"] if x["holding_id"] == holding_id)


def visit(*services: tuple[str, int], store_id: str = PARIS) -> dict:
    """A booking's order as the tender sees it: service lines (service id, gross)."""
    lines = [{"kind": "service", "ref": s, "category": "hair", "gross": g} for s, g in services]
    return {
        "order_id": str(uuid.uuid4()),
        "store_id": store_id,
        "currency": "EUR",
        "gross": sum(g for _, g in services),
        "lines": lines,
    }


@pytest.fixture
def desk(desk_for):
    return desk_for(Desk)


@pytest.fixture
def replica(desk, desk_for):
    return desk_for(Desk)


def sums_up(view: dict) -> bool:
    """Every package's value left and sessions left are its ledger's sums."""
    for h in view["packages"]:
        lines = [x for x in view["ledger"]["items"] if x["holding_id"] == h["holding_id"]]
        if sum(x["value"]["amount_minor"] for x in lines) != h["value_left"]["amount_minor"]:
            return False
        if sum(x["sessions"] for x in lines) != h["sessions_left"]:
            return False
    owed = sum(h["value_left"]["amount_minor"] for h in view["packages"])
    return owed == sum(x["amount_minor"] for x in view["outstanding"])


def test_a_paid_package_order_gives_the_member_its_sessions_once(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=10, price=40000, valid_days=30))
    desk.pay_for(holding.split(":")[0])  # OrderPaid delivered again

    view = desk.view(member)
    [h] = view["packages"]
    assert (h["sessions"], h["sessions_left"], h["value_left"], h["status"]) == (10, 10, eur(40000), "active")
    assert h["expires_at"] == utc_iso(desk.now + timedelta(days=30))
    assert [(x["kind"], x["sessions"], x["value"]) for x in view["ledger"]["items"]] == [
        ("bought", 10, eur(40000))
    ]
    assert view["outstanding"] == [eur(40000)] and sums_up(view)


def test_an_order_not_yet_paid_gives_nothing(desk):
    member = desk.member()
    desk.sold(member, desk.define(), paid=False)
    assert desk.view(member)["packages"] == []


def test_a_session_pays_a_service_line_of_its_service_and_is_used_once_captured(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=3, price=10000))
    order = visit((CUT, 5000), (COLOUR, 9000))

    reference = str(uuid.uuid4())
    assert desk.step("authorize", reference, member, order, 5000)["status"] == "approved"
    assert desk.holding(member, holding)["sessions_held"] == 1
    captured = desk.step("capture", reference, amount=5000)

    assert (captured["status"], captured["captured"]) == ("approved", 5000)
    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["sessions_held"], h["value_left"]) == (2, 0, eur(6666))
    used = desk.view(member)["ledger"]["items"][0]
    assert (used["kind"], used["sessions"], used["value"], used["order_id"]) == (
        "used",
        -1,
        eur(-3334),
        order["order_id"],
    )
    assert sums_up(desk.view(member))


def test_an_order_with_one_line_of_the_service_is_paid_by_one_session_only(desk):
    member = desk.member()
    desk.sold(member, desk.define(sessions=5))
    order = visit((CUT, 5000))
    assert desk.use(member, order, 5000)[1]["status"] == "approved"

    _, second = desk.use(member, order, 100)

    assert second["status"] == "declined" and "paid by a session already" in second["reason"]
    two_cuts = visit((CUT, 5000), (CUT, 3000))
    assert desk.use(member, two_cuts, 5000)[1]["status"] == "approved"
    assert "at most 3000" in desk.use(member, two_cuts, 5000)[1]["reason"]  # the next line is the 3000 one
    assert [desk.use(member, two_cuts, 3000)[1]["status"] for _ in range(2)] == ["approved", "declined"]


@pytest.mark.parametrize(
    "service, store, amount, why",
    [
        (COLOUR, PARIS, 5000, "no package session for this service"),
        (CUT, LYON, 5000, "does not work in this store"),
        (CUT, PARIS, 5001, "at most 5000"),
        (CUT, PARIS, 0, "above 0"),
    ],
)
def test_a_session_is_declined_for_another_service_store_or_more_than_the_line_and_nothing_is_held(
    desk, service, store, amount, why
):
    member = desk.member()
    holding = desk.sold(member, desk.define(stores=(PARIS,)))

    _, answer = desk.use(member, visit((service, 5000), store_id=store), amount)

    assert answer["status"] == "declined" and why in answer["reason"]
    assert desk.holding(member, holding)["sessions_held"] == 0


def test_a_member_without_a_package_or_an_order_without_a_member_is_declined(desk):
    assert "no package session" in desk.use(desk.member(), visit((CUT, 5000)), 5000)[1]["reason"]
    assert "has no member" in desk.use(None, visit((CUT, 5000)), 5000)[1]["reason"]


def test_the_package_expiring_first_pays_first(desk):
    member = desk.member()
    later = desk.sold(member, desk.define(valid_days=300))
    sooner = desk.sold(member, desk.define(valid_days=30))

    desk.use(member, visit((CUT, 5000)), 5000)

    assert desk.holding(member, sooner)["sessions_left"] == 9
    assert desk.holding(member, later)["sessions_left"] == 10


def test_voiding_lets_the_session_go_and_each_step_asked_twice_has_its_effect_once(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=2))
    order = visit((CUT, 5000))
    reference = str(uuid.uuid4())
    for _ in range(2):
        assert desk.step("authorize", reference, member, order, 5000)["status"] == "approved"
    assert desk.holding(member, holding)["sessions_held"] == 1
    for _ in range(2):
        assert desk.step("void", reference)["voided"] is True
    assert desk.step("authorize", reference, member, order, 5000)["reason"] == "the hold was let go"
    assert desk.step("capture", reference, amount=5000)["status"] == "declined"

    used = str(uuid.uuid4())
    desk.step("authorize", used, member, order, 5000)
    for _ in range(2):
        assert desk.step("capture", used, amount=5000)["captured"] == 5000
    assert desk.step("void", used)["status"] == "declined"
    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["sessions_held"]) == (1, 0)
    assert desk.step("inquire", used)["captured"] == 5000


def test_a_refund_brings_the_session_back_whole_and_once(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=4, price=10000))
    reference, _ = desk.use(member, visit((CUT, 5000)), 5000)

    partial = desk.step("refund", reference, amount=2000, refund_ref="r-1")
    assert partial["status"] == "declined" and "whole" in partial["reason"]
    for _ in range(2):
        assert desk.step("refund", reference, amount=5000, refund_ref="r-2")["refunded"] == 5000
    again = desk.step("refund", reference, amount=5000, refund_ref="r-3")

    assert again["status"] == "declined" and "given back already" in again["reason"]
    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["value_left"]) == (4, eur(10000))
    assert [x["kind"] for x in desk.view(member)["ledger"]["items"]] == ["restored", "used", "bought"]
    assert sums_up(desk.view(member))


def test_expiry_lapses_the_sessions_left_and_their_value_and_no_session_pays_after_it(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=5, price=10000, valid_days=30))
    desk.use(member, visit((CUT, 5000)), 5000)
    after = desk.now + timedelta(days=31)

    assert "expired" in desk.use(member, visit((CUT, 5000)), 5000, now=after)[1]["reason"]
    desk.run(lambda uow: packages.expire(uow, member, holding, after))
    desk.run(lambda uow: packages.expire(uow, member, holding, after))

    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["value_left"], h["status"]) == (0, eur(0), "expired")
    lapsed = desk.view(member)["ledger"]["items"][0]
    assert (lapsed["kind"], lapsed["sessions"], lapsed["value"]) == ("expired", -4, eur(-8000))
    assert [x["kind"] for x in desk.view(member)["ledger"]["items"]].count("expired") == 1
    assert sums_up(desk.view(member))


def test_expiry_waits_while_a_payment_holds_a_session(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=2, valid_days=1))
    reference = str(uuid.uuid4())
    desk.step("authorize", reference, member, visit((CUT, 5000)), 5000)

    desk.run(lambda uow: packages.expire(uow, member, holding, desk.now + timedelta(days=1)))
    assert desk.holding(member, holding)["sessions_left"] == 2
    desk.step("capture", reference, amount=5000)
    desk.run(lambda uow: packages.expire(uow, member, holding, desk.now + timedelta(days=1, minutes=15)))

    assert desk.holding(member, holding)["sessions_left"] == 0
    assert [x["kind"] for x in desk.view(member)["ledger"]["items"]] == ["expired", "used", "bought"]


def refund_package(desk, holding: str, amount: int, reference: str | None = None, step: str = "authorize"):
    order_id, line_id = holding.split(":")
    return desk.step(
        step,
        reference or f"refund-{uuid.uuid4()}",
        amount=amount,
        kind="package_refund",
        order_id=order_id,
        line_id=line_id,
    )


def test_a_refund_of_the_package_closes_it_for_at_most_its_unused_value(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=4, price=10000))
    desk.use(member, visit((CUT, 5000)), 5000)

    too_much = refund_package(desk, holding, 7501)
    assert too_much["status"] == "declined" and "7500" in too_much["reason"]
    reference = f"refund-{uuid.uuid4()}"
    assert refund_package(desk, holding, 7000, reference)["status"] == "approved"
    _, meanwhile = desk.use(member, visit((CUT, 5000)), 5000)  # every session left is held by the refund
    assert meanwhile["status"] == "declined" and "held by a payment on its way" in meanwhile["reason"]
    assert refund_package(desk, holding, 7000, reference, step="capture")["captured"] == 7000

    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["value_left"], h["status"]) == (0, eur(0), "refunded")
    line = desk.view(member)["ledger"]["items"][0]
    assert (line["kind"], line["sessions"], line["value"]) == ("refunded", -3, eur(-7500))
    assert refund_package(desk, holding, 100)["status"] == "declined"
    assert sums_up(desk.view(member))


def test_a_refund_of_part_of_a_package_takes_the_fewest_sessions_covering_it_and_it_stays_usable(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=4, price=10000))
    reference = f"refund-{uuid.uuid4()}"

    assert refund_package(desk, holding, 3000, reference)["status"] == "approved"  # two sessions' worth
    refund_package(desk, holding, 3000, reference, step="capture")

    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["value_left"], h["status"]) == (2, eur(5000), "active")
    line = desk.view(member)["ledger"]["items"][0]
    assert (line["kind"], line["sessions"], line["value"]) == ("refunded", -2, eur(-5000))
    assert desk.use(member, visit((CUT, 5000)), 5000)[1]["status"] == "approved"
    assert sums_up(desk.view(member))


def test_a_refund_of_the_package_never_takes_a_session_a_payment_holds_and_voiding_it_keeps_them(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=4, price=10000))
    paying = str(uuid.uuid4())
    desk.step("authorize", paying, member, visit((CUT, 5000)), 5000)

    refused = refund_package(desk, holding, 7600)  # more than the three free sessions are worth
    assert refused["status"] == "declined" and "on their way" in refused["reason"]
    reference = f"refund-{uuid.uuid4()}"
    assert refund_package(desk, holding, 1000, reference)["status"] == "approved"
    refund_package(desk, holding, 1000, reference, step="void")
    desk.step("void", paying)

    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["sessions_held"], h["status"]) == (4, 0, "active")
    assert "no package on this line" in refund_package(desk, "no-order:package-1", 10)["reason"]


def test_a_session_given_back_while_the_package_is_being_refunded_stays_on_it(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=3, price=9000))
    used, _ = desk.use(member, visit((CUT, 5000)), 5000)
    reference = f"refund-{uuid.uuid4()}"
    refund_package(desk, holding, 6000, reference)  # both sessions left

    assert desk.step("refund", used, amount=5000, refund_ref="r-1")["status"] == "approved"
    refund_package(desk, holding, 6000, reference, step="capture")

    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["value_left"], h["status"]) == (1, eur(3000), "active")
    assert sums_up(desk.view(member))


def test_a_session_used_before_the_package_was_refunded_cannot_come_back(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=4, price=10000))
    used, _ = desk.use(member, visit((CUT, 5000)), 5000)
    reference = f"refund-{uuid.uuid4()}"
    refund_package(desk, holding, 7500, reference)
    refund_package(desk, holding, 7500, reference, step="capture")

    back = desk.step("refund", used, amount=5000, refund_ref="r-1")

    assert back["status"] == "declined" and "refunded" in back["reason"]


def test_the_catalogue_refuses_terms_that_cannot_be_and_a_package_id_twice(desk):
    for wrong in ({"sessions": 0}, {"price": 0}, {"valid_days": 0}, {"sessions": 101}, {"name": "x" * 121}):
        with pytest.raises(Unprocessable):
            desk.define(**wrong)
    package_id = desk.define()
    with pytest.raises(Conflict):
        desk.run(
            lambda uow: packages.define(
                uow,
                package_id,
                {"name": "x", "service_id": CUT, "sessions": 1, "price": eur(1), "valid_days": 1},
                HQ,
            )
        )


def test_a_package_is_sold_only_to_a_member_where_it_is_sold_and_until_it_is_retired(desk):
    member = desk.member()
    package_id = desk.define(stores=(PARIS,))
    assert desk.offer(member, package_id)["price"] == eur(40000)

    with pytest.raises(Unprocessable, match="not a member|a member"):
        desk.offer(None, package_id)
    with pytest.raises(Conflict, match="not sold in store"):
        desk.offer(member, package_id, LYON)
    with pytest.raises(Unprocessable, match="no package"):
        desk.offer(member, "no-such-package")
    desk.run(lambda uow: packages.retire(uow, package_id, HQ))
    with pytest.raises(Conflict, match="retired"):
        desk.offer(member, package_id)
    with pytest.raises(NotFound):
        desk.run(lambda uow: packages.retire(uow, "no-such-package", HQ))
    with desk.db.read() as conn:
        listed = package_views.catalogue(conn, PARIS, False, 50, 0)
        everything = package_views.catalogue(conn, None, True, 50, 0)
    assert listed["total"] == 0 and [x["retired"] for x in everything["items"]] == [True]


def test_two_payments_racing_from_two_replicas_for_the_last_session_use_it_once(desk, replica):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=1, price=5000))
    both = (desk, replica)

    answers = []
    outcomes = race(
        [lambda r=r: answers.append(r.use(member, visit((CUT, 5000)), 5000)[1]) for r in both * 4]
    )

    assert outcomes == ["won"] * 8  # each call ran; the package answered each
    assert sorted(x["status"] for x in answers) == ["approved"] + ["declined"] * 7
    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["sessions_held"], h["value_left"]) == (0, 0, eur(0))
    assert sums_up(desk.view(member))


def test_each_step_asked_at_once_from_two_replicas_has_its_effect_once(desk, replica):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=3, price=9000))
    order, reference = visit((CUT, 5000)), str(uuid.uuid4())
    both = (desk, replica)

    race([lambda r=r: r.step("authorize", reference, member, order, 5000) for r in both * 3])
    race([lambda r=r: r.step("capture", reference, amount=5000) for r in both * 3])
    race([lambda r=r: r.step("refund", reference, amount=5000, refund_ref="back") for r in both * 3])

    kinds = [x["kind"] for x in desk.view(member)["ledger"]["items"]]
    assert kinds == ["restored", "used", "bought"]
    assert desk.holding(member, holding)["sessions_left"] == 3


MOVES = st.lists(
    st.tuples(
        st.sampled_from(
            ["use", "hold", "capture", "void", "refund", "expire", "refund_hold", "refund_settle"]
        ),
        st.integers(min_value=1, max_value=60000),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moves=MOVES,
    sessions=st.integers(min_value=1, max_value=7),
    price=st.integers(min_value=1, max_value=99999),
    settle=st.booleans(),
)
def test_any_sequence_of_movements_keeps_the_value_left_its_share_of_the_price_and_the_ledger_sum(
    desk, moves, sessions, price, settle
):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=sessions, price=price))
    used, held, refunding, money_back = [], [], [], 0
    for move, amount in moves:
        if move == "use":
            reference, answer = desk.use(member, visit((CUT, 100)), 100)
            if answer["status"] == "approved":
                used.append(reference)
        elif move == "hold":
            reference = str(uuid.uuid4())
            if desk.step("authorize", reference, member, visit((CUT, 100)), 100)["status"] == "approved":
                held.append(reference)
        elif move == "capture" and held:
            used.append(held.pop())
            desk.step("capture", used[-1], amount=100)
        elif move == "void" and held:
            desk.step("void", held.pop())
        elif move == "refund" and used:
            desk.step("refund", used.pop(), amount=100, refund_ref=str(uuid.uuid4()))
        elif move == "expire":
            desk.run(lambda uow: packages.expire(uow, member, holding, desk.now + timedelta(days=400)))
        elif move == "refund_hold":
            reference = f"refund-{uuid.uuid4()}"
            if refund_package(desk, holding, amount, reference)["status"] == "approved":
                refunding.append((reference, amount))
        elif move == "refund_settle" and refunding:
            reference, asked = refunding.pop()
            refund_package(desk, holding, asked, reference, step="capture" if settle else "void")
            money_back += asked if settle else 0
        view = desk.view(member)
        h = desk.holding(member, holding)
        assert sums_up(view)
        assert h["value_left"]["amount_minor"] == price * h["sessions_left"] // sessions
        assert 0 <= h["sessions_held"] <= h["sessions_left"] <= sessions
        assert h["status"] != "refunded" or h["sessions_left"] == 0
        assert money_back <= price


@pytest.mark.parametrize(
    "price, sessions, parts",
    [(1000, 3, (500, 500)), (1000, 10, (150, 850)), (1000, 10, (850, 150)), (999, 7, (1, 1, 997))],
)
def test_an_unused_package_refunded_in_any_parts_gives_back_its_whole_price_and_closes(
    desk, price, sessions, parts
):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=sessions, price=price))
    for part in parts:
        reference = f"refund-{uuid.uuid4()}"
        assert refund_package(desk, holding, part, reference)["status"] == "approved", part
        refund_package(desk, holding, part, reference, step="capture")

    h = desk.holding(member, holding)
    assert (h["sessions_left"], h["value_left"], h["status"]) == (0, eur(0), "refunded")
    refunds = [x for x in desk.view(member)["ledger"]["items"] if x["kind"] == "refunded"]
    assert sum(-x["value"]["amount_minor"] for x in refunds) == price
    assert refund_package(desk, holding, 1)["status"] == "declined"


def test_a_rebuild_of_the_packages_view_gives_the_tables_it_had_live(desk):
    member = desk.member()
    holding = desk.sold(member, desk.define(sessions=4, price=10000))
    used, _ = desk.use(member, visit((CUT, 5000)), 5000)
    desk.step("refund", used, amount=5000, refund_ref="r-1")
    held = str(uuid.uuid4())
    desk.step("authorize", held, member, visit((CUT, 5000)), 5000)
    desk.step("void", held)
    reference = f"refund-{uuid.uuid4()}"
    refund_package(desk, holding, 2500, reference)
    refund_package(desk, holding, 2500, reference, step="capture")
    other = desk.sold(member, desk.define(valid_days=1))
    desk.run(lambda uow: packages.expire(uow, member, other, desk.now + timedelta(days=2)))
    projection = APP.projection("packages")
    with desk.db.read() as conn:
        live = checksum(conn, projection)

    rebuild(desk.db, desk.store, projection)

    with desk.db.read() as conn:
        assert checksum(conn, projection) == live
    assert sorted(x["status"] for x in desk.view(member)["packages"]) == ["active", "expired"]


def test_a_sold_package_line_keeps_the_terms_as_sold(desk):
    member = desk.member()
    package_id = desk.define(sessions=6, valid_days=90, stores=(PARIS, LYON))
    holding = desk.sold(member, package_id)
    with desk.db.read() as conn:
        [sold] = conn.execute(package_views.package_sales.select()).all()
    assert json.loads(sold.terms)["stores"] == [PARIS, LYON]
    assert desk.holding(member, holding)["works_in"] == [PARIS, LYON]


def test_a_package_counts_toward_the_tier_when_its_sessions_pay_not_when_it_is_bought(desk):
    member = desk.member()
    bought_in = desk.sold(member, desk.define(price=40000)).split(":")[0]
    visit_order = str(uuid.uuid4())
    for order_id, gross, kind in ((bought_in, 40000, "cash"), (visit_order, 5000, "package")):
        paid = {
            "order_id": order_id,
            "customer_id": member,
            "gross": eur(gross),
            "tenders": [{"kind": kind, "amount": eur(gross)}],
        }
        desk.run(lambda uow, paid=paid: tiers.spent(uow, paid, desk.now))
    with desk.db.read() as conn:
        spend = dict(conn.execute(select(member_spend.c.order_id, member_spend.c.spend_minor)).all())
    assert spend == {bought_in: 0, visit_order: 5000}


def test_the_demo_seed_defines_hqs_packages_once(desk):
    assert APP.seed(desk.db, desk.store, APP.projections) == "2 service packages"
    assert APP.seed(desk.db, desk.store, APP.projections) == "0 service packages"
    with desk.db.read() as conn:
        listed = package_views.catalogue(conn, PARIS, False, 50, 0)
    assert [(x["service_id"], x["sessions"]) for x in listed["items"]] == [
        ("cut-and-blow-dry", 5),
        (COLOUR, 3),
    ]
