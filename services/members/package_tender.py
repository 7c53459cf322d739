"""A service package as a tender of the orders' protocol: a session pays for its service on
an order. *authorize* holds one session of the member's package for that service (the one
expiring first) for a service line of the order not yet paid by a session; *capture* uses
it; *void* lets it go; *refund* brings it back, whole, while the package can still be used;
*inquire* answers after a lost answer. Each step is keyed by the orders' tender reference, so
asking twice has the effect once; the member's packages lock decides two payments reaching
for the last session one after the other.

The refund of a package itself (``package_refunds``) holds and takes its sessions through
the same hold rows, so capture and void here serve both.
"""

from datetime import datetime

from sqlalchemy import select

from shared.envelope import utc_iso
from shared.refusals import Refused

from . import packages as ops
from .contracts import PackageHeld, PackageRefunded, PackageReleased, PackageRestored, PackageUsed
from .domain import packages as K
from .tables import package_holds
from .tender_answers import APPROVED, DECLINED, answer, inquired


def hold_row(conn, reference: str):
    return conn.execute(select(package_holds).where(package_holds.c.reference == reference)).first()


def hold_facts(
    member_id: str,
    h: K.Holding,
    reference: str,
    purpose: str,
    sessions: int,
    amount: int,
    order_id: str | None,
    store_id: str | None,
) -> dict:
    return {
        "member_id": member_id,
        "holding_id": h.holding_id,
        "reference": reference,
        "purpose": purpose,
        "sessions": sessions,
        "amount": ops.money(amount, h.currency),
        "held_after": h.held,
        "order_id": order_id,
        "store_id": store_id,
    }


def answered(row) -> dict:
    """What an authorize asked again answers."""
    return answer(DECLINED, "the hold was let go") if row.status == "voided" else answer(APPROVED)


def _paying(conn, order_id: str, holdings: list[K.Holding]) -> dict[str, list[int]]:
    """What sessions pay of the order now (held or used, not given back), per service."""
    rows = conn.execute(
        select(package_holds.c.holding_id, package_holds.c.amount_minor).where(
            package_holds.c.order_id == order_id,
            package_holds.c.purpose == K.USE,
            package_holds.c.status != "voided",
            package_holds.c.restored_by.is_(None),
        )
    ).all()
    service_of = {h.holding_id: h.service_id for h in holdings}
    paying: dict[str, list[int]] = {}
    for holding, amount in rows:
        paying.setdefault(service_of.get(holding), []).append(amount)
    return paying


def _pick(conn, current: list[K.Holding], order: dict, amount: int, now: datetime) -> K.Holding:
    """The holding a session paying ``amount`` comes from: of the order's services a package
    of the member can pay, one with a line no session pays yet that comes to the amount, else
    the first with one the amount fits; or the refusal of the first service that cannot."""
    paying = _paying(conn, order["order_id"], current)
    services = list(dict.fromkeys(x["ref"] for x in order["lines"] if x["kind"] == "service"))
    if not services:
        raise Refused("package", "the order has no service a session could pay for")
    first, payable = None, []
    for service in services:
        lines = K.open_lines(order["lines"], service, paying.get(service, []))
        try:
            if not lines:
                raise Refused("package", "every service line of the order is paid by a session already")
            chosen = K.choose(current, service, order["store_id"], order["currency"], utc_iso(now))
            payable.append((chosen, lines, K.line_for(lines, amount)))
        except Refused as refused:
            first = first or refused
    if not payable:
        raise first
    fits = [chosen for chosen, _, line in payable if line == amount] or [
        chosen for chosen, _, line in payable if line is not None
    ]
    if not fits:
        most = max(max(lines) for _, lines, _ in payable)
        raise Refused("amount", f"a session pays above 0 and at most {most} of this order")
    return fits[0]


def authorize(
    uow, reference: str, member_id: str | None, order: dict | None, amount: int, now: datetime
) -> dict:
    if member_id is None or order is None:
        return answer(DECLINED, "a package is a member's: the order has no member")
    current = ops.holdings(uow, member_id)  # locked first: an authorize asked twice at once holds once
    row = hold_row(uow.conn, reference)
    if row is not None:
        return answered(row)
    try:
        after = K.hold(_pick(uow.conn, current, order, amount, now), reference, 1, K.USE)
    except Refused as refused:
        return answer(DECLINED, refused.message)
    facts = hold_facts(member_id, after, reference, K.USE, 1, amount, order["order_id"], order["store_id"])
    ops.record(uow, member_id, PackageHeld, facts)
    return answer(APPROVED)


def locked(uow, reference: str):
    """(the hold's row, its holding), the row read again once the member's packages are
    locked: two steps of one payment at once are decided one after the other."""
    row = hold_row(uow.conn, reference)
    if row is None:
        return None, None
    current = ops.holdings(uow, row.member_id)
    return hold_row(uow.conn, reference), next(h for h in current if h.holding_id == row.holding_id)


def capture(uow, reference: str) -> dict:
    """A hold's sessions taken: a session used, or a refunded package's sessions gone."""
    row, before = locked(uow, reference)
    if row is None or row.status == "voided":
        return answer(DECLINED, "no hold to capture")
    if row.status == "held":
        after = K.take(before, reference)
        if row.purpose == K.USE:
            contract, extra = PackageUsed, {"amount": ops.money(row.amount_minor, row.currency)}
        else:
            after = K.refunded(before, after, row.amount_minor)
            contract, extra = (
                PackageRefunded,
                {
                    "refunded": ops.money(row.amount_minor, row.currency),
                    "credit_after": ops.money(after.credit, row.currency),
                },
            )
        facts = ops.movement(
            row.member_id,
            before,
            after,
            row.sessions,
            order_id=row.order_id,
            store_id=row.store_id,
            reference=reference,
            **extra,
        )
        ops.record(uow, row.member_id, contract, facts)
    return answer(APPROVED, captured=row.amount_minor)


def void(uow, reference: str) -> dict:
    row, before = locked(uow, reference)
    if row is not None and row.status == "captured":
        return answer(DECLINED, "the session was used: refund it instead")
    if row is not None and row.status == "held":
        after = K.release(before, reference)
        facts = hold_facts(
            row.member_id,
            after,
            reference,
            row.purpose,
            row.sessions,
            row.amount_minor,
            row.order_id,
            row.store_id,
        )
        ops.record(uow, row.member_id, PackageReleased, facts)
    return answer(APPROVED, voided=True)


def refund(uow, reference: str, amount: int, refund_ref: str, now: datetime) -> dict:
    row, before = locked(uow, reference)
    if row is None or row.status != "captured" or row.purpose != K.USE:
        return answer(DECLINED, "no session used to give back")
    if row.restored_by == refund_ref:
        return answer(APPROVED, refunded=amount)
    if row.restored_by is not None:
        return answer(DECLINED, "the session was given back already")
    if amount != row.amount_minor:
        return answer(DECLINED, f"a session is given back whole: refund {row.amount_minor} of it")
    try:
        after = K.give_back(before, utc_iso(now))
    except Refused as refused:
        return answer(DECLINED, refused.message)
    facts = ops.movement(
        row.member_id,
        before,
        after,
        1,
        order_id=row.order_id,
        store_id=row.store_id,
        reference=reference,
        refund_ref=refund_ref,
    )
    ops.record(uow, row.member_id, PackageRestored, facts)
    return answer(APPROVED, refunded=amount)


def inquire(conn, reference: str) -> dict:
    return inquired(hold_row(conn, reference))
