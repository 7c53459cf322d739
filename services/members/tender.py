"""The members' tenders behind the orders' tender protocol: one step (authorize, capture,
void, refund, inquire) of points (``points_tender``) or of a stored value card
(``stored_value``), each in a transaction of its own. Coupons are offered once built."""

from datetime import datetime

from shared.errors import InvalidInput

from . import points_tender, stored_value
from .tender_answers import DECLINED, answer

STEPS = ("authorize", "capture", "void", "refund", "inquire")


def step(
    execute,
    read,
    name: str,
    kind: str,
    reference: str,
    member_id: str | None,
    store_id: str | None,
    amount: int,
    currency: str | None,
    refund_ref: str | None,
    now: datetime,
) -> dict:
    """``execute`` runs a step in a transaction; ``read`` gives a connection for inquire."""
    if name not in STEPS:
        raise InvalidInput(f"no tender step {name}", {"step": ["unknown step"]})
    if kind not in ("points", "stored_value"):
        return answer(DECLINED, f"{kind.replace('_', ' ')} is not offered yet")
    tender = points_tender if kind == "points" else stored_value
    if name == "inquire":
        with read() as conn:
            return tender.inquire(conn, reference)
    if kind == "points":
        steps = {
            "authorize": lambda uow: points_tender.authorize(uow, reference, member_id, amount, currency),
            "capture": lambda uow: points_tender.capture(uow, reference, amount),
            "void": lambda uow: points_tender.void(uow, reference),
            "refund": lambda uow: points_tender.refund(uow, reference, amount, refund_ref, now),
        }
    else:
        steps = {
            "authorize": lambda uow: stored_value.authorize(
                uow, reference, member_id, store_id, amount, currency
            ),
            "capture": lambda uow: stored_value.capture(uow, reference),
            "void": lambda uow: stored_value.void(uow, reference),
            "refund": lambda uow: stored_value.refund(uow, reference, amount, refund_ref),
        }
    return execute(steps[name])
