"""Tiers: where a member stands from what they spent over a rolling window (12 months unless
HQ says otherwise), and what that gives them: a points multiplier and a discount on services,
both applied from their next order.

Spend is money the member paid for services and products: an order's gross less what points
and coupons paid (no money changed hands) and less card top-ups (that money is counted when
the card pays for something), less what was refunded. A tier is reached at its minimum spend;
below the lowest tier a member has none (a multiplier of 1, no discount). Pure: the service
keeps each order's spend and records a ``TierChanged`` when the tier a member stands in moves.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.refusals import Refused

BASIS_POINTS = 10_000
NOT_SPEND = ("points", "coupon")  # tenders that are no money paid


@dataclass(frozen=True)
class Tier:
    name: str
    min_spend_minor: int
    points_multiplier_bp: int = BASIS_POINTS  # 15000: one and a half times the points
    service_discount_bp: int = 0  # 500: 5 % off services


@dataclass(frozen=True)
class Rules:
    tiers: tuple[Tier, ...] = ()  # lowest first
    window_days: int = 365

    def __post_init__(self):
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise Refused("tiers", "each tier has a name of its own", conflict=False)
        spends = [t.min_spend_minor for t in self.tiers]
        if spends != sorted(set(spends)) or any(s <= 0 for s in spends):
            raise Refused(
                "tiers", "each tier starts at a spend above zero and above the tier below it", conflict=False
            )
        for t in self.tiers:
            if not BASIS_POINTS <= t.points_multiplier_bp <= 5 * BASIS_POINTS:
                raise Refused(
                    "tiers", f"{t.name}: a points multiplier is 10000 to 50000 basis points", conflict=False
                )
            if not 0 <= t.service_discount_bp <= BASIS_POINTS // 2:
                raise Refused(
                    "tiers", f"{t.name}: a discount on services is 0 to 5000 basis points", conflict=False
                )
        if not 30 <= self.window_days <= 3 * 365:
            raise Refused("window_days", "a window of 30 days to three years", conflict=False)

    @classmethod
    def from_data(cls, data: dict | None) -> "Rules":
        data = data or {}
        tiers = sorted((Tier(**t) for t in data.get("tiers", ())), key=lambda t: t.min_spend_minor)
        return cls(tuple(tiers), data.get("window_days", 365))

    def as_data(self) -> dict:
        return {
            "tiers": [
                {
                    "name": t.name,
                    "min_spend_minor": t.min_spend_minor,
                    "points_multiplier_bp": t.points_multiplier_bp,
                    "service_discount_bp": t.service_discount_bp,
                }
                for t in self.tiers
            ],
            "window_days": self.window_days,
        }

    def tier_for(self, spend: int) -> Tier | None:
        """The highest tier the spend reaches; None below the lowest."""
        return next((t for t in reversed(self.tiers) if spend >= t.min_spend_minor), None)

    def named(self, name: str | None) -> Tier | None:
        return next((t for t in self.tiers if t.name == name), None)


def order_spend(gross: int, tenders: list[tuple[str, int]], prepaid: int) -> int:
    """What an order adds to a member's spend: not what points or a coupon paid, nor the
    prepaid value it sold (top-ups, packages), which counts when the card or a session pays."""
    return max(gross - sum(amount for kind, amount in tenders if kind in NOT_SPEND) - prepaid, 0)


def after_refund(spend: int, gross: int, refunded_total: int) -> int:
    """An order's spend once ``refunded_total`` of its gross was given back, in proportion."""
    if gross <= 0:
        return 0
    return max(spend - spend * min(refunded_total, gross) // gross, 0)


def in_window(entries: list[tuple[datetime, int]], now: datetime, window_days: int) -> int:
    """The spend of the orders paid within the window that ends now."""
    since = now - timedelta(days=window_days)
    return sum(amount for at, amount in entries if at > since)


def next_lapse(entries: list[tuple[datetime, int]], now: datetime, window_days: int) -> datetime | None:
    """When the oldest spend still in the window leaves it: the tier may fall then."""
    since = now - timedelta(days=window_days)
    inside = [at for at, amount in entries if at > since and amount > 0]
    return min(inside) + timedelta(days=window_days) if inside else None


def multiplied(points: int, tier: Tier | None) -> int:
    return points if tier is None else points * tier.points_multiplier_bp // BASIS_POINTS
