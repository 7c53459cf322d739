"""After-sales: a customer unhappy with a completed service asks for it to be redone, for
money back, or both, with a reason; the store accepts (a redo booked at no charge, a refund
through the refund journal) or declines with a note.

A request goes open → declined, or open → in_progress → resolved once everything accepted is
done (the refund given back, the redo booking completed). A redo booking that is cancelled
or not attended, or a refund the provider refuses, sends the request back to open, keeping
what was done, so the store can accept again. One request of an order is open at a time.
Pure: the service records each change as an event of the order.
"""

from dataclasses import dataclass, replace

from shared.refusals import Refused

from .status import COMPLETED

REDO, REFUND, BOTH = "redo", "refund", "both"
KINDS = (REDO, REFUND, BOTH)
OPEN, DECLINED, IN_PROGRESS, RESOLVED = "open", "declined", "in_progress", "resolved"
STATUSES = (OPEN, DECLINED, IN_PROGRESS, RESOLVED)


@dataclass(frozen=True)
class AfterSales:
    request_id: str
    kind: str
    reason: str
    requested_by: str | None = None
    status: str = OPEN
    note: str | None = None
    redo_booking_id: str | None = None
    redo_done: bool = False
    redos: int = 0  # redo bookings made for it so far (a cancelled one does not count as done)
    refund_id: str | None = None

    @property
    def wants_redo(self) -> bool:
        return self.kind in (REDO, BOTH)

    @property
    def wants_refund(self) -> bool:
        return self.kind in (REFUND, BOTH)


def may_request(order, kind: str) -> None:
    if kind not in KINDS:
        raise Refused("kind", f"ask for one of {', '.join(KINDS)}", conflict=False)
    if order.fulfilment != COMPLETED:
        raise Refused("order", "after-sales is for a completed service")
    if kind != REDO and order.paid <= 0:
        raise Refused("kind", "nothing was paid on this order to give back")
    if any(r.status in (OPEN, IN_PROGRESS) for r in order.after_sales):
        raise Refused("order", "an after-sales request of this order is still open")


def find(order, request_id: str) -> AfterSales | None:
    return next((r for r in order.after_sales if r.request_id == request_id), None)


def still_to_do(request: AfterSales, redo_given: bool, refund_given: bool) -> tuple[bool, bool]:
    """What accepting must still do (book a redo, refund), from what the store gave with it."""
    if request.status != OPEN:
        raise Refused("status", f"the request is {request.status.replace('_', ' ')}")
    need_redo = request.wants_redo and not request.redo_done
    need_refund = request.wants_refund and request.refund_id is None
    for field, needed, given in (("redo", need_redo, redo_given), ("refund", need_refund, refund_given)):
        if needed and not given:
            raise Refused(field, f"accepting this request needs the {field}", conflict=False)
        if given and not needed:
            raise Refused(field, f"this request needs no {field} (any more)", conflict=False)
    return need_redo, need_refund


def declined(request: AfterSales, why: str) -> AfterSales:
    if request.status != OPEN:
        raise Refused("status", f"the request is {request.status.replace('_', ' ')}")
    return replace(request, status=DECLINED, note=why)


def settled(order, request: AfterSales) -> AfterSales:
    """``request`` resolved if everything accepted is done."""
    refund_done = not request.wants_refund or (
        request.refund_id is not None and order.refund_on_way(request.refund_id) is None
    )
    redo_done = not request.wants_redo or request.redo_done
    if request.status == IN_PROGRESS and refund_done and redo_done:
        return replace(request, status=RESOLVED)
    return request


def accepted(
    order, request: AfterSales, note: str | None, redo_booking_id: str | None, refund_id: str | None
) -> AfterSales:
    changed = replace(request, status=IN_PROGRESS, note=note)
    if redo_booking_id is not None:
        changed = replace(changed, redo_booking_id=redo_booking_id, redos=request.redos + 1)
    if refund_id is not None:
        changed = replace(changed, refund_id=refund_id)
    return settled(order, changed)


def redo_ended(order, request: AfterSales, completed: bool, how: str) -> AfterSales:
    if completed:
        return settled(order, replace(request, redo_done=True))
    return replace(request, status=OPEN, redo_booking_id=None, note=f"the redo booking was {how}")


def refund_failed(request: AfterSales, reason: str) -> AfterSales:
    return replace(request, status=OPEN, refund_id=None, note=f"the refund failed: {reason}")
