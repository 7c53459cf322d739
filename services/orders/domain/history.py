"""An order's state from its events, and the data of the events that change it.

``fold`` replays an order's stream (each event as its type and its data, upcast to the
current version) into an ``Order``; the ``*_facts`` functions build what a new event
carries, amounts as money with the order's currency. Pure: no framework, no database.
"""

from dataclasses import replace

from . import tenders as T
from .after_sales import AfterSales
from .lines import PACKAGE, TOP_UP, Line, PackageTerms, Totals, totals
from .order import Order, RefundOnWay


def money(amount: int, currency: str) -> dict:
    return {"amount_minor": amount, "currency": currency}


def _minor(value: dict | None) -> int | None:
    return None if value is None else value["amount_minor"]


def terms_of(d: dict | None) -> PackageTerms | None:
    if d is None:
        return None
    return PackageTerms(
        d["package_id"], d["name"], d["service_id"], d["sessions"], d["valid_days"], tuple(d["stores"])
    )


def terms_facts(t: PackageTerms) -> dict:
    return {
        "package_id": t.package_id,
        "name": t.name,
        "service_id": t.service_id,
        "sessions": t.sessions,
        "valid_days": t.valid_days,
        "stores": list(t.stores),
    }


def line_from_facts(d: dict) -> Line:
    return Line(
        d["line_id"],
        d["kind"],
        d["ref"],
        d["description"],
        d["category"],
        d["quantity"],
        d["unit_price"]["amount_minor"],
        d["tax_rate_bp"],
        d["discount"]["amount_minor"],
        d["discount_reason"],
        d["discount_by"],
        d["staff_id"],
        _minor(d.get("bonus")) or 0,  # OrderLineAdded's lines have none: no top-up is added later
        terms_of(d.get("package")),  # nor a package
    )


def line_facts(line: Line, currency: str) -> dict:
    return {
        "line_id": line.line_id,
        "kind": line.kind,
        "ref": line.ref,
        "description": line.description,
        "category": line.category,
        "quantity": line.quantity,
        "unit_price": money(line.unit_price, currency),
        "discount": money(line.discount, currency),
        "discount_reason": line.discount_reason,
        "discount_by": line.discount_by,
        "tax_rate_bp": line.tax_rate_bp,
        "gross": money(line.gross, currency),
        "tax": money(line.tax, currency),
        "net": money(line.net, currency),
        "staff_id": line.staff_id,
    }


def totals_facts(t: Totals, currency: str) -> dict:
    return {
        "list": money(t.list_amount, currency),
        "discount": money(t.discount, currency),
        "net": money(t.net, currency),
        "tax": money(t.tax, currency),
        "gross": money(t.gross, currency),
    }


def _created(d: dict) -> Order:
    return Order(
        d["order_id"],
        d["store_id"],
        d["deposit_due"]["currency"],
        d["customer_id"],
        d["booking_id"],
        d["fulfilment"],
        d["deposit_due"]["amount_minor"],
        tuple(line_from_facts(x) for x in d["lines"]),
        customer_name=d["customer_name"],
        deposit_due_by=d["deposit_due_by"],
        redo_of=d["redo_of"],
    )


AFTER_SALES_FIELDS = ("request_id", "kind", "reason", "requested_by", "status", "note", "redo_booking_id",
                      "redo_done", "redos", "refund_id")


def after_sales_facts(request: AfterSales) -> dict:
    return {name: getattr(request, name) for name in AFTER_SALES_FIELDS}


def _after_sales(order: Order, d: dict) -> Order:
    return order.with_after_sales(AfterSales(**{name: d["request"][name] for name in AFTER_SALES_FIELDS}))


def _requested(order: Order, d: dict) -> Order:
    for t in d["tenders"]:
        order = order.with_tender(
            T.Tender(t["tender_id"], t["kind"], t["amount"]["amount_minor"], tendered=_minor(t["tendered"]))
        )
    tip = d["tip"]
    tips = (
        order.tips
        if tip is None
        else order.tips + ((tip["tender_id"], tip["staff_id"], tip["amount"]["amount_minor"]),)
    )
    ids = tuple(t["tender_id"] for t in d["tenders"])
    return replace(order, tips=tips, payments=order.payments + ((d["payment_id"], ids),))


def _step(order: Order, d: dict, step) -> Order:
    tender, _ = step(order.tender(d["tender_id"]))
    return order.with_tender(tender)


def _progressed(order: Order, d: dict) -> Order:
    staff = d["staff"]
    lines = tuple(replace(x, staff_id=staff[x.line_id]) if x.line_id in staff else x for x in order.lines)
    return replace(order, fulfilment=d["fulfilment"], lines=lines)


def _refund_requested(order: Order, d: dict) -> Order:
    on_way = RefundOnWay(d["refund_id"], d["amount"]["amount_minor"],
                         tuple((p["tender_id"], p["amount"]["amount_minor"]) for p in d["parts"]),
                         tuple((x["line_id"], x["amount"]["amount_minor"]) for x in d["lines"]),
                         d["reason"], d["overpayment"], d["by"], d["by_role"],
                         tuple((x["line_id"], x["packs"], x["to"]) for x in d["returns"]))
    return replace(order, refunds_on_way=order.refunds_on_way + (on_way,))


def _refund_ended(order: Order, refund_id: str) -> Order:
    return replace(order, refunds_on_way=tuple(r for r in order.refunds_on_way if r.refund_id != refund_id))


def _refunded(order: Order, d: dict) -> Order:
    order = _refund_ended(order, d["refund_id"])
    for part in d["parts"]:
        order = order.with_tender(T.refunded(order.tender(part["tender_id"]), part["amount"]["amount_minor"]))
    by_line = dict(order.line_refunds)
    for line in d["lines"]:
        by_line[line["line_id"]] = by_line.get(line["line_id"], 0) + line["amount"]["amount_minor"]
    back = dict(order.line_returns)
    for returned in d["returns"]:
        back[returned["line_id"]] = back.get(returned["line_id"], 0) + returned["packs"]
    concession = 0 if d["overpayment"] else d["amount"]["amount_minor"]
    return replace(order, concessions=order.concessions + concession, line_refunds=tuple(by_line.items()),
                   line_returns=tuple(back.items()))


_APPLY = {
    "OrderLineAdded": lambda o, d: replace(o, lines=o.lines + (line_from_facts(d["line"]),)),
    "OrderProgressed": _progressed,
    "OrderCancelled": lambda o, d: replace(
        o, fulfilment=d["fulfilment"], cancelled=o.cancelled | set(d["cancelled_lines"])
    ),
    "PaymentRequested": _requested,
    "PaymentAuthorized": lambda o, d: _step(o, d, lambda t: T.authorized(t, None)),
    "PaymentFailed": lambda o, d: _step(o, d, lambda t: T.failed(t, d["reason"])),
    "PaymentCaptured": lambda o, d: _step(o, d, T.captured),
    "PaymentVoided": lambda o, d: _step(o, d, T.voided),
    "OrderPaid": lambda o, d: replace(o, receipt_number=d["receipt_number"]),
    "RefundRequested": _refund_requested,
    "RefundFailed": lambda o, d: _refund_ended(o, d["refund_id"]),
    "OrderRefunded": _refunded,
    "DepositLapsed": lambda o, d: replace(o, lapsed=True),
    "AfterSalesRequested": _after_sales,
    "AfterSalesUpdated": _after_sales,
}


def fold(events: list[tuple[str, dict]]) -> Order:
    """The order its stream tells: the first event is ``OrderCreated``."""
    (first_type, first), rest = events[0], events[1:]
    if first_type != "OrderCreated":
        raise ValueError(f"an order's stream starts with OrderCreated, not {first_type}")
    order = _created(first)
    for kind, data in rest:
        order = apply(order, kind, data)
    return order


def created_facts(order: Order, local_date: str | None, by: str | None) -> dict:
    """OrderCreated's data for a new order (from a booking, or a sale at the counter)."""
    c = order.currency
    return {
        "order_id": order.order_id,
        "store_id": order.store_id,
        "customer_id": order.customer_id,
        "customer_name": order.customer_name,
        "booking_id": order.booking_id,
        "fulfilment": order.fulfilment,
        **summary(order),
        "local_date": local_date,
        "lines": [
            {
                **line_facts(x, c),
                "bonus": money(x.bonus, c) if x.kind == TOP_UP else None,
                "package": terms_facts(x.package) if x.kind == PACKAGE else None,
            }
            for x in order.lines
        ],
        "totals": totals_facts(totals(list(order.lines)), c),
        "deposit_due": money(order.deposit_due, c),
        "deposit_due_by": order.deposit_due_by,
        "redo_of": order.redo_of,
        "by": by,
    }


def apply(order: Order, kind: str, data: dict) -> Order:
    """``order`` after one more event."""
    return _APPLY[kind](order, data)


def summary(order: Order) -> dict:
    """What every order event carries: the order as it stands after it."""
    c = order.currency
    return {
        "status": order.status,
        "owed": money(max(order.gross - order.concessions, 0), c),
        "paid": money(max(order.paid, 0), c),
        "refunded": money(order.refunded, c),
    }
