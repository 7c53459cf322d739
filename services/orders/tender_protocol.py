"""The tender protocol every way of paying implements: authorize (hold) → capture → void or
refund, and inquire after a lost answer, each keyed by our own reference so that asking
twice has the effect once.

Cards (online and at the counter) go to the payment provider; cash goes to the store's
drawer, which holds nothing remote and answers at once. Points, stored value and coupons are
the members service's: ``MembersTender`` asks it, by RPC, for each step, with the order as
the token (its member and store, since a card may work in one store only; for a coupon or a
package's session its lines, which decide what it may pay, and the coupon's code). A members service
that does not answer is a lost answer, asked about before anything is tried again, as with a
card.
"""

import json
from collections.abc import Callable

from shared.errors import ServiceTimeout, ServiceUnavailable

from .provider import APPROVED, Outcome, Provider, ProviderTimeout

CARDS = ("card_online", "card_present")
CASH = "cash"
COUPON = "coupon"
PACKAGE = "package"
OFFERED_BY_MEMBERS = ("points", "stored_value", "coupon", PACKAGE)


def members_token(order_facts: dict, code: str | None = None) -> str | None:
    """The token of a members' tender: the order as members needs it (its member, store and
    id; for a coupon, its lines and gross too) and a coupon's code, as JSON."""
    if order_facts["member_id"] is None:
        return None
    return json.dumps({**order_facts, "code": code}, sort_keys=True)


def _members_args(token: str | None) -> dict:
    """A token read back; one stored before stored value is the member's id alone."""
    if token is None:
        return {"member_id": None}
    if not token.startswith("{"):
        return {"member_id": token}
    return json.loads(token)


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


class MembersTender:
    """One of the members service's tenders, behind the same protocol: ``call(step, **args)``
    is its ``tender`` RPC; an error reaching it leaves the outcome unknown."""

    def __init__(self, kind: str, call: Callable[..., dict]):
        self.kind = kind
        self.call = call

    def _ask(self, step: str, **args) -> Outcome:
        try:
            answer = self.call(step=step, kind=self.kind, **args)
        except (ServiceTimeout, ServiceUnavailable) as lost:
            raise ProviderTimeout(str(lost)) from None
        return Outcome(
            answer["status"],
            reason=answer["reason"],
            captured=answer["captured"],
            refunded=answer["refunded"],
            voided=answer["voided"],
        )

    def authorize(self, reference: str, token: str | None, amount: int, currency: str) -> Outcome:
        return self._ask(
            "authorize", reference=reference, amount=amount, currency=currency, **_members_args(token)
        )

    def capture(self, reference: str, amount: int) -> Outcome:
        return self._ask("capture", reference=reference, amount=amount)

    def void(self, reference: str) -> Outcome:
        return self._ask("void", reference=reference)

    def refund(self, reference: str, amount: int, refund_ref: str) -> Outcome:
        return self._ask("refund", reference=reference, amount=amount, refund_ref=refund_ref)

    def inquire(self, reference: str) -> Outcome:
        return self._ask("inquire", reference=reference)


class Tenders:
    """Who moves the money for each kind of tender; ``members`` is the members service's
    ``tender`` RPC (without it, members' tenders are not offered)."""

    def __init__(self, provider: Provider, members: Callable[..., dict] | None = None):
        self.provider = provider
        self.drawer = CashDrawer()
        self.members = {kind: MembersTender(kind, members) for kind in OFFERED_BY_MEMBERS} if members else {}
        # not ways to pay: a refund taking a top-up's principal back off the member's card, or
        # closing a package, before the money goes back (by the line's kind)
        self.withdrawals = (
            {"top_up": MembersTender("top_up", members), PACKAGE: MembersTender("package_refund", members)}
            if members
            else {}
        )

    def offered(self, kind: str) -> bool:
        return kind in CARDS or kind == CASH or kind in self.members

    def __getitem__(self, kind: str) -> Provider:
        if kind in self.members:
            return self.members[kind]
        return self.provider if kind in CARDS else self.drawer
