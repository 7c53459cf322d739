"""The points ledger: what a member earns, gives back and spends, and when points expire.

Points are earned on what a paid order came to, less the part paid with points, stored value
or a coupon (no points on points), at the rate HQ sets; a refund reverses them in proportion
to what it gave back. Each earning is a lot with an expiry. Spending, reversing, expiring and
taking away by hand draw on lots, the oldest first (a reversal draws on its own order's lot
first). What no lot can cover is debt: the balance goes negative, later earnings pay it back
first, and redeeming is refused while it lasts. The balance is always the lots' remaining
points less the debt, and the sum of the ledger's lines. Pure: the service records each
movement as an event carrying what it drew on, so replaying it needs no rule.
"""

import calendar
from dataclasses import dataclass, field, replace
from datetime import date

from shared.refusals import Refused

NO_POINTS_ON = ("points", "stored_value", "coupon", "package")
BASIS_POINTS = 10_000  # a multiplier of 10,000 basis points is x1


@dataclass(frozen=True)
class Promotion:
    """A points campaign: ``multiplier_bp`` on the lines it covers while it runs (UTC, ISO 8601,
    from inclusive, until exclusive), in its stores (none: every store), for its categories
    (none: every line)."""

    name: str
    multiplier_bp: int
    valid_from: str
    valid_until: str
    stores: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def covers(self, store_id: str, category: str, at: str) -> bool:
        return (
            self.valid_from <= at < self.valid_until
            and (not self.stores or store_id in self.stores)
            and (not self.categories or category in self.categories)
        )


@dataclass(frozen=True)
class Rules:
    points_per_unit: int = 1  # points per whole unit of currency paid (100 minor units)
    point_value_minor: int = 1  # what one point is worth when redeemed, in minor units
    expiry_days: int = 365
    category_multipliers: dict = field(default_factory=dict)  # category -> basis points
    promotions: tuple[Promotion, ...] = ()
    birthday_bonus: int = 0  # points given on each birthday

    @classmethod
    def from_data(cls, data: dict | None) -> "Rules":
        data = dict(data or {})
        multipliers = {x["category"]: x["multiplier_bp"] for x in data.pop("category_multipliers", [])}
        promotions = tuple(
            Promotion(**{**x, "stores": tuple(x["stores"]), "categories": tuple(x["categories"])})
            for x in data.pop("promotions", [])
        )
        return cls(**data, category_multipliers=multipliers, promotions=promotions)

    def as_data(self) -> dict:
        return {
            "points_per_unit": self.points_per_unit,
            "point_value_minor": self.point_value_minor,
            "expiry_days": self.expiry_days,
            "category_multipliers": [
                {"category": c, "multiplier_bp": bp} for c, bp in sorted(self.category_multipliers.items())
            ],
            "promotions": [
                {
                    "name": p.name,
                    "multiplier_bp": p.multiplier_bp,
                    "valid_from": p.valid_from,
                    "valid_until": p.valid_until,
                    "stores": list(p.stores),
                    "categories": list(p.categories),
                }
                for p in self.promotions
            ],
            "birthday_bonus": self.birthday_bonus,
        }

    def check(self) -> None:
        for promotion in self.promotions:
            if promotion.valid_until <= promotion.valid_from:
                raise Refused("promotions", f"{promotion.name} ends before it starts", conflict=False)
        if len({p.name for p in self.promotions}) < len(self.promotions):
            raise Refused("promotions", "each promotion has a name of its own", conflict=False)

    def multiplier_bp(self, store_id: str, category: str, at: str) -> int:
        """A line's multiplier: its category's times the best promotion covering it (one
        promotion counts, not the product of several)."""
        promoted = [p.multiplier_bp for p in self.promotions if p.covers(store_id, category, at)]
        return self.category_multipliers.get(category, BASIS_POINTS) * max(promoted, default=BASIS_POINTS)


@dataclass(frozen=True)
class Lot:
    lot_id: str
    earned_at: str  # UTC, ISO 8601: lots are drawn on in this order
    expires_at: str
    remaining: int


@dataclass(frozen=True)
class Account:
    lots: tuple[Lot, ...] = ()  # those with points remaining, oldest first
    debt: int = 0
    held: int = 0  # points kept for payments not captured yet

    @property
    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots) - self.debt

    @property
    def available(self) -> int:
        """What may be spent now: the balance less what is on hold."""
        return self.balance - self.held


@dataclass(frozen=True)
class Movement:
    """An account after a movement, what it drew on ((lot id, points), in order) and how
    its debt changed (+ owed more, - paid back)."""

    account: Account
    drawn: tuple[tuple[str, int], ...] = ()
    debt_change: int = 0


def eligible(gross_minor: int, tenders: list[tuple[str, int]]) -> int:
    """What earns points: the order's gross less what points, stored value, a coupon or a
    package's session paid (the package earned when it was bought)."""
    return max(gross_minor - sum(amount for kind, amount in tenders if kind in NO_POINTS_ON), 0)


def points_for(
    eligible_minor: int,
    rules: Rules,
    lines: list[tuple[str, int]] = (),
    store_id: str = "",
    at: str = "",
) -> int:
    """Points for what earns, at HQ's rate per unit. With the order's ``lines`` ((category,
    gross) each), what earns is shared among them in proportion to their gross, and each
    share counts with its line's multiplier; rounded down once, on the whole."""
    paid = sum(gross for _, gross in lines)
    if paid <= 0:
        return eligible_minor * rules.points_per_unit // 100
    weighted = sum(gross * rules.multiplier_bp(store_id, category, at) for category, gross in lines)
    return eligible_minor * weighted * rules.points_per_unit // (paid * 100 * BASIS_POINTS * BASIS_POINTS)


def next_birthday(birthday: str, today: date) -> date:
    """The member's next birthday from ``today`` on (today if it is today); one born on 29
    February has it on the 28th in other years."""
    born = date.fromisoformat(birthday)
    for year in (today.year, today.year + 1):
        day = min(born.day, calendar.monthrange(year, born.month)[1])
        if (found := date(year, born.month, day)) >= today:
            return found
    raise AssertionError("a birthday comes within a year")


def reversal(earned: int, eligible_minor: int, refunded_minor: int, reversed_so_far: int) -> int:
    """Points a refund takes back: the share of the earning that ``refunded_minor`` (all
    refunds of the order so far) is of what earned it, less what was taken back before."""
    if eligible_minor <= 0:
        return 0
    target = min(earned, earned * min(refunded_minor, eligible_minor) // eligible_minor)
    return max(target - reversed_so_far, 0)


def earn(account: Account, lot_id: str, points: int, earned_at: str, expires_at: str) -> Movement:
    """A lot of new points; debt is paid back from it first."""
    paid_back = min(points, account.debt)
    lots = account.lots
    if points > paid_back:
        lots = tuple(
            sorted(
                lots + (Lot(lot_id, earned_at, expires_at, points - paid_back),),
                key=lambda lot: (lot.earned_at, lot.lot_id),
            )
        )
    return Movement(replace(account, lots=lots, debt=account.debt - paid_back), (), -paid_back)


def draw(account: Account, points: int, first: str | None = None, may_owe: bool = False) -> Movement:
    """Take ``points`` from the lots (``first`` before the oldest); what they cannot cover
    becomes debt if ``may_owe``, else the whole is refused."""
    if points <= 0:
        raise Refused("points", "a number of points above zero", conflict=False)
    if not may_owe:
        redeemable(account, points)
    order = sorted(account.lots, key=lambda lot: lot.lot_id != first)  # stable: oldest first after
    drawn, left, after = [], points, {lot.lot_id: lot for lot in account.lots}
    for lot in order:
        if left == 0:
            break
        n = min(lot.remaining, left)
        drawn.append((lot.lot_id, n))
        after[lot.lot_id] = replace(lot, remaining=lot.remaining - n)
        left -= n
    lots = tuple(lot for lot in (after[x.lot_id] for x in account.lots) if lot.remaining > 0)
    return Movement(replace(account, lots=lots, debt=account.debt + left), tuple(drawn), left)


def redeemable(account: Account, points: int) -> None:
    if account.debt > 0:
        raise Refused(
            "points",
            f"the balance is negative ({account.balance}): later earnings pay it "
            "back before points can be spent",
        )
    if points > account.available:
        raise Refused("points", f"only {account.available} points to spend")


def points_worth(amount_minor: int, rules: Rules) -> int:
    """The points that pay ``amount_minor``, rounded up: points never pay more than they are worth."""
    return -(-amount_minor // rules.point_value_minor)


def hold(account: Account, points: int) -> Account:
    """Points kept for a payment until it is captured or let go."""
    if points <= 0:
        raise Refused("amount", "an amount above zero", conflict=False)
    redeemable(account, points)
    return replace(account, held=account.held + points)


def redeem(account: Account, points: int) -> Movement:
    """A hold captured: its points are spent from the lots, the oldest first."""
    return draw(replace(account, held=account.held - points), points, may_owe=True)


def expire(account: Account, lot_id: str) -> Movement | None:
    """The lot's remaining points lapse; None if nothing is left of it."""
    lot = next((x for x in account.lots if x.lot_id == lot_id), None)
    if lot is None:
        return None
    return Movement(
        replace(account, lots=tuple(x for x in account.lots if x.lot_id != lot_id)),
        ((lot_id, lot.remaining),),
        0,
    )
