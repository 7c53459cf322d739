"""Campaigns and their coupons: what a coupon takes off an order, and whether it may.

A campaign (HQ's, or a store manager's for their own store) gives a percent off, an amount
off, or one service free, on the lines it covers (its services or categories; every line
when it names none), from a minimum spend, within a validity window, in its stores. Coupons
are issued to members (within the campaign's issue budget and per-member limit): by hand, to
a segment, or by the campaign itself on a trigger (a birthday, a first visit, no visit for N
days); or a code is published that any member may use (each use becomes that member's
coupon). A coupon pays as a tender of the orders' protocol: held for one payment at a time,
redeemed once, let go if the payment fails, and given back by a refund if the campaign says
so. Pure: the service keeps the counts and records each step with the facts it decided on.
"""

from dataclasses import dataclass

from shared.refusals import Refused

PERCENT_OFF, AMOUNT_OFF, FREE_SERVICE = "percent_off", "amount_off", "free_service"
KINDS = (PERCENT_OFF, AMOUNT_OFF, FREE_SERVICE)
ISSUED, HELD, REDEEMED = "issued", "held", "redeemed"
BIRTHDAY, FIRST_VISIT, LAPSED = "birthday", "first_visit", "lapsed"
TRIGGERS = (BIRTHDAY, FIRST_VISIT, LAPSED)  # what issues an automatic campaign's coupons
NOT_DISCOUNTED = ("top_up", "fee")  # a card's top-up and a cancellation fee are not discounted
BASIS_POINTS = 10_000


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    kind: str
    currency: str
    valid_from: str  # UTC, ISO 8601
    valid_until: str
    percent_bp: int = 0  # percent_off: 1000 is 10 %
    amount_minor: int = 0  # amount_off
    service_id: str | None = None  # free_service
    min_spend_minor: int = 0
    stores: tuple[str, ...] = ()  # none: every store
    services: tuple[str, ...] = ()  # the lines it covers; none of either: every line
    categories: tuple[str, ...] = ()
    per_member_limit: int = 1
    issue_budget: int | None = None  # coupons it may issue; None: no limit
    redemption_budget: int | None = None  # coupons that may be redeemed
    code: str | None = None  # a published code any member may use
    give_back_on_refund: bool = False
    owner_store: str | None = None  # a store manager's campaign: that store only
    ended: bool = False
    trigger: str | None = None  # an automatic campaign's: birthday, first_visit or lapsed
    lapsed_days: int | None = None  # lapsed: no visit for this many days

    def runs(self, at: str) -> bool:
        return not self.ended and self.valid_from <= at < self.valid_until


def checked(c: Campaign) -> Campaign:
    """A campaign as it may be created: refused with the field and the reason."""
    if c.kind not in KINDS:
        raise Refused("kind", f"a campaign gives one of {', '.join(KINDS)}", conflict=False)
    if c.kind == PERCENT_OFF and not 0 < c.percent_bp <= BASIS_POINTS:
        raise Refused("percent_bp", "a percent off is 1 to 10000 basis points", conflict=False)
    if c.kind == AMOUNT_OFF and c.amount_minor <= 0:
        raise Refused("amount", "an amount off is above zero", conflict=False)
    if c.kind == FREE_SERVICE and not c.service_id:
        raise Refused("service_id", "a free service names the service", conflict=False)
    if c.valid_until <= c.valid_from:
        raise Refused("valid_until", "a campaign ends after it starts", conflict=False)
    if c.min_spend_minor < 0:
        raise Refused("min_spend", "a minimum spend is not negative", conflict=False)
    if c.per_member_limit < 1:
        raise Refused("per_member_limit", "a member may have at least one coupon", conflict=False)
    for name in ("issue_budget", "redemption_budget"):
        if getattr(c, name) is not None and getattr(c, name) < 1:
            raise Refused(name, "a budget is at least one coupon", conflict=False)
    if c.trigger is not None and c.trigger not in TRIGGERS:
        raise Refused("trigger", f"a campaign is issued on one of {', '.join(TRIGGERS)}", conflict=False)
    if (c.trigger == LAPSED) != (c.lapsed_days is not None) or (
        c.lapsed_days is not None and c.lapsed_days < 1
    ):
        raise Refused("lapsed_days", "a lapsed campaign, and only it, names its days (1+)", conflict=False)
    if c.trigger is not None and c.code is not None:
        raise Refused("code", "an automatic campaign issues its own coupons, not a code", conflict=False)
    if c.owner_store is not None and c.stores != (c.owner_store,):
        raise Refused(
            "stores", f"a store's campaign is for its own store ({c.owner_store}) only", conflict=False
        )
    return c


@dataclass(frozen=True)
class OrderLine:
    kind: str
    ref: str  # service id or SKU
    category: str
    gross: int  # what the line comes to, tax included


@dataclass(frozen=True)
class OrderFacts:
    """The order a coupon is to pay part of, as orders saw it when the payment was asked."""

    order_id: str
    store_id: str
    currency: str
    gross: int
    lines: tuple[OrderLine, ...]


def covered(c: Campaign, line: OrderLine) -> bool:
    if line.kind in NOT_DISCOUNTED:
        return False
    if not c.services and not c.categories:
        return True
    return line.ref in c.services or line.category in c.categories


def discount(c: Campaign, order: OrderFacts) -> int:
    """What the coupon takes off this order: never more than the lines it covers."""
    eligible = sum(x.gross for x in order.lines if covered(c, x))
    if c.kind == PERCENT_OFF:
        return eligible * c.percent_bp // BASIS_POINTS
    if c.kind == AMOUNT_OFF:
        return min(c.amount_minor, eligible)
    return next((x.gross for x in order.lines if x.kind == "service" and x.ref == c.service_id), 0)


@dataclass(frozen=True)
class Counts:
    issued: int = 0  # coupons issued (published-code uses included)
    in_use: int = 0  # held or redeemed: what counts against the redemption budget
    of_member: int = 0  # this member's coupons of the campaign


def _not_issuable(c: Campaign, issued: int, of_member: int, now: str) -> Refused | None:
    if c.ended or now >= c.valid_until:
        return Refused("campaign", "the campaign has ended")
    if c.issue_budget is not None and issued >= c.issue_budget:
        return Refused("campaign", f"the campaign's {c.issue_budget} coupons are all issued")
    if of_member >= c.per_member_limit:
        return Refused("member_id", f"the member has the campaign's {c.per_member_limit} coupon(s) already")
    return None


def issuable(c: Campaign, counts: Counts, now: str) -> None:
    refused = _not_issuable(c, counts.issued, counts.of_member, now)
    if refused is not None:
        raise refused


def issuable_many(
    c: Campaign, issued: int, of_members: dict[str, int], member_ids: list[str], now: str
) -> list[bool]:
    """For a batch of members, in order: who may get a coupon, each decided as ``issuable``
    decides one after the coupons before them in the batch."""
    mine, out = dict(of_members), []
    for member_id in member_ids:
        ok = _not_issuable(c, issued, mine.get(member_id, 0), now) is None
        if ok:
            issued += 1
            mine[member_id] = mine.get(member_id, 0) + 1
        out.append(ok)
    return out


def usable(
    c: Campaign,
    status: str,
    holder: str | None,
    member_id: str,
    order: OrderFacts,
    amount: int,
    counts: Counts,
    now: str,
) -> None:
    """Whether the coupon may pay ``amount`` of the order now; refused with the reason."""
    if status == REDEEMED:
        raise Refused("coupon", "the coupon was used")
    if status == HELD:
        raise Refused("coupon", "the coupon is being used by another payment")
    if holder != member_id:
        raise Refused("coupon", "the coupon is another member's")
    if c.ended:
        raise Refused("coupon", "the campaign has ended")
    if now < c.valid_from:
        raise Refused("coupon", f"the coupon is valid from {c.valid_from}")
    if now >= c.valid_until:
        raise Refused("coupon", f"the coupon expired at {c.valid_until}")
    if order.currency != c.currency:
        raise Refused("coupon", f"the coupon is in {c.currency}, the order in {order.currency}")
    if c.stores and order.store_id not in c.stores:
        raise Refused("coupon", "the coupon is not valid in this store")
    if order.gross < c.min_spend_minor:
        raise Refused("coupon", f"the coupon needs a spend of at least {c.min_spend_minor}")
    if c.redemption_budget is not None and counts.in_use >= c.redemption_budget:
        raise Refused("coupon", "the campaign's redemptions are all taken")
    most = discount(c, order)
    if most <= 0:
        raise Refused("coupon", "the coupon covers nothing on this order")
    if amount > most:
        raise Refused("coupon", f"the coupon takes at most {most} off this order")
