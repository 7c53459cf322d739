"""Refunds: money given back to the tenders that paid, the last captured first.

A refund is of an amount off the order or of some lines (each at most what the line came
to, less what was refunded on it before), always with a reason; above the store's threshold
only a store manager (or HQ) may grant it. A product line's refund may say how many packs
the customer brought back and whether they go back on the shelf or are scrapped (``returns``,
for inventory); never more than the line sold less what came back before. Like a payment it
is a journal, so a process that dies half way loses nothing:
1. ``request`` (one transaction, under the order's lock) checks it and records what each
   tender is to give back (``RefundRequested``), which later refunds count as given already,
   and sets a recovery timer;
2. ``give_back`` (outside any transaction) asks each tender's protocol to give its part back,
   keyed by the refund and the tender, so asking twice gives back once;
3. ``finish`` records ``OrderRefunded``. A part the provider refuses ends the refund as
   ``RefundFailed`` (409), its reservation let go.
Cash leaves the drawer and counts against the day's cash takings. Money paid beyond what is
owed (a deposit above a cancellation fee) is given back by the ``OVERPAYMENT`` timer
without anyone asking.
"""

import json
import logging
import uuid
from datetime import datetime, timedelta

from shared.errors import Conflict, Forbidden, refusal
from shared.logs import fields

from . import after_sales
from .contracts import OrderRefunded, RefundFailed, RefundRequested
from .domain import order as O
from .domain import tenders as T
from .domain.history import money
from .domain.lines import TOP_UP
from .provider import ProviderTimeout
from .streams import Current, local_today, read, record, settings_of
from .tender_protocol import Tenders

log = logging.getLogger(__name__)
MANAGERS = ("hq_admin", "store_manager")  # who may grant what is above a store's thresholds
OVERPAYMENT_REASON = "paid beyond what is owed: given back"
SYSTEM = {"account_id": None, "role": None}
RECOVERY = "order-refund"
RECOVER_AFTER = timedelta(seconds=15)


def recovery_key(refund_id: str) -> str:
    return f"{RECOVERY}:{refund_id}"


def refund(
    execute, tenders: Tenders, order_id: str, wanted: dict, actor: dict, refund_id: str, now, idempotency=None
) -> str:
    """Request the refund, then give it back; returns its id (the first request's, for a
    retry with the same idempotency key)."""
    started = execute(
        lambda uow: request(uow, order_id, wanted, actor, refund_id, now()), idempotency=idempotency
    )
    give_back(execute, tenders, order_id, started["refund_id"], now)
    return started["refund_id"]


def request(uow, order_id: str, wanted: dict, actor: dict, refund_id: str, now: datetime) -> dict:
    return request_on(uow, read(uow, order_id), wanted, actor, refund_id, now)


def request_on(uow, current: Current, wanted: dict, actor: dict, refund_id: str, now: datetime) -> dict:
    """``request`` on an order already read under its lock."""
    amount, parts, lines = checked(uow.conn, current.order, wanted, actor)
    returns = brought_back(current.order, wanted)
    _requested(uow, current, refund_id, amount, parts, wanted["reason"], lines, False, actor, now, returns)
    return {"refund_id": refund_id, "order_id": current.order.order_id}


def brought_back(order: O.Order, wanted: dict) -> list[dict]:
    """The product packs a refund's lines bring back (``restock``), each to the shelf or the
    bin, or the refusal naming the line."""
    returns = []
    for n, line in enumerate(wanted.get("lines") or [], start=1):
        restock = line.get("restock")
        if not restock:
            continue
        try:
            O.returns_checked(order, {line["line_id"]: restock["packs"]})
        except T.TenderRefused as error:
            raise refusal(T.TenderRefused(f"lines.{n}.restock", error.message, conflict=False)) from None
        sku = order.line(line["line_id"]).ref
        returns.append({"line_id": line["line_id"], "sku": sku, **restock})
    return returns


def checked(conn, order: O.Order, wanted: dict, actor: dict) -> tuple[int, list, dict]:
    """The refund ``wanted`` as the order allows it (amount, parts per tender, lines), or the
    refusal."""
    named = [x["line_id"] for x in wanted.get("lines") or []]
    if len(set(named)) != len(named):
        raise refusal(T.TenderRefused("lines", "a refund names each line once", conflict=False))
    lines = {x["line_id"]: x["amount"]["amount_minor"] for x in wanted.get("lines") or []}
    amounts = [("amount", wanted.get("amount"))] + [("lines", x["amount"]) for x in wanted.get("lines") or []]
    for name, value in amounts:
        if value is not None and value["currency"] != order.currency:
            raise refusal(T.TenderRefused(name, f"the order is in {order.currency}", conflict=False))
    try:
        amount = O.line_refunds(order, lines) if lines else wanted["amount"]["amount_minor"]
        parts = O.plan_refund(order, amount)
        sessions = [n for t, n in parts if order.tender(t).kind == T.PACKAGE]
        if sessions and len(parts) > 1:
            # A session that cannot come back (its package expired or was refunded) must
            # refuse before anything else has been given back.
            money = amount - sum(sessions)
            then = "refund {} first, then each session's part on its own"
            raise T.TenderRefused(
                "amount",
                f"a package's session is given back on its own: {then.format(money or parts[0][1])}",
                conflict=False,
            )
        if O.withdrawal(order, amount, lines) and len(parts) > 1:
            # One tender at a time: should a second refuse after the first gave back, the
            # card's principal (the package's sessions) would be neither kept nor taken.
            most = max(n for _, n in parts)
            raise T.TenderRefused(
                "amount",
                f"a top-up or a package is refunded one tender at a time: at most {most} now",
                conflict=False,
            )
    except T.TenderRefused as error:
        raise refusal(error) from None
    threshold = settings_of(conn, order.store_id).refund_manager_minor
    if amount > threshold and actor.get("role") not in MANAGERS:
        raise Forbidden(
            f"a refund above {threshold} needs a store manager", {"amount": ["needs a store manager"]}
        )
    return amount, parts, lines


def _requested(
    uow,
    current: Current,
    refund_id: str,
    amount: int,
    parts: list[tuple[str, int]],
    reason: str,
    lines: dict,
    overpayment: bool,
    actor: dict,
    now: datetime,
    returns: list[dict] = (),
) -> None:
    order = current.order
    record(
        uow,
        current,
        RefundRequested,
        {
            "refund_id": refund_id,
            "amount": money(amount, order.currency),
            "reason": reason,
            "lines": [{"line_id": k, "amount": money(v, order.currency)} for k, v in lines.items()],
            "parts": [
                {"tender_id": t, "kind": order.tender(t).kind, "amount": money(a, order.currency)}
                for t, a in parts
            ],
            "overpayment": overpayment,
            "returns": list(returns),
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )
    uow.schedule(
        recovery_key(refund_id),
        RECOVERY,
        now + RECOVER_AFTER,
        {"order_id": order.order_id, "refund_id": refund_id},
        store_id=order.store_id,
    )


def give_back(execute, tenders: Tenders, order_id: str, refund_id: str, now) -> None:
    """Ask each tender to give its part back, then record the refund; nothing to do for a
    refund that has ended. A lost answer leaves it to the recovery timer. A top-up's part is
    first held on the member's card, a package's sessions left on the package (declined: the
    refund fails, nothing given back), taken once the money has gone back, and let go if it
    did not."""
    order = execute(lambda uow: read(uow, order_id).order)
    on_way = order.refund_on_way(refund_id)
    if on_way is None:
        return
    prepaid = O.withdrawal(order, on_way.amount, dict(on_way.lines))
    members = prepaid and tenders.withdrawals[prepaid.kind]
    reference = f"{refund_id}:{'top-up' if prepaid and prepaid.kind == TOP_UP else 'package'}"
    try:
        if prepaid:
            held = members.authorize(reference, _order_token(order, prepaid), prepaid.amount, order.currency)
            if held.reason:
                why = f"members cannot give back {prepaid.amount}: {held.reason}"
                _refused(execute, order_id, refund_id, why)
        for tender_id, part in on_way.parts:
            tender = tenders[order.tender(tender_id).kind]
            outcome = tender.refund(tender_id, part, f"{refund_id}:{tender_id}")
            if outcome.reason:
                if prepaid:
                    members.void(reference)
                why = f"the provider refused to give back {part} of tender {tender_id}: {outcome.reason}"
                _refused(execute, order_id, refund_id, why, outcome.reason)
        if prepaid and (taken := members.capture(reference, prepaid.amount)).reason:
            # Cannot be while the hold is held: the money went back, members kept the value.
            log.error(
                "a refund gave money back but members could not take back what it sold",
                extra=fields(order_id=order_id, refund_id=refund_id, reason=taken.reason),
            )
            return
    except ProviderTimeout:
        return
    execute(lambda uow: finish(uow, order_id, refund_id, now()))


def _order_token(order: O.Order, prepaid: O.Withdrawal) -> str:
    # a top-up's refund names no line: its token stays what members has always been asked with
    line = {} if prepaid.line_id is None else {"line_id": prepaid.line_id}
    return json.dumps({"order_id": order.order_id, **line})


def _refused(execute, order_id: str, refund_id: str, why: str, reason: str | None = None) -> None:
    execute(lambda uow: _failed(uow, order_id, refund_id, why))
    raise Conflict(why, {"amount": [reason or why]})


def _failed(uow, order_id: str, refund_id: str, why: str) -> None:
    current = read(uow, order_id)
    if current.order.refund_on_way(refund_id) is not None:
        record(uow, current, RefundFailed, {"refund_id": refund_id, "reason": why})
        after_sales.refund_ended(uow, current, refund_id, why)
    uow.cancel_timer(recovery_key(refund_id))


def finish(uow, order_id: str, refund_id: str, now: datetime) -> None:
    current = read(uow, order_id)
    order = current.order
    r = order.refund_on_way(refund_id)
    if r is None:
        return
    c = order.currency
    record(
        uow,
        current,
        OrderRefunded,
        {
            "refund_id": refund_id,
            "customer_id": order.customer_id,
            "amount": money(r.amount, c),
            "reason": r.reason,
            "lines": [{"line_id": k, "amount": money(v, c)} for k, v in r.lines],
            "parts": [
                {"tender_id": t, "kind": order.tender(t).kind, "amount": money(a, c)} for t, a in r.parts
            ],
            "overpayment": r.overpayment,
            "returns": [
                {"line_id": line_id, "sku": order.line(line_id).ref, "packs": packs, "to": to}
                for line_id, packs, to in r.returns
            ],
            "local_date": local_today(uow.conn, order.store_id, now),
            "by": r.by,
            "by_role": r.by_role,
        },
    )
    after_sales.refund_ended(uow, current, refund_id, None)
    uow.cancel_timer(recovery_key(refund_id))


def recover(uow, timer, execute, tenders: Tenders, now) -> None:
    """The recovery timer: look again later (cancelled once the refund ends), and give the
    refund back once this timer's transaction has committed."""
    p = timer.payload
    uow.schedule(recovery_key(p["refund_id"]), RECOVERY, now() + RECOVER_AFTER, p, store_id=timer.store_id)
    uow.after_commit(lambda: give_back(execute, tenders, p["order_id"], p["refund_id"], now))


def give_back_overpayment(uow, order_id: str, execute, tenders: Tenders, now) -> None:
    """A cancelled order was paid beyond what it owes: request the refund of the rest, and
    give it back once this transaction has committed."""
    current = read(uow, order_id)
    order = current.order
    amount = min(
        -order.balance - sum(r.amount for r in order.refunds_on_way),
        sum(t.refundable for t in order.refundable_tenders),
    )
    if order.held or amount <= 0:
        return
    refund_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"overpayment:{order_id}:{current.version}"))
    parts = T.refund_split(order.refundable_tenders, amount)
    _requested(uow, current, refund_id, amount, parts, OVERPAYMENT_REASON, {}, True, SYSTEM, now())
    uow.after_commit(lambda: give_back(execute, tenders, order_id, refund_id, now))
