"""Service packages: N sessions of one service bought in advance (ten cuts for the price of
eight), used one session at a time to pay for that service, until they run out or expire.

HQ's catalogue says what a package is: the service, the sessions, the price, how many days it
is valid once bought, and the stores that sell it (where it then works). A member's bought
package is a *holding*: the terms as they were sold, what is left and what payments hold.

The value still owed to the member (the liability) is always ``price × sessions left ÷
sessions``, rounded down, so that every movement's value is the difference it makes and the
ledger's values sum exactly to the price over the holding's life, whatever the order of uses,
give-backs, expiry and refunds. A refund of money takes the fewest sessions whose value, with
what earlier refunds took beyond their money (the holding's credit), covers it: refunds in
any number of parts give back at most, and always up to, the value of the sessions left.
Pure: the service records each movement with what it moved.
"""

from dataclasses import dataclass, replace

from shared.refusals import Refused

MAX_SESSIONS, MAX_DAYS, MAX_NAME = 100, 3650, 120
USE, REFUND = "use", "refund"  # what a hold is for: a session paying, or money refunded
ACTIVE, USED_UP, EXPIRED, REFUNDED = "active", "used_up", "expired", "refunded"


def in_stores(stores: tuple[str, ...] | list[str], store_id: str) -> bool:
    """Whether a package of ``stores`` (none: every store) is sold and works at ``store_id``."""
    return not stores or store_id in stores


@dataclass(frozen=True)
class Package:
    """A package in HQ's catalogue (checked once, by ``defined``)."""

    package_id: str
    name: str
    service_id: str
    sessions: int
    price: int  # minor units, for all the sessions
    currency: str
    valid_days: int  # from the moment it is paid
    stores: tuple[str, ...] = ()  # where it is sold and works; empty: every store
    retired: bool = False

    def sellable(self, store_id: str) -> None:
        if self.retired:
            raise Refused("package_id", f"package {self.package_id} is retired: it is no longer sold")
        if not in_stores(self.stores, store_id):
            raise Refused("package_id", f"package {self.package_id} is not sold in store {store_id}")


def defined(package: Package) -> Package:
    """A new package's terms, refused if they cannot be."""
    if not 1 <= len(package.name) <= MAX_NAME:
        raise Refused("name", f"a package's name is 1 to {MAX_NAME} characters", conflict=False)
    if not 1 <= package.sessions <= MAX_SESSIONS:
        raise Refused("sessions", f"a package has 1 to {MAX_SESSIONS} sessions", conflict=False)
    if package.price < 1:
        raise Refused("price", "a package costs more than nothing", conflict=False)
    if not 1 <= package.valid_days <= MAX_DAYS:
        raise Refused("valid_days", f"a package is valid for 1 to {MAX_DAYS} days", conflict=False)
    return package


@dataclass(frozen=True)
class Hold:
    reference: str  # the orders' tender id (a use), or the refund's (a refund)
    sessions: int  # a refund covered by the credit holds none
    purpose: str  # USE or REFUND


@dataclass(frozen=True)
class Holding:
    """A member's bought package."""

    holding_id: str
    service_id: str
    works_in: tuple[str, ...]  # empty: every store
    sessions: int
    price: int
    currency: str
    expires_at: str  # UTC, ISO 8601
    bought_at: str
    left: int  # sessions not used, expired or refunded (held ones included)
    holds: tuple[Hold, ...] = ()
    refunded: bool = False  # refunded until no session was left
    lapsed: bool = False  # its sessions left lapsed at its expiry
    credit: int = 0  # value refunds took beyond the money they gave back: owed to later refunds

    @property
    def held(self) -> int:
        return sum(h.sessions for h in self.holds)

    @property
    def free(self) -> int:
        return self.left - self.held

    def value_of(self, left: int) -> int:
        return self.price * left // self.sessions

    @property
    def value_left(self) -> int:
        return self.value_of(self.left)

    def value_moved(self, sessions: int) -> int:
        """What ``sessions`` leaving (or, negative, coming back) is worth now."""
        return self.value_left - self.value_of(self.left - sessions)

    def expired(self, now: str) -> bool:
        return now >= self.expires_at

    def status(self, now: str) -> str:
        if self.refunded:
            return REFUNDED
        if self.lapsed:
            return EXPIRED
        if self.left == 0:
            return USED_UP
        return EXPIRED if self.expired(now) else ACTIVE

    def hold_of(self, reference: str) -> Hold | None:
        return next((h for h in self.holds if h.reference == reference), None)

    def works_at(self, store_id: str) -> bool:
        return in_stores(self.works_in, store_id)


def bought(
    terms: dict, price: int, currency: str, holding_id: str, bought_at: str, expires_at: str
) -> Holding:
    """A package as sold (``terms``: its service, sessions and stores), now the member's."""
    return Holding(
        holding_id,
        terms["service_id"],
        tuple(terms["stores"]),
        terms["sessions"],
        price,
        currency,
        expires_at,
        bought_at,
        terms["sessions"],
    )


def choose(holdings: list[Holding], service_id: str, store_id: str, currency: str, now: str) -> Holding:
    """The holding a session of ``service_id`` at ``store_id`` is taken from: the one expiring
    first (then the oldest), so the member loses as little as can be; refused with the reason
    the closest candidate fails."""
    of_service = [h for h in holdings if h.service_id == service_id and not h.refunded]
    if not of_service:
        raise Refused("package", "the member has no package session for this service")
    here = [h for h in of_service if h.works_at(store_id)]
    if not here:
        raise Refused("package", "the member's package for this service does not work in this store")
    valid = [h for h in here if not h.expired(now) and not h.lapsed]
    if not valid:
        raise Refused("package", "the member's package for this service has expired")
    left = [h for h in valid if h.left]
    if not left:
        raise Refused("package", "every session of the member's package for this service is used")
    priced = [h for h in left if h.currency == currency]
    if not priced:
        raise Refused("package", f"the member's package is in {left[0].currency}, the order in {currency}")
    free = [h for h in priced if h.free > 0]
    if not free:
        raise Refused("package", "every session left is held by a payment on its way")
    return min(free, key=lambda h: (h.expires_at, h.bought_at, h.holding_id))


def open_lines(lines: list[dict], service_id: str, paying: list[int]) -> list[int]:
    """The order's lines of the service (their gross) no session pays yet: each amount
    sessions already pay is matched with the smallest line it fits, the largest first."""
    left = sorted(x["gross"] for x in lines if x["kind"] == "service" and x["ref"] == service_id)
    for amount in sorted(paying, reverse=True):
        if left:
            left.remove(next((g for g in left if g >= amount), left[-1]))
    return left


def line_for(lines: list[int], amount: int) -> int | None:
    """The line (its gross) a session paying ``amount`` pays: one that comes to the amount,
    else the smallest it fits; None if it fits none."""
    fits = sorted(g for g in lines if 0 < amount <= g)
    return next((g for g in fits if g == amount), fits[0] if fits else None)


def hold(h: Holding, reference: str, sessions: int, purpose: str) -> Holding:
    if not 0 <= sessions <= h.free or (purpose == USE and sessions != 1):
        raise Refused("package", f"the package has {h.free} session(s) free")
    return replace(h, holds=h.holds + (Hold(reference, sessions, purpose),))


def release(h: Holding, reference: str) -> Holding:
    return replace(h, holds=tuple(x for x in h.holds if x.reference != reference))


def take(h: Holding, reference: str) -> Holding:
    """A hold's sessions leave the holding (used, or refunded)."""
    found = h.hold_of(reference)
    if found is None:
        raise Refused("reference", "no hold to capture")
    return replace(release(h, reference), left=h.left - found.sessions)


def refunded(before: Holding, after: Holding, money: int) -> Holding:
    """``after`` a refund's sessions were taken from ``before`` and ``money`` went back: the
    value they took beyond the money is credit for later refunds; none left, it is closed.
    (The value of sessions can only shrink by rounding between hold and capture: the credit
    never goes below zero.)"""
    credit = max(before.credit + before.value_left - after.value_left - money, 0)
    return replace(
        after, credit=0 if after.left == 0 else credit, refunded=before.refunded or after.left == 0
    )


def give_back(h: Holding, now: str) -> Holding:
    """A refund of a payment a session made: the session comes back, while the package can
    still be used."""
    if h.refunded:
        raise Refused("package", "the package was refunded: its session cannot come back")
    if h.lapsed or h.expired(now):
        raise Refused("package", "the package has expired: its session cannot come back")
    if h.left >= h.sessions:
        raise Refused("package", "every session of the package is on it already")
    return replace(h, left=h.left + 1)


def refundable(h: Holding) -> int:
    """The most money a refund may give back now: the credit and the value of the free
    sessions (the last ones, as they would go)."""
    return h.credit + h.value_moved(h.free)


def refund_sessions(h: Holding, amount: int) -> int:
    """The fewest free sessions whose value, with the credit, covers ``amount``."""
    return next(k for k in range(0, h.free + 1) if h.credit + h.value_moved(k) >= amount)


def refund_hold(h: Holding, reference: str, amount: int, now: str) -> Holding:
    """A refund of ``amount`` of the package holds the sessions it takes; once the money has
    gone back they are gone. Sessions a payment holds are never taken."""
    if amount <= 0:
        raise Refused("amount", "an amount above zero", conflict=False)
    if h.refunded:
        raise Refused("package", "the package was refunded already")
    if h.lapsed or h.expired(now):
        raise Refused("package", "the package has expired: nothing of it is left to give back")
    if amount > refundable(h):
        on_way = " (the rest is held by payments on their way)" if h.held else ""
        raise Refused("package", f"only {refundable(h)} of the package is left unused to give back{on_way}")
    return hold(h, reference, refund_sessions(h, amount), REFUND)


def expire(h: Holding) -> Holding:
    """Past its date, the sessions left lapse; not while a payment holds one (it may still
    capture what it held in time)."""
    if h.held:
        raise Refused("package", "a payment holds a session: the package lapses once it has settled")
    return replace(h, left=0, lapsed=True, credit=0)
