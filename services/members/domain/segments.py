"""Segments: saved filters over what the chain knows of its members, for targeting campaigns.

A segment keeps the members who match every condition it names: visited recently or lapsed
(no visit for N days after having come), spend and visits over the last 12 months, an RFM
score, a tier, a store or a service they have visited, a category of what they bought, the
month they were born in, and consent to the channel a campaign would use. RFM scores each
member 1 to 5 on recency (days since the last visit), frequency (visits) and monetary value
(spend) by quintile among the members who have visited, and adds them up (3 to 15); a member
who never visited has no score. Pure: the service gathers the facts of every member and asks
which match.
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date

from shared.refusals import Refused

CHANNELS = ("email", "sms")
LISTS = ("tiers", "stores", "services", "categories", "birthday_months")


@dataclass(frozen=True)
class Filter:
    visited_within_days: int | None = None
    lapsed_days: int | None = None  # came before, not within these days
    min_spend_minor: int | None = None
    max_spend_minor: int | None = None
    min_visits: int | None = None
    min_rfm: int | None = None
    tiers: tuple[str, ...] = ()  # "none" for members without a tier
    stores: tuple[str, ...] = ()  # visited any of them
    services: tuple[str, ...] = ()  # visited for any of them
    consent: str | None = None  # "email" or "sms": marketing consent to it
    categories: tuple[str, ...] = ()  # bought any of them (a line of a paid order)
    birthday_months: tuple[int, ...] = ()  # born in any of them

    def __post_init__(self):
        for name in (
            "visited_within_days",
            "lapsed_days",
            "min_spend_minor",
            "max_spend_minor",
            "min_visits",
        ):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise Refused(name, "not negative", conflict=False)
        if self.min_rfm is not None and not 3 <= self.min_rfm <= 15:
            raise Refused("min_rfm", "an RFM score is 3 to 15", conflict=False)
        if any(not 1 <= m <= 12 for m in self.birthday_months):
            raise Refused("birthday_months", "a month is 1 to 12", conflict=False)
        if self.consent is not None and self.consent not in CHANNELS:
            raise Refused("consent", f"a channel is one of {', '.join(CHANNELS)}", conflict=False)
        if (
            self.min_spend_minor is not None
            and self.max_spend_minor is not None
            and self.min_spend_minor > self.max_spend_minor
        ):
            raise Refused("max_spend_minor", "at least the minimum spend", conflict=False)

    @classmethod
    def from_data(cls, data: dict) -> "Filter":
        lists = {k: tuple(data.get(k) or ()) for k in LISTS}
        return cls(**{**{k: v for k, v in data.items() if k not in lists}, **lists})

    def needs(self) -> set[str]:
        """The facts its conditions read: only those are gathered."""
        wanted = set()
        if {self.visited_within_days, self.lapsed_days, self.min_visits, self.min_rfm} != {None}:
            wanted.add("visits")
        if {self.min_spend_minor, self.max_spend_minor, self.min_rfm} != {None}:
            wanted.add("spend")
        wanted |= {name for name in ("tiers", "stores", "services", "categories") if getattr(self, name)}
        if self.birthday_months:
            wanted.add("birthdays")
        return wanted

    def as_data(self) -> dict:
        return {
            "visited_within_days": self.visited_within_days,
            "lapsed_days": self.lapsed_days,
            "min_spend_minor": self.min_spend_minor,
            "max_spend_minor": self.max_spend_minor,
            "min_visits": self.min_visits,
            "min_rfm": self.min_rfm,
            "tiers": list(self.tiers),
            "stores": list(self.stores),
            "services": list(self.services),
            "consent": self.consent,
            "categories": list(self.categories),
            "birthday_months": list(self.birthday_months),
        }


@dataclass(frozen=True)
class Facts:
    member_id: str
    last_visit: date | None = None
    visits: int = 0  # completed bookings over the last 12 months
    spend: int = 0  # over the last 12 months
    tier: str | None = None
    stores: frozenset = field(default_factory=frozenset)
    services: frozenset = field(default_factory=frozenset)
    consents: frozenset = field(default_factory=frozenset)  # channels
    categories: frozenset = field(default_factory=frozenset)
    birthday_month: int | None = None


def _quintile(value: float, ordered: list[float]) -> int:
    """1 to 5: where ``value`` falls among ``ordered`` (ascending), by how many are below it."""
    return min(5, 1 + bisect_left(ordered, value) * 5 // max(len(ordered), 1))


def rfm(facts: list[Facts], today: date) -> dict[str, int]:
    """Each visiting member's RFM score (3 to 15)."""
    visiting = [f for f in facts if f.last_visit is not None]
    recency = sorted(-(today - f.last_visit).days for f in visiting)  # more recent is higher
    frequency = sorted(f.visits for f in visiting)
    monetary = sorted(f.spend for f in visiting)
    return {
        f.member_id: _quintile(-(today - f.last_visit).days, recency)
        + _quintile(f.visits, frequency)
        + _quintile(f.spend, monetary)
        for f in visiting
    }


def matches(flt: Filter, f: Facts, score: int | None, today: date) -> bool:
    days = None if f.last_visit is None else (today - f.last_visit).days
    checks = (
        flt.visited_within_days is None or (days is not None and days <= flt.visited_within_days),
        flt.lapsed_days is None or (days is not None and days > flt.lapsed_days),
        flt.min_spend_minor is None or f.spend >= flt.min_spend_minor,
        flt.max_spend_minor is None or f.spend <= flt.max_spend_minor,
        flt.min_visits is None or f.visits >= flt.min_visits,
        flt.min_rfm is None or (score is not None and score >= flt.min_rfm),
        not flt.tiers or (f.tier or "none") in flt.tiers,
        not flt.stores or bool(f.stores & set(flt.stores)),
        not flt.services or bool(f.services & set(flt.services)),
        flt.consent is None or flt.consent in f.consents,
        not flt.categories or bool(f.categories & set(flt.categories)),
        not flt.birthday_months or f.birthday_month in flt.birthday_months,
    )
    return all(checks)


def members_of(flt: Filter, facts: list[Facts], today: date) -> list[str]:
    scores = rfm(facts, today) if flt.min_rfm is not None else {}
    return [f.member_id for f in facts if matches(flt, f, scores.get(f.member_id), today)]
