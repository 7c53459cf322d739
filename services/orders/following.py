"""An order follows its booking: created with it, moving as the booking moves (checked
in, started, completed; rescheduled or given to another stylist), and, when the booking is
cancelled or not attended, owing only the fee its policy made due. A deposit paid above that
fee is given back (``refunds.OVERPAYMENT`` timer); what is below it stays owed. An online
booking's deposit unpaid at its deadline lets the booking go (``DEPOSIT_DEADLINE`` timer).
A redo's order moves its after-sales request on as the redo is completed or cancelled.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from . import after_sales
from .contracts import DepositLapsed, OrderCancelled, OrderCreated, OrderLineAdded, OrderProgressed
from .domain import booked_order, history, order_id_for_booking
from .domain.lines import FEE, SERVICE, Line, tax_rate
from .domain.order import deposit_lapses
from .streams import Current, order_stream, read, record, settings_of
from .tables import member_tiers, service_categories

PROGRESS = {
    "BookingCheckedIn": "checked_in",
    "BookingStarted": "in_service",
    "BookingCompleted": "completed",
    "BookingRescheduled": "booked",
    "SegmentReassigned": "booked",
}
FEES = {"cancelled": ("late_cancellation", "Late cancellation fee"), "no_show": ("no_show", "No-show fee")}
OVERPAYMENT = "order-overpayment"
DEPOSIT_DEADLINE = "order-deposit"
DEPOSIT_RECHECK = timedelta(seconds=15)  # a payment on its way at the deadline has settled by then


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
    tier = uow.conn.execute(
        select(member_tiers.c.tier, member_tiers.c.service_discount_bp).where(
            member_tiers.c.member_id == booking["customer_id"]
        )
    ).first()
    # A redo is free already; a member without a tier (or one without a discount) pays the list price.
    discount = (tier.tier, tier.service_discount_bp) if tier and tier.service_discount_bp else None
    rates = settings_of(uow.conn, booking["store_id"]).tax_rates_bp
    order = booked_order(booking, categories, rates, None if booking["redo_of"] else discount)
    uow.record(
        order_stream(order_id),
        0,
        OrderCreated,
        history.created_facts(order, booking["local_date"], booking["by"]),
        store_id=order.store_id,
    )
    if order.deposit_due_by is not None:
        uow.schedule(
            f"{DEPOSIT_DEADLINE}:{order_id}",
            DEPOSIT_DEADLINE,
            datetime.fromisoformat(order.deposit_due_by),
            {"order_id": order_id},
            store_id=order.store_id,
        )


def deposit_deadline(uow, order_id: str, now: datetime) -> None:
    """An online booking's deposit is due: unpaid, the booking is let go (``DepositLapsed``,
    which booking follows by cancelling it without a fee); while a payment is on its way,
    look again once it can have settled."""
    current = read(uow, order_id)
    order = current.order
    lapses = deposit_lapses(order)
    if lapses is None:
        uow.schedule(
            f"{DEPOSIT_DEADLINE}:{order_id}",
            DEPOSIT_DEADLINE,
            now + DEPOSIT_RECHECK,
            {"order_id": order_id},
            store_id=order.store_id,
        )
    elif lapses:
        record(
            uow,
            current,
            DepositLapsed,
            {
                "booking_id": order.booking_id,
                "deposit_due": history.money(order.deposit_due, order.currency),
                "deposit_due_by": order.deposit_due_by,
            },
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
    if current.order.redo_of is not None and PROGRESS[kind] == "completed":
        after_sales.redo_ended(uow, current.order.redo_of, booking["booking_id"], True, "completed")


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
    if order.redo_of is not None:
        how = "cancelled" if fulfilment == "cancelled" else "not attended"
        after_sales.redo_ended(uow, order.redo_of, booking["booking_id"], False, how)
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
