"""An order's after-sales requests as its events tell them (rules in domain/after_sales.py):
asked for, declined, and followed once accepted until resolved. The redo booking's progress
(``redo_ended``) and the refund's end (``refund_ended``) move the request on; accepting is in
``redress``.
"""

from shared.errors import NotFound, refusal
from shared.refusals import Refused

from .contracts import AfterSalesRequested, AfterSalesUpdated
from .domain import after_sales as A
from .domain.history import after_sales_facts
from .streams import Current, read, record

SYSTEM = {"account_id": None, "role": None}


def of(order, request_id: str) -> A.AfterSales:
    found = A.find(order, request_id)
    if found is None:
        raise NotFound(
            f"order {order.order_id} has no after-sales request {request_id}", {"request_id": request_id}
        )
    return found


def note(uow, current: Current, contract, request: A.AfterSales, actor: dict) -> None:
    """Record the request as it now stands (if it changed)."""
    if contract is AfterSalesUpdated and request == A.find(current.order, request.request_id):
        return
    record(
        uow,
        current,
        contract,
        {
            "customer_id": current.order.customer_id,
            "request": after_sales_facts(request),
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )


def ask(uow, order_id: str, wanted: dict, actor: dict, request_id: str) -> dict:
    current = read(uow, order_id)
    try:
        A.may_request(current.order, wanted["kind"])
    except Refused as error:
        raise refusal(error) from None
    request = A.AfterSales(request_id, wanted["kind"], wanted["reason"], actor.get("account_id"))
    note(uow, current, AfterSalesRequested, request, actor)
    return {"order_id": order_id, "request_id": request_id}


def decline(uow, order_id: str, request_id: str, why: str, actor: dict) -> None:
    current = read(uow, order_id)
    try:
        declined = A.declined(of(current.order, request_id), why)
    except Refused as error:
        raise refusal(error) from None
    note(uow, current, AfterSalesUpdated, declined, actor)


def redo_ended(uow, original_order_id: str, redo_booking_id: str, completed: bool, how: str) -> None:
    """The redo booking was completed (the redo is done), or cancelled or not attended (the
    request is open again)."""
    current = read(uow, original_order_id)
    request = next((r for r in current.order.after_sales if r.redo_booking_id == redo_booking_id), None)
    if request is not None and request.status == A.IN_PROGRESS:
        note(uow, current, AfterSalesUpdated, A.redo_ended(current.order, request, completed, how), SYSTEM)


def refund_ended(uow, current: Current, refund_id: str, failure: str | None) -> None:
    """A refund an accepted request set going was given back (or failed)."""
    request = next((r for r in current.order.after_sales if r.refund_id == refund_id), None)
    if request is None or request.status != A.IN_PROGRESS:
        return
    changed = A.settled(current.order, request) if failure is None else A.refund_failed(request, failure)
    note(uow, current, AfterSalesUpdated, changed, SYSTEM)
