"""Campaigns and coupons on a real database: what a coupon takes off (percent of the lines it
covers, an amount never above them, one service free), every reason a coupon cannot pay
(spent, in use, another member's, unknown, expired or not yet valid, another store, below
the minimum spend, nothing covered, more than it gives, budgets and limits), a published
code any member may use within their limit, a coupon redeemed once however many payments
race for it from two replicas, given back by a refund only if the campaign says so, and the
campaign's effect per store."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.members import coupons, history, reads, tender
from services.members.app import APP
from services.orders.contracts import OrderPaid
from shared.envelope import Envelope, utc_iso
from shared.errors import Conflict, NotFound, Unprocessable
from shared.migrate import upgrade
from shared.projections import project
from shared.testing import race
from tests.members.test_points import HQ, Ledger

PARIS, LYON = "paris-opera", "lyon-bellecour"
NOW = datetime.now(UTC)


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


def order(
    store_id: str = PARIS, lines=(("service", "colour", "hair", 8000), ("product", "SH-1", "retail", 2000))
):
    order_id = str(uuid.uuid4())
    facts = [{"kind": k, "ref": r, "category": c, "gross": g} for k, r, c, g in lines]
    return {
        "order_id": order_id,
        "store_id": store_id,
        "currency": "EUR",
        "gross": sum(x["gross"] for x in facts),
        "lines": facts,
    }


class Campaigns(Ledger):
    def campaign(self, **changes) -> str:
        campaign_id = str(uuid.uuid4())
        wanted = {
            "name": "Autumn colour",
            "kind": "percent_off",
            "percent_bp": 2000,
            "currency": "EUR",
            "valid_from": utc_iso(NOW - timedelta(days=1)),
            "valid_until": utc_iso(NOW + timedelta(days=30)),
            **changes,
        }
        self.run(lambda uow: coupons.create(uow, campaign_id, wanted, HQ, self.now))
        return campaign_id

    def issue(self, campaign_id: str, member_id: str) -> str:
        coupon_id = str(uuid.uuid4())
        self.run(lambda uow: coupons.issue(uow, campaign_id, member_id, HQ, coupon_id, self.now))
        with self.db.read() as conn:
            return reads.coupon(conn, coupon_id)["code"]

    def step(
        self, name: str, reference: str, member_id=None, code=None, facts=None, amount=0, refund_ref=None
    ):
        return tender.step(
            self.run,
            self.db.read,
            name,
            "coupon",
            reference,
            self.now,
            member_id=member_id,
            code=code,
            order=facts,
            amount=amount,
            currency="EUR",
            refund_ref=refund_ref,
        )

    def use(self, member_id: str, code: str, amount: int, facts: dict | None = None) -> tuple[str, dict]:
        reference = str(uuid.uuid4())
        held = self.step("authorize", reference, member_id, code, facts or order(), amount)
        if held["status"] != "approved":
            return reference, held
        return reference, self.step("capture", reference)

    def view(self, campaign_id: str) -> dict:
        with self.db.read() as conn:
            return reads.campaign_view(conn, coupons.campaign_row(conn, campaign_id))

    def status(self, code: str) -> str:
        with self.db.read() as conn:
            member = conn.execute(reads.coupons.select().where(reads.coupons.c.code == code)).first()
            return member.status


@pytest.fixture
def shop(db_url):
    upgrade(APP, db_url)
    first = Campaigns(db_url)
    yield first
    first.db.dispose()


@pytest.fixture
def replica(shop, db_url):
    second = Campaigns(db_url)
    yield second
    second.db.dispose()


def reason(answer: dict) -> str:
    assert answer["status"] == "declined", answer
    return answer["reason"]


def test_a_percent_off_takes_its_share_of_the_lines_it_covers_and_no_more(shop):
    member = shop.member()
    code = shop.issue(shop.campaign(categories=["hair"]), member)
    assert "at most 1600" in reason(shop.use(member, code, 1601)[1])
    assert shop.use(member, code, 1600)[1]["captured"] == 1600
    assert shop.status(code) == "redeemed"


def test_an_amount_off_never_takes_more_than_the_lines_and_a_free_service_takes_its_price(shop):
    member = shop.member()
    big = shop.issue(shop.campaign(kind="amount_off", amount=eur(50000), services=["SH-1"]), member)
    assert "at most 2000" in reason(shop.use(member, big, 2500)[1])
    free = shop.issue(shop.campaign(kind="free_service", service_id="colour"), member)
    assert shop.use(member, free, 8000)[1]["captured"] == 8000
    none = shop.issue(shop.campaign(kind="free_service", service_id="cut"), member)
    assert "covers nothing" in reason(shop.use(member, none, 100)[1])


def test_every_reason_a_coupon_cannot_pay_is_said_and_nothing_is_held(shop):
    member, other = shop.member(), shop.member()
    spent = shop.issue(shop.campaign(), member)
    shop.use(member, spent, 100)
    cases = [
        (member, spent, order(), "was used"),
        (other, shop.issue(shop.campaign(), member), order(), "another member's"),
        (member, "NOSUCHCODE", order(), "no coupon NOSUCHCODE"),
        (
            member,
            shop.issue(shop.campaign(valid_from=utc_iso(NOW + timedelta(days=2))), member),
            order(),
            "valid from",
        ),
        (member, shop.issue(shop.campaign(stores=[LYON]), member), order(PARIS), "not valid in this store"),
        (member, shop.issue(shop.campaign(min_spend=eur(20000)), member), order(), "at least 20000"),
    ]
    for who, code, facts, why in cases:
        reference = str(uuid.uuid4())
        assert why in reason(shop.step("authorize", reference, who, code, facts, 100)), why
        assert shop.step("inquire", reference)["status"] == "absent"


def test_an_expired_coupon_is_refused(shop):
    member = shop.member()
    code = shop.issue(shop.campaign(valid_until=utc_iso(NOW + timedelta(hours=1))), member)
    shop.now = NOW + timedelta(days=1)
    assert "expired" in reason(shop.use(member, code, 100)[1])


def test_a_coupon_held_by_one_payment_is_refused_to_another_until_let_go(shop):
    member = shop.member()
    code = shop.issue(shop.campaign(), member)
    first = str(uuid.uuid4())
    assert shop.step("authorize", first, member, code, order(), 500)["status"] == "approved"
    assert "another payment" in reason(shop.use(member, code, 500)[1])
    assert shop.step("void", first)["voided"] is True
    assert shop.status(code) == "issued"
    assert shop.use(member, code, 500)[1]["captured"] == 500


def test_issue_budget_and_per_member_limit_and_an_ended_campaign_refuse_more_coupons(shop):
    member, other, third = shop.member(), shop.member(), shop.member()
    campaign = shop.campaign(issue_budget=2)
    shop.issue(campaign, member)
    with pytest.raises(Conflict, match="already"):
        shop.issue(campaign, member)
    shop.issue(campaign, other)
    with pytest.raises(Conflict, match="all issued"):
        shop.issue(campaign, third)
    ended = shop.campaign()
    shop.run(lambda uow: coupons.end(uow, ended, HQ))
    with pytest.raises(Conflict, match="ended"):
        shop.issue(ended, member)
    with pytest.raises(NotFound):
        shop.issue(shop.campaign(), "nobody")


def test_the_redemption_budget_counts_coupons_held_or_redeemed(shop):
    campaign = shop.campaign(redemption_budget=1)
    first, second = shop.member(), shop.member()
    one, two = shop.issue(campaign, first), shop.issue(campaign, second)
    assert shop.use(first, one, 100)[1]["captured"] == 100
    assert "all taken" in reason(shop.use(second, two, 100)[1])


def test_a_published_code_becomes_each_members_coupon_within_their_limit(shop):
    campaign = shop.campaign(code="WELCOME20", per_member_limit=1)
    member, other = shop.member(), shop.member()
    assert shop.use(member, "WELCOME20", 1000)[1]["captured"] == 1000
    assert "already" in reason(shop.use(member, "WELCOME20", 1000)[1])
    assert shop.use(other, "WELCOME20", 1000)[1]["captured"] == 1000
    below = shop.use(shop.member(), "WELCOME20", 100_000)[1]
    assert "at most" in reason(below)
    view = shop.view(campaign)
    assert (view["issued"], view["redeemed"]) == (2, 2)  # the refused use issued nothing


def test_a_refund_gives_the_coupon_back_only_if_the_campaign_says_so(shop):
    member = shop.member()
    kept = shop.issue(shop.campaign(), member)
    reference, _ = shop.use(member, kept, 500)
    assert shop.step("refund", reference, amount=500, refund_ref="r-1")["refunded"] == 500
    assert shop.status(kept) == "redeemed"
    back = shop.issue(shop.campaign(give_back_on_refund=True), member)
    reference, _ = shop.use(member, back, 500)
    for _ in range(2):
        assert shop.step("refund", reference, amount=500, refund_ref="r-2")["refunded"] == 500
    assert shop.status(back) == "issued"
    assert shop.use(member, back, 500)[1]["captured"] == 500


def test_bad_campaigns_are_refused_with_the_field(shop):
    for changes, field in [
        ({"kind": "percent_off", "percent_bp": 0}, "percent_bp"),
        ({"kind": "amount_off", "amount": eur(0)}, "amount"),
        ({"kind": "free_service"}, "service_id"),
        ({"valid_until": utc_iso(NOW - timedelta(days=2))}, "valid_until"),
        ({"owner_store": PARIS, "stores": [LYON]}, "stores"),
        ({"min_spend": {"amount_minor": 100, "currency": "GBP"}}, "min_spend"),
    ]:
        with pytest.raises(Unprocessable) as refused:
            shop.campaign(**changes)
        assert field in refused.value.details, changes
    shop.campaign(code="SPRING")
    with pytest.raises(Conflict):
        shop.campaign(code="SPRING")


@pytest.mark.timeout(300)
def test_ten_payments_racing_for_one_coupon_from_two_replicas_redeem_it_once(shop, replica):
    member = shop.member()
    code = shop.issue(shop.campaign(), member)
    answers = []
    race([lambda r=(shop, replica)[n % 2]: answers.append(r.use(member, code, 500)[1]) for n in range(10)])
    assert sorted(a["status"] for a in answers) == ["approved"] + ["declined"] * 9
    assert shop.status(code) == "redeemed"


def test_the_campaigns_effect_per_store_counts_redemptions_discount_and_revenue(shop):
    campaign = shop.campaign(kind="amount_off", amount=eur(1000))
    members = [shop.member() for _ in range(4)]
    codes = [shop.issue(campaign, m) for m in members]
    for member, code, store in zip(members[:3], codes[:3], (PARIS, PARIS, LYON), strict=True):
        facts = order(store)
        shop.use(member, code, 1000, facts)
        paid = {
            "order_id": facts["order_id"],
            "store_id": store,
            "customer_id": member,
            "paid": eur(facts["gross"]),
            "refunded": eur(0),
            "local_date": "2026-12-02",
            "lines": [],
        }
        event = Envelope.new(
            source="orders",
            type=OrderPaid.name,
            subject="o",
            streamversion=3,
            schemaversion=OrderPaid.version,
            data=paid,
        )
        shop.run(lambda uow, e=event: project(uow.conn, history.MemberHistory(), e))
    effect = shop.view(campaign)["effect"]
    paris = next(x for x in effect["stores"] if x["store_id"] == PARIS)
    assert (paris["redeemed"], paris["discount"], paris["revenue"]) == (2, eur(2000), eur(2 * 10000 - 2000))
    assert paris["return_on_discount"] == 9.0
    chain = effect["chain"]
    assert (chain["issued"], chain["redeemed"], chain["conversion_rate"], chain["participation_rate"]) == (
        4,
        3,
        0.75,
        0.75,
    )
