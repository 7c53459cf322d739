"""The members' tenders behind the orders' tender protocol: one step (authorize, capture,
void, refund, inquire) of points (``points_tender``), a stored value card (``stored_value``),
a coupon (``coupons``), a package's session (``package_tender``), or the refund of a top-up
taking its principal back off the card (``top_up_refunds``) or of a package closing it
(``package_refunds``), each in a transaction of its own."""

from datetime import datetime

from shared.errors import InvalidInput
from shared.personal import is_erased

from . import coupons, package_refunds, package_tender, points_tender, stored_value, top_up_refunds
from .tender_answers import DECLINED, answer

STEPS = ("authorize", "capture", "void", "refund", "inquire")
TENDERS = {
    "points": points_tender,
    "stored_value": stored_value,
    "coupon": coupons,
    "package": package_tender,
    "top_up": top_up_refunds,
    "package_refund": package_refunds,
}


def step(
    execute,
    read,
    name: str,
    kind: str,
    reference: str,
    now: datetime,
    member_id: str | None = None,
    store_id: str | None = None,
    order_id: str | None = None,
    line_id: str | None = None,
    code: str | None = None,
    order: dict | None = None,
    amount: int = 0,
    currency: str | None = None,
    refund_ref: str | None = None,
) -> dict:
    """``execute`` runs a step in a transaction; ``read`` gives a connection for inquire."""
    if name not in STEPS:
        raise InvalidInput(f"no tender step {name}", {"step": ["unknown step"]})
    if kind not in TENDERS:
        return answer(DECLINED, f"{kind.replace('_', ' ')} is not a members' tender")
    tender = TENDERS[kind]
    if name == "inquire":
        with read() as conn:
            return tender.inquire(conn, reference)
    if name == "authorize" and member_id is not None:
        with read() as conn:
            if is_erased(conn, member_id):
                return answer(DECLINED, "the member is erased")
    authorize = {
        "points": lambda uow: points_tender.authorize(uow, reference, member_id, amount, currency),
        "stored_value": lambda uow: stored_value.authorize(
            uow, reference, member_id, store_id, order_id, amount, currency
        ),
        "coupon": lambda uow: coupons.authorize(uow, reference, member_id, code, order, amount, now),
        "package": lambda uow: package_tender.authorize(uow, reference, member_id, order, amount, now),
        "top_up": lambda uow: top_up_refunds.authorize(uow, reference, order_id, amount),
        "package_refund": lambda uow: package_refunds.authorize(
            uow, reference, order_id, line_id, amount, now
        ),
    }
    steps = {
        "authorize": authorize[kind],
        "capture": lambda uow: tender.capture(uow, reference),
        "void": lambda uow: tender.void(uow, reference),
        "refund": lambda uow: tender.refund(uow, reference, amount, refund_ref, now),
    }
    return execute(steps[name])
