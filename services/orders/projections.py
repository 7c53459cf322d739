"""Read models of the orders service: its orders with their lines, tenders and refunds, and
each store's till settings (from its own events); the stores and the services' categories
it learns from booking's events; members' tiers from members' events."""

import json

from services.booking.contracts import (
    ServiceListed,
    ServiceUpdated,
)
from services.members.contracts import MemberErased, TierChanged
from shared.projections import Projection, Update, Upsert, on

from .contracts import (
    AfterSalesRequested,
    AfterSalesUpdated,
    DepositLapsed,
    OrderCancelled,
    OrderCreated,
    OrderLineAdded,
    OrderPaid,
    OrderProgressed,
    OrderRefunded,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentFailed,
    PaymentRequested,
    PaymentVoided,
    RefundFailed,
    RefundRequested,
    TillSettingsChanged,
)
from .tables import (
    after_sales,
    member_tiers,
    order_lines,
    order_refunds,
    order_tenders,
    orders,
    service_categories,
    till_settings,
)

ADDED_LINES = 1000  # positions of lines added after creation: after the booking's, in the order added


def _summary(event) -> dict:
    d = event.data
    values = {
        "status": d["status"],
        "owed_minor": d["owed"]["amount_minor"],
        "paid_minor": d["paid"]["amount_minor"],
        "refunded_minor": d["refunded"]["amount_minor"],
        "updated_at": event.time,
        "version": event.streamversion,
    }
    if "totals" in d:
        values.update(
            total_minor=d["totals"]["gross"]["amount_minor"], tax_minor=d["totals"]["tax"]["amount_minor"]
        )
    return values


def _order(event, **values) -> Update:
    return Update(orders, {"order_id": event.data["order_id"]}, {**_summary(event), **values})


def _line(order_id: str, position: int, facts: dict) -> Upsert:
    return Upsert(
        order_lines,
        {
            "order_id": order_id,
            "line_id": facts["line_id"],
            "position": position,
            "facts": json.dumps(facts, sort_keys=True),
            "staff_id": facts["staff_id"],
            "cancelled": False,
        },
    )


def _tender(event, **values) -> Update:
    return Update(order_tenders, {"tender_id": event.data["tender_id"]}, {"updated_at": event.time, **values})


class Orders(Projection):
    name = "orders"
    tables = (orders, order_lines, order_tenders, order_refunds, after_sales)

    @on(OrderCreated)
    def created(self, event):
        d = event.data
        row = {
            "order_id": d["order_id"],
            "store_id": d["store_id"],
            "customer_id": d["customer_id"],
            "customer_name": d["customer_name"],
            "booking_id": d["booking_id"],
            "fulfilment": d["fulfilment"],
            "deposit_minor": d["deposit_due"]["amount_minor"],
            "currency": d["deposit_due"]["currency"],
            "local_date": d["local_date"],
            "receipt_number": None,
            "receipt_date": None,
            "created_at": event.time,
            "deposit_due_by": d["deposit_due_by"],
            "lapsed": False,
            "redo_of": d["redo_of"],
            **_summary(event),
        }
        return [Upsert(orders, row)] + [_line(d["order_id"], n, line) for n, line in enumerate(d["lines"], 1)]

    @on(OrderLineAdded)
    def line_added(self, event):
        d = event.data
        return [_order(event), _line(d["order_id"], ADDED_LINES * event.streamversion, d["line"])]

    @on(OrderProgressed)
    def progressed(self, event):
        d = event.data
        return [_order(event, fulfilment=d["fulfilment"])] + [
            Update(order_lines, {"order_id": d["order_id"], "line_id": line_id}, {"staff_id": staff_id})
            for line_id, staff_id in sorted(d["staff"].items())
        ]

    @on(OrderCancelled)
    def cancelled(self, event):
        d = event.data
        return [_order(event, fulfilment=d["fulfilment"])] + [
            Update(order_lines, {"order_id": d["order_id"], "line_id": line_id}, {"cancelled": True})
            for line_id in d["cancelled_lines"]
        ]

    @on(PaymentRequested)
    def requested(self, event):
        d = event.data
        tip = d["tip"] or {}
        rows = [
            Upsert(
                order_tenders,
                {
                    "tender_id": t["tender_id"],
                    "order_id": d["order_id"],
                    "payment_id": d["payment_id"],
                    "store_id": d["store_id"],
                    "kind": t["kind"],
                    "amount_minor": t["amount"]["amount_minor"],
                    "tendered_minor": None if t["tendered"] is None else t["tendered"]["amount_minor"],
                    "change_minor": 0
                    if t["tendered"] is None
                    else t["tendered"]["amount_minor"] - t["amount"]["amount_minor"],
                    "tip_minor": tip["amount"]["amount_minor"]
                    if tip.get("tender_id") == t["tender_id"]
                    else 0,
                    "tip_staff_id": tip.get("staff_id") if tip.get("tender_id") == t["tender_id"] else None,
                    "status": "pending",
                    "reason": None,
                    "captured_date": None,
                    "created_at": event.time,
                    "updated_at": event.time,
                },
            )
            for t in d["tenders"]
        ]
        return [_order(event)] + rows

    @on(PaymentAuthorized)
    def authorized(self, event):
        return [_order(event), _tender(event, status="authorized")]

    @on(PaymentFailed)
    def failed(self, event):
        return [_order(event), _tender(event, status="failed", reason=event.data["reason"])]

    @on(PaymentVoided)
    def voided(self, event):
        return [_order(event), _tender(event, status="voided", reason=event.data["reason"])]

    @on(PaymentCaptured)
    def captured(self, event):
        return [_order(event), _tender(event, status="captured", captured_date=event.data["local_date"])]

    @on(OrderPaid)
    def paid(self, event):
        d = event.data
        return [_order(event, receipt_number=d["receipt_number"], receipt_date=d["local_date"])]

    @on(RefundRequested, RefundFailed)
    def refund_moving(self, event):
        return [_order(event)]

    @on(OrderRefunded)
    def refunded(self, event):
        d = event.data
        return [_order(event)] + [
            Upsert(
                order_refunds,
                {
                    "refund_id": d["refund_id"],
                    "tender_id": p["tender_id"],
                    "order_id": d["order_id"],
                    "store_id": d["store_id"],
                    "kind": p["kind"],
                    "amount_minor": p["amount"]["amount_minor"],
                    "reason": d["reason"],
                    "overpayment": d["overpayment"],
                    "lines": json.dumps(d["lines"]),
                    "local_date": d["local_date"],
                    "by": d["by"],
                    "created_at": event.time,
                },
            )
            for p in d["parts"]
        ]

    @on(DepositLapsed)
    def lapsed(self, event):
        return [_order(event, lapsed=True)]

    @on(AfterSalesRequested, AfterSalesUpdated)
    def after_sales(self, event):
        d, request = event.data, event.data["request"]
        values = {
            "status": request["status"],
            "facts": json.dumps(request, sort_keys=True),
            "updated_at": event.time,
        }
        key = {"request_id": request["request_id"]}
        if event.type == AfterSalesUpdated.name:
            return [_order(event), Update(after_sales, key, values)]
        row = {
            **key,
            **values,
            "order_id": d["order_id"],
            "store_id": d["store_id"],
            "customer_id": d["customer_id"],
            "requested_at": event.time,
        }
        return [_order(event), Upsert(after_sales, row)]

    @on(MemberErased)
    def erased(self, event):
        """Members' event, applied with ``project`` as it arrives: the member's orders keep their
        amounts and lose the name (a rebuild reads it as null once the member's key is gone)."""
        return Update(orders, {"customer_id": event.data["member_id"]}, {"customer_name": None})


class TillSettingsView(Projection):
    name = "till_settings"
    tables = (till_settings,)

    @on(TillSettingsChanged)
    def changed(self, event):
        d = event.data
        settings = {k: d[k] for k in ("tax_rates_bp", "discount_manager_bp", "refund_manager_minor")}
        return Upsert(
            till_settings,
            {
                "store_id": d["store_id"],
                "settings": json.dumps(settings, sort_keys=True),
                "version": event.streamversion,
            },
        )


class MemberTiers(Projection):
    """Members' tiers, from members' ``TierChanged``: the discount on services a member's
    next orders get. Fed by members' events (booking's stores: ``StoreDirectory``)."""

    name = "member_tiers"
    tables = (member_tiers,)

    @on(TierChanged)
    def changed(self, event):
        d = event.data
        return Upsert(
            member_tiers,
            {
                "member_id": d["member_id"],
                "tier": d["to_tier"],
                "service_discount_bp": d["service_discount_bp"],
                "version": event.streamversion,
            },
        )


class ServiceCategories(Projection):
    """The category of each catalogue service (it decides a line's tax rate), from booking's
    events, like ``MemberTiers``."""

    name = "service_categories"
    tables = (service_categories,)

    @on(ServiceListed, ServiceUpdated)
    def listed(self, event):
        d = event.data
        return Upsert(
            service_categories,
            {"service_id": d["service_id"], "category": d["category"], "version": event.streamversion},
        )
