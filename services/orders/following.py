"""An order follows its booking: created with it, moving as the booking moves (checked
in, started, completed; rescheduled or given to another stylist), and, when the booking is
cancelled or not attended, owing only the fee its policy made due. A deposit paid above that
fee is given back (``refunds.OVERPAYMENT`` timer); what is below it stays owed.
"""

from datetime import datetime

from sqlalchemy import select

from .contracts import OrderCancelled, OrderCreated, OrderLineAdded, OrderProgressed
from .domain import booked_order, history, order_id_for_booking
from .domain.lines import FEE, SERVICE, Line, tax_rate
from .streams import Current, order_stream, read, record, settings_of
from .tables import service_categories

PROGRESS = {
    "BookingCheckedIn": "checked_in",
    "BookingStarted": "in_service",
    "BookingCompleted": "completed",
    "BookingRescheduled": "booked",
    "SegmentReassigned": "booked",
}
FEES = {"cancelled": ("late_cancellation", "Late cancellation fee"), "no_show": ("no_show", "No-show fee")}
OVERPAYMENT = "order-overpayment"


def created(uow, booking: dict) -> None:
    order_id = order_id_for_booking(booking["booking_id"])
    if uow.version(order_stream(order_id)) != 0:
        return
    ids = [s["service_id"] for s in booking["segments"]]
    categories = dict(
        uow.conn.execute(
            select(service_categories.c.service_id, service_categories.c.category).where(
                service_categories.c.service_id.in_(ids)
            )
        ).all()
    )
    order = booked_order(booking, categories, settings_of(uow.conn, booking["store_id"]).tax_rates_bp)
    uow.record(
        order_stream(order_id),
        0,
        OrderCreated,
        history.created_facts(order, booking["local_date"], booking["by"]),
        store_id=order.store_id,
    )


def progressed(uow, kind: str, booking: dict) -> None:
    current = read(uow, order_id_for_booking(booking["booking_id"]))
    staff = {f"service-{n}": s["staff_id"] for n, s in enumerate(booking["segments"], start=1)}
    record(
        uow,
        current,
        OrderProgressed,
        {"booking_id": booking["booking_id"], "fulfilment": PROGRESS[kind], "staff": staff},
    )


def cancelled(uow, booking: dict, now: datetime) -> None:
    """The service lines are no longer owed; the fee is, as a line of its own."""
    current = read(uow, order_id_for_booking(booking["booking_id"]))
    order, fulfilment = current.order, booking["status"]
    record(
        uow,
        current,
        OrderCancelled,
        {
            "booking_id": booking["booking_id"],
            "fulfilment": fulfilment,
            "reason": booking.get("reason") or fulfilment.replace("_", "-"),
            "cancelled_lines": [x.line_id for x in order.lines if x.kind == SERVICE],
            "fee": booking["fee_due"],
        },
    )
    fee = booking["fee_due"]["amount_minor"]
    if fee:
        _charge_fee(uow, current, fulfilment, fee)
    if current.order.balance < 0 and not current.order.held:
        uow.schedule(
            f"{OVERPAYMENT}:{current.order.order_id}",
            OVERPAYMENT,
            now,
            {"order_id": current.order.order_id},
            store_id=current.order.store_id,
        )


def _charge_fee(uow, current: Current, fulfilment: str, fee: int) -> None:
    order = current.order
    ref, description = FEES[fulfilment]
    rate = tax_rate(settings_of(uow.conn, order.store_id).tax_rates_bp, "fee")
    line = Line(f"fee-{ref}", FEE, ref, description, "fee", 1, fee, rate)
    record(
        uow,
        current,
        OrderLineAdded,
        {"line": history.line_facts(line, order.currency), "by": None, "by_role": None},
    )
