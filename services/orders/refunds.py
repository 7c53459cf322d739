"""Refunds: money given back to the tenders that paid, the last captured first.

A refund is of an amount off the order or of some lines (each at most what the line came
to, less what was refunded on it before), always with a reason; above the store's threshold
only a store manager (or HQ) may grant it. The provider gives card money back first (each
part keyed by the refund and the tender, so asking twice gives back once), then the refund
is recorded; cash leaves the drawer and counts against the day's cash takings. Money paid
beyond what is owed (a deposit above a cancellation fee) is given back by the
``OVERPAYMENT`` timer without anyone asking.
"""

import uuid
from datetime import datetime

from shared.errors import Conflict, Forbidden

from .contracts import OrderRefunded
from .domain import order as O
from .domain import tenders as T
from .domain.history import money
from .payments import refused
from .streams import local_today, read, record, settings_of
from .tender_protocol import Tenders

MANAGERS = ("hq_admin", "store_manager")  # who may grant what is above a store's thresholds
OVERPAYMENT_REASON = "paid beyond what is owed: given back"


def refund(
    uow, order_id: str, wanted: dict, actor: dict, refund_id: str, tenders: Tenders, now: datetime
) -> dict:
    current = read(uow, order_id)
    order = current.order
    lines = {x["line_id"]: x["amount"]["amount_minor"] for x in wanted.get("lines") or []}
    for name, value in [("amount", wanted.get("amount"))] + [
        ("lines", x["amount"]) for x in wanted.get("lines") or []
    ]:
        if value is not None and value["currency"] != order.currency:
            raise refused(T.TenderRefused(name, f"the order is in {order.currency}", conflict=False))
    try:
        amount = O.line_refunds(order, lines) if lines else wanted["amount"]["amount_minor"]
        parts = O.plan_refund(order, amount)
    except T.TenderRefused as error:
        raise refused(error) from None
    threshold = settings_of(uow.conn, order.store_id).refund_manager_minor
    if amount > threshold and actor.get("role") not in MANAGERS:
        raise Forbidden(
            f"a refund above {threshold} needs a store manager", {"amount": ["needs a store manager"]}
        )
    _give_back(uow, current, refund_id, amount, parts, wanted["reason"], lines, False, actor, tenders, now)
    return {"refund_id": refund_id, "order_id": order_id}


def give_back_overpayment(uow, order_id: str, tenders: Tenders, now: datetime) -> None:
    current = read(uow, order_id)
    order = current.order
    if order.balance >= 0 or order.held:
        return
    amount = min(-order.balance, sum(t.refundable for t in order.tenders))
    if amount <= 0:
        return
    refund_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"overpayment:{order_id}:{current.version}"))
    parts = T.refund_split(list(order.tenders), amount)
    _give_back(
        uow,
        current,
        refund_id,
        amount,
        parts,
        OVERPAYMENT_REASON,
        {},
        True,
        {"account_id": None, "role": None},
        tenders,
        now,
    )


def _give_back(
    uow,
    current,
    refund_id: str,
    amount: int,
    parts: list[tuple[str, int]],
    reason: str,
    lines: dict,
    overpayment: bool,
    actor: dict,
    tenders: Tenders,
    now: datetime,
) -> None:
    order = current.order
    given = []
    for tender_id, part in parts:
        tender = order.tender(tender_id)
        outcome = tenders[tender.kind].refund(tender_id, part, f"{refund_id}:{tender_id}")
        if outcome.reason:
            raise Conflict(
                f"the provider refused to give back {part} of tender {tender_id}: {outcome.reason}",
                {"amount": [outcome.reason]},
            )
        given.append({"tender_id": tender_id, "kind": tender.kind, "amount": money(part, order.currency)})
    record(
        uow,
        current,
        OrderRefunded,
        {
            "refund_id": refund_id,
            "customer_id": order.customer_id,
            "amount": money(amount, order.currency),
            "reason": reason,
            "lines": [{"line_id": k, "amount": money(v, order.currency)} for k, v in lines.items()],
            "parts": given,
            "overpayment": overpayment,
            "local_date": local_today(uow.conn, order.store_id, now),
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )
