"""The tender protocol every way of paying implements: authorize (hold) → capture → void or
refund, and inquire after a lost answer, each keyed by our own reference so that asking
twice has the effect once.

Cards (online and at the counter) go to the payment provider; cash goes to the store's
drawer, which holds nothing remote and answers at once. Stored value, points and coupons
are the members service's to implement behind the same protocol; until then they are
refused as not offered.
"""

from .provider import APPROVED, Outcome, Provider

CARDS = ("card_online", "card_present")
CASH = "cash"
MEMBERS_TENDERS = ("stored_value", "points", "coupon")


class CashDrawer:
    """Cash is taken at the counter as it is counted: held and taken at once, given back
    from the drawer."""

    def authorize(self, reference: str, token: str | None, amount: int, currency: str) -> Outcome:
        return Outcome(APPROVED)

    def capture(self, reference: str, amount: int) -> Outcome:
        return Outcome(APPROVED, captured=amount)

    def void(self, reference: str) -> Outcome:
        return Outcome(APPROVED, voided=True)

    def refund(self, reference: str, amount: int, refund_ref: str) -> Outcome:
        return Outcome(APPROVED, refunded=amount)

    def inquire(self, reference: str) -> Outcome:
        return Outcome(APPROVED)


class Tenders:
    """Who moves the money for each kind of tender."""

    def __init__(self, provider: Provider):
        self.provider = provider
        self.drawer = CashDrawer()

    def offered(self, kind: str) -> bool:
        return kind in CARDS or kind == CASH

    def __getitem__(self, kind: str) -> Provider:
        return self.provider if kind in CARDS else self.drawer
