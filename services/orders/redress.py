"""Accepting an after-sales request: the store puts it right with a redo, a refund, or both.

The redo is booked first, through the booking service (``book``: its ``create_booking``), at
no charge and linked to the original booking, so a slot that cannot be had refuses the
acceptance with nothing recorded; its idempotency key is the request and the number of
redos before it, so a retry books the same redo. The refund is checked before that and
requested after it, in the one transaction under the order's lock that records the request
as in progress; it is given back once that has committed, like any refund. A retry of an
acceptance with the same Idempotency-Key gets the first answer.
"""

import uuid

from shared.errors import Conflict, refusal
from shared.refusals import Refused

from . import after_sales, refunds
from .contracts import AfterSalesUpdated
from .domain import after_sales as A
from .domain.lines import SERVICE
from .streams import read

REDRESS = uuid.UUID("3f7c2d9e-8b1a-4e55-9c0d-6a2b7e4f1d83")


def _refund_wanted(request: A.AfterSales, wanted: dict) -> dict | None:
    refund = wanted.get("refund")
    return None if refund is None else {**refund, "reason": f"after-sales: {request.reason}"}


def _plan(uow, order_id: str, request_id: str, wanted: dict, actor: dict) -> dict:
    """What accepting must do, checked before anything is booked or recorded."""
    order = read(uow, order_id).order
    request = after_sales.of(order, request_id)
    try:
        redo, refund = A.still_to_do(
            request, wanted.get("redo") is not None, wanted.get("refund") is not None
        )
    except Refused as error:
        raise refusal(error) from None
    if refund:
        refunds.checked(uow.conn, order, _refund_wanted(request, wanted), actor)
        refunds.brought_back(order, _refund_wanted(request, wanted))
    services = [(x.ref, x.staff_id) for x in order.lines if x.kind == SERVICE]
    return {
        "redo": redo,
        "store_id": order.store_id,
        "booking_id": order.booking_id,
        "customer_id": order.customer_id,
        "customer_name": order.customer_name,
        "services": services,
        "redos": request.redos,
    }


def _accepted(
    uow, order_id: str, request_id: str, wanted: dict, actor: dict, redo_booking_id: str | None, now
) -> dict:
    current = read(uow, order_id)
    request = after_sales.of(current.order, request_id)
    try:
        _, refund = A.still_to_do(request, redo_booking_id is not None, wanted.get("refund") is not None)
    except Refused as error:
        raise refusal(error) from None
    refund_id = None
    if refund:  # named by the order's version: a refund asked again after one failed is a new one
        refund_id = str(uuid.uuid5(REDRESS, f"{request_id}:{current.version}"))
        refunds.request_on(uow, current, _refund_wanted(request, wanted), actor, refund_id, now)
    changed = A.accepted(current.order, request, wanted.get("note"), redo_booking_id, refund_id)
    after_sales.note(uow, current, AfterSalesUpdated, changed, actor)
    return {"request_id": request_id, "refund_id": refund_id, "redo_booking_id": redo_booking_id}


def _refuse(error: Exception):
    """Work that refuses as ``error`` did, unless its idempotency key has an answer stored."""

    def work(uow):
        raise error

    return work


def accept(
    execute, tenders, book, order_id: str, request_id: str, wanted: dict, actor: dict, now, idempotency=None
) -> dict:
    try:
        plan = execute(lambda uow: _plan(uow, order_id, request_id, wanted, actor))
    except Conflict as refused:
        if idempotency is None:
            raise
        # A retry of an acceptance that went through gets its first answer.
        return execute(_refuse(refused), idempotency=idempotency)
    redo_booking_id = None
    if plan["redo"]:
        redo = wanted["redo"]
        booked = book(
            store_id=plan["store_id"],
            start=redo["start"],
            segments=[
                {"service_id": service_id, "staff_id": redo.get("staff_id") or staff_id}
                for service_id, staff_id in plan["services"]
            ],
            customer_id=plan["customer_id"],
            customer_name=plan["customer_name"],
            redo_of=plan["booking_id"],
            actor=actor,
            idempotency_key=f"after-sales:{request_id}:{plan['redos']}",
        )
        redo_booking_id = booked["booking_id"]
    done = execute(
        lambda uow: _accepted(uow, order_id, request_id, wanted, actor, redo_booking_id, now()),
        idempotency=idempotency,
    )
    if done["refund_id"] is not None:
        refunds.give_back(execute, tenders, order_id, done["refund_id"], now)
    return done
