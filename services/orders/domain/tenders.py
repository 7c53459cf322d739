"""The tender protocol: how every way of paying moves money, one step at a time.

A tender (a card online or at the counter, cash, and later stored value, points or a
coupon, which the members issue implements) is authorized (the money is held), then
captured (taken), or voided (the hold let go); a captured tender may be refunded, in part or
whole. A request whose outcome is unknown (the provider timed out) stays pending until the
provider is asked about its own reference: it is never simply tried again. Every step is
idempotent: asking for a step already taken changes nothing and says so, and a step that
contradicts one taken (capturing a voided hold) is refused.

A payment of several tenders is one saga: all are authorized first; if any fails, every
hold is voided and nothing is charged; only when all are held are they captured.
"""

from dataclasses import dataclass, replace

from shared.refusals import Refused

CARD_ONLINE, CARD_PRESENT, CASH = "card_online", "card_present", "cash"
STORED_VALUE, POINTS, COUPON, PACKAGE = "stored_value", "points", "coupon", "package"
KINDS = (CARD_ONLINE, CARD_PRESENT, CASH, STORED_VALUE, POINTS, COUPON, PACKAGE)
GIVE_BACK_NO_MONEY = (COUPON, PACKAGE)  # refunded last: they give back a coupon or a session
PENDING, AUTHORIZED, CAPTURED, VOIDED, FAILED = "pending", "authorized", "captured", "voided", "failed"


class TenderRefused(Refused):
    """A step the tender's state does not allow, or an amount it cannot take."""


@dataclass(frozen=True)
class Tender:
    tender_id: str
    kind: str
    amount: int  # minor units applied to the order
    status: str = PENDING
    refunded: int = 0
    reference: str | None = None  # the provider's (or members') reference for this tender
    reason: str | None = None  # why it failed
    tendered: int | None = None  # cash handed over; the change is tendered - amount

    @property
    def captured(self) -> int:
        return self.amount if self.status == CAPTURED else 0

    @property
    def refundable(self) -> int:
        return self.captured - self.refunded

    @property
    def change(self) -> int:
        return 0 if self.tendered is None else self.tendered - self.amount


def requested(tender_id: str, kind: str, amount: int, tendered: int | None = None) -> Tender:
    if kind not in KINDS:
        raise TenderRefused("kind", f"no tender {kind}: one of {', '.join(KINDS)}", conflict=False)
    if amount <= 0:
        raise TenderRefused("amount", "a tender's amount is more than zero", conflict=False)
    if tendered is not None and (kind != CASH or tendered < amount):
        raise TenderRefused("tendered", "only cash is tendered, and at least the amount", conflict=False)
    return Tender(tender_id, kind, amount, tendered=tendered)


def authorized(tender: Tender, reference: str | None) -> tuple[Tender, bool]:
    """The money is held (the provider said yes, or a later inquiry found it did)."""
    return _step(tender, AUTHORIZED, (PENDING,), reference=reference or tender.reference)


def failed(tender: Tender, reason: str) -> tuple[Tender, bool]:
    """The provider said no (or an inquiry found nothing was held)."""
    return _step(tender, FAILED, (PENDING,), reason=reason)


def captured(tender: Tender) -> tuple[Tender, bool]:
    return _step(tender, CAPTURED, (AUTHORIZED,))


def voided(tender: Tender) -> tuple[Tender, bool]:
    """The hold is let go; a pending request is voided by its reference too, so whatever the
    provider did with it is undone."""
    return _step(tender, VOIDED, (PENDING, AUTHORIZED))


def refunded(tender: Tender, amount: int) -> Tender:
    """``amount`` more of a captured tender given back. Not idempotent by itself: each refund
    is its own request, made once by its own idempotency key."""
    if tender.status != CAPTURED:
        raise TenderRefused("tender", f"only a captured tender is refunded; this one is {tender.status}")
    if not 0 < amount <= tender.refundable:
        raise TenderRefused("amount", f"a refund of this tender is 1 to {tender.refundable}", conflict=False)
    return replace(tender, refunded=tender.refunded + amount)


def _step(tender: Tender, to: str, allowed: tuple[str, ...], **changes) -> tuple[Tender, bool]:
    if tender.status == to:
        return tender, False
    if tender.status not in allowed:
        raise TenderRefused("tender", f"a {tender.status} tender cannot be {to}")
    return replace(tender, status=to, **changes), True


def saga_next(tenders: list[Tender]) -> list[tuple[str, str]]:
    """What a split payment does next, as (tender id, step): wait while any is pending; if any
    failed, void every other hold; when all are held, capture them all."""
    if any(t.status == PENDING for t in tenders):
        return []
    if any(t.status in (FAILED, VOIDED) for t in tenders):
        return [(t.tender_id, VOIDED) for t in tenders if t.status == AUTHORIZED]
    return [(t.tender_id, CAPTURED) for t in tenders if t.status == AUTHORIZED]


def check_payment(balance: int, amounts: list[int], tip: int = 0) -> None:
    """Tenders that would pay more than the balance (plus the tip they carry) are refused as a
    whole; cash that is more gives change instead: its ``amount`` is what it pays,
    ``tendered`` what was handed over."""
    if balance <= 0:
        raise TenderRefused("tenders", "nothing is left to pay on this order")
    if sum(amounts) > balance + tip:
        with_tip = f" and the tip of {tip}" if tip else ""
        raise TenderRefused(
            "tenders",
            f"the tenders come to {sum(amounts)}, more than the balance of {balance}{with_tip}",
            conflict=False,
        )


def refund_split(tenders: list[Tender], amount: int) -> list[tuple[str, int]]:
    """A refund of ``amount`` over the captured tenders, the last captured first, each up to
    what it can still give back, a coupon or a package's session after every tender of money
    (they give the customer nothing back but the coupon or the session), a session whole or
    not at all; refused if they cannot give back that much."""
    available = sum(t.refundable for t in tenders)
    if not 0 < amount <= available:
        raise TenderRefused(
            "amount", f"a refund is 1 to {available}, what was paid and not yet refunded", conflict=False
        )
    out, left = [], amount
    for tender in sorted(reversed(tenders), key=lambda t: t.kind in GIVE_BACK_NO_MONEY):
        take = min(left, tender.refundable)
        if tender.kind == PACKAGE and 0 < take < tender.refundable:
            raise TenderRefused(
                "amount",
                f"a package's session is given back whole: {tender.refundable} of tender {tender.tender_id}, "
                f"not {take}",
                conflict=False,
            )
        if take > 0:
            out.append((tender.tender_id, take))
            left -= take
    return out
