"""Paying an order: one request of one or several tenders, carried through the tender
protocol as a saga.

1. ``request`` (one transaction, under the order's lock): the tenders are checked against
   the balance less what is already on its way, recorded as pending (``PaymentRequested``),
   and a recovery timer is set. Payments racing on one order are decided one after the
   other, so together they never take more than the balance.
2. ``drive`` (outside any transaction, since the provider takes its time): each pending
   tender is authorized by its reference; a lost answer is asked about (``inquire``) before
   anything is tried again, so a timeout never charges twice. Each answer is recorded in a
   short transaction of its own. When every tender is held they are all captured; if any
   failed, every hold is voided and nothing is charged.
3. The capture that brings the balance to zero settles the order (receipt, ``OrderPaid``).

If this process dies between the steps, the recovery timer drives the payment on from what
was recorded; a payment still undecided after ``EXPIRES_AFTER`` is voided, at the provider
too. A provider that decides later calls back (``decided``).
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shared.envelope import utc_iso
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable, refusal
from shared.eventstore import ConcurrencyError

from .contracts import PaymentAuthorized, PaymentCaptured, PaymentFailed, PaymentRequested, PaymentVoided
from .contracts.payments import MEMBERS_TENDERS
from .domain import order as O
from .domain import tenders as T
from .domain.history import money
from .domain.lines import PREPAID
from .domain.status import COMPLETED
from .provider import ABSENT, APPROVED, DECLINED, Outcome, ProviderTimeout
from .streams import local_today, read, record, settle_if_due
from .tables import order_tenders, provider_callbacks, provider_references
from .tender_protocol import CARDS, COUPON, PACKAGE, Tenders, members_token

log = logging.getLogger(__name__)
CUSTOMER = "customer"
# what a customer pays with themselves
ONLINE = ("card_online", "points", "stored_value", "coupon", "package")
RECOVERY = "order-payment"
RECOVER_AFTER = timedelta(seconds=15)
EXPIRES_AFTER = timedelta(minutes=15)
DRIVE_ROUNDS = 4  # authorize, then capture or void: a few rounds settle any payment that can be settled now


def recovery_key(payment_id: str) -> str:
    return f"{RECOVERY}:{payment_id}"


def request(
    uow, order_id: str, wanted: dict, actor: dict, payment_id: str, tenders: Tenders, now: datetime
) -> dict:
    """Record the payment's tenders as pending, if together they fit the balance."""
    current = read(uow, order_id)
    order = current.order
    if actor.get("role") == CUSTOMER and any(t["kind"] not in ONLINE for t in wanted["tenders"]):
        raise Forbidden(
            "a customer pays online by card, points, their stored value, a coupon or a package; "
            "other tenders are taken at the counter",
            {"tenders.kind": [f"{', '.join(ONLINE)} only"]},
        )
    asked, tip = [], wanted.get("tip")
    for n, t in enumerate(wanted["tenders"], start=1):
        _check_tender(t, order, tenders)
        tendered = t.get("tendered")
        try:
            asked.append(
                T.requested(
                    f"{payment_id}-{n}",
                    t["kind"],
                    t["amount"]["amount_minor"],
                    None if tendered is None else tendered["amount_minor"],
                )
            )
        except T.TenderRefused as error:
            raise refusal(error) from None
    tip_amount = 0 if tip is None else tip["amount"]["amount_minor"]
    if tip is not None and tip["amount"]["currency"] != order.currency:
        raise Unprocessable(
            f"the tip is in {order.currency}, the store's currency", {"tip": ["wrong currency"]}
        )
    try:
        O.start_payment(order, asked, tip_amount)
    except T.TenderRefused as error:
        raise refusal(error) from None
    record(
        uow,
        current,
        PaymentRequested,
        {
            "payment_id": payment_id,
            "tenders": [
                {
                    "tender_id": t.tender_id,
                    "kind": t.kind,
                    "amount": money(t.amount, order.currency),
                    "tendered": None if t.tendered is None else money(t.tendered, order.currency),
                }
                for t in asked
            ],
            "tip": None
            if not tip_amount
            else {
                "amount": money(tip_amount, order.currency),
                "staff_id": tip.get("staff_id"),
                "tender_id": asked[0].tender_id,
            },
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )
    tokens = {t.tender_id: _token(w, order) for t, w in zip(asked, wanted["tenders"], strict=True)}
    uow.schedule(
        recovery_key(payment_id),
        RECOVERY,
        now + RECOVER_AFTER,
        {
            "order_id": order_id,
            "payment_id": payment_id,
            "requested_at": utc_iso(now),
            "tokens": tokens,
        },
        store_id=order.store_id,
    )
    return {"payment_id": payment_id, "order_id": order_id, "tokens": tokens}


def _token(tender: dict, order: O.Order) -> str | None:
    """What authorizes a tender: the provider's token for a card; for the members' tenders,
    the order (never the caller's choice: nobody spends another member's points or card),
    with its lines for a coupon or a package's session, and the coupon's code."""
    if tender["kind"] not in MEMBERS_TENDERS:
        return tender.get("token")
    facts = {"member_id": order.customer_id, "store_id": order.store_id, "order_id": order.order_id}
    if tender["kind"] in (COUPON, PACKAGE):
        facts["order"] = {
            "order_id": order.order_id,
            "store_id": order.store_id,
            "currency": order.currency,
            "gross": order.gross,
            "lines": [
                {"kind": x.kind, "ref": x.ref, "category": x.category, "gross": x.gross}
                for x in order.owed_lines
            ],
        }
    return members_token(facts, tender.get("code"))


def _check_tender(t: dict, order: O.Order, tenders: Tenders) -> None:
    currency = order.currency
    for name in ("amount", "tendered"):
        if t.get(name) is not None and t[name]["currency"] != currency:
            raise Unprocessable(
                f"the store takes {currency}, not {t[name]['currency']}",
                {f"tenders.{name}": [f"not {currency}"]},
            )
    if t["kind"] in MEMBERS_TENDERS and not tenders.offered(t["kind"]):
        raise Unprocessable(
            f"{t['kind'].replace('_', ' ')} is not offered yet: members provides it",
            {"tenders.kind": ["not offered"]},
        )
    if t["kind"] in MEMBERS_TENDERS and order.customer_id is None:
        raise Unprocessable(
            f"{t['kind'].replace('_', ' ')} is a member's: this order has no member",
            {"tenders.kind": ["needs a member"]},
        )
    if t["kind"] in MEMBERS_TENDERS and any(line.kind in PREPAID for line in order.lines):
        raise Unprocessable(
            "a card is topped up with money and a package bought with money, not with members' tenders",
            {"tenders.kind": ["not for a top-up or a package"]},
        )
    if t["kind"] == PACKAGE and order.fulfilment != COMPLETED:
        raise Unprocessable(
            "a package's session pays for a completed visit: complete the booking first",
            {"tenders.kind": ["the visit is not completed"]},
        )
    if not tenders.offered(t["kind"]):
        raise Unprocessable(f"no tender {t['kind']}", {"tenders.kind": ["unknown tender"]})
    if t["kind"] == COUPON and not t.get("code"):
        raise Unprocessable("a coupon is named by its code", {"tenders.code": ["required for a coupon"]})
    if t["kind"] != COUPON and t.get("code"):
        raise Unprocessable("only a coupon has a code", {"tenders.code": ["only for a coupon"]})
    if t["kind"] in CARDS and not t.get("token"):
        raise Unprocessable(
            "a card is paid with the provider's token", {"tenders.token": ["required for cards"]}
        )


def pay(
    execute,
    tenders: Tenders,
    order_id: str,
    wanted: dict,
    actor: dict,
    payment_id: str,
    now,
    idempotency=None,
) -> str:
    """Request the payment, then drive it as far as it goes now; returns its id (the first
    request's, for a retry with the same idempotency key)."""
    started = execute(
        lambda uow: request(uow, order_id, wanted, actor, payment_id, tenders, now()), idempotency=idempotency
    )
    paid_by = started["payment_id"]
    tokens = started.get("tokens") or {  # an answer stored before the tokens were in it
        f"{paid_by}-{n}": started.get("member_id") if t["kind"] in MEMBERS_TENDERS else t.get("token")
        for n, t in enumerate(wanted["tenders"], start=1)
    }
    drive(execute, tenders, order_id, paid_by, tokens, now)
    return paid_by


def drive(
    execute, tenders: Tenders, order_id: str, payment_id: str, tokens: dict, now, expire: bool = False
) -> O.Order:
    """Carry the payment as far as it can go now; returns the order as it then stands.
    With ``expire``, tenders still undecided are voided (at the provider too)."""
    order = execute(lambda uow: read(uow, order_id).order)
    for _ in range(DRIVE_ROUNDS):
        mine = order.payment_tenders(payment_id)
        pending = [t for t in mine if t.status == T.PENDING]
        if pending:
            moved = False
            for tender in pending:
                outcome = (
                    _void(tenders, tender)
                    if expire
                    else _authorize(tenders, tender, tokens.get(tender.tender_id), order.currency)
                )
                if outcome is not None:
                    order = execute(
                        lambda uow, t=tender, o=outcome: decide(
                            uow, order_id, t.tender_id, o, now(), expired=expire
                        )
                    )
                    moved = True
            if not moved:
                return order
            continue
        steps = T.saga_next(mine)
        if not steps:
            return order
        for tender_id, step in steps:
            tender = order.tender(tender_id)
            try:
                outcome = (
                    tenders[tender.kind].capture(tender_id, tender.amount)
                    if step == T.CAPTURED
                    else tenders[tender.kind].void(tender_id)
                )
            except ProviderTimeout:
                return order  # the recovery timer asks again
            order = execute(
                lambda uow, i=tender_id, s=step, o=outcome: _finish(uow, order_id, i, s, o, now())
            )
    return order


def _authorize(tenders: Tenders, tender: T.Tender, token: str | None, currency: str) -> Outcome | None:
    """The provider's answer for a pending tender; None while it is unknown or undecided.

    After a lost answer the provider is asked about our reference before anything is tried
    again; only if it never heard of it is the request sent again (under the same reference,
    so it still charges at most once). Without the token (a callback drives the payment) it
    is only asked."""
    protocol = tenders[tender.kind]

    def ask() -> Outcome:
        return protocol.authorize(tender.tender_id, token, tender.amount, currency)

    try:
        outcome = protocol.inquire(tender.tender_id) if token is None else _or_lost(ask)
        if outcome is None:
            outcome = protocol.inquire(tender.tender_id)
            if outcome.status == ABSENT and token is not None:
                outcome = ask()
    except ProviderTimeout:
        return None
    return outcome if outcome.status in (APPROVED, DECLINED) else None


def _or_lost(call) -> Outcome | None:
    try:
        return call()
    except ProviderTimeout:
        return None


def _void(tenders: Tenders, tender: T.Tender) -> Outcome | None:
    try:
        tenders[tender.kind].void(tender.tender_id)
    except ProviderTimeout:
        return None
    return Outcome(DECLINED, reason="not decided in time")


def decide(
    uow, order_id: str, tender_id: str, outcome: Outcome, now: datetime, expired: bool = False
) -> O.Order:
    """Record the provider's answer for a pending tender (idempotent: an answer already
    recorded changes nothing)."""
    current = read(uow, order_id)
    tender = current.order.tender(tender_id)
    try:
        if outcome.status == APPROVED:
            _, changed = T.authorized(tender, outcome.provider_ref)
            contract, extra = PaymentAuthorized, {}
        elif expired:
            _, changed = T.voided(tender)
            contract, extra = PaymentVoided, {"reason": outcome.reason}
        else:
            _, changed = T.failed(tender, outcome.reason or "declined")
            contract, extra = PaymentFailed, {"reason": outcome.reason or "declined"}
    except T.TenderRefused:
        log.warning("answer for tender %s came after it was %s", tender_id, tender.status)
        return current.order
    if changed:
        record(uow, current, contract, {**_step_facts(current.order, tender), **extra})
        if outcome.status == APPROVED and outcome.provider_ref:
            uow.conn.execute(
                provider_references.insert().values(
                    tender_id=tender_id, provider_ref=outcome.provider_ref, recorded_at=utc_iso(now)
                )
            )
    return current.order


def _finish(uow, order_id: str, tender_id: str, step: str, outcome: Outcome, now: datetime) -> O.Order:
    """Record a capture (settling the order when it is paid) or a void."""
    current = read(uow, order_id)
    order = current.order
    tender = order.tender(tender_id)
    taken = step == T.CAPTURED and outcome.captured >= tender.amount
    if step == T.CAPTURED and not taken:
        step, outcome = T.VOIDED, Outcome(DECLINED, reason=outcome.reason or "the provider did not capture")
    try:
        _, changed = T.captured(tender) if taken else T.voided(tender)
    except T.TenderRefused:
        return order
    if changed and taken:
        tip = next(((staff, amount) for tid, staff, amount in order.tips if tid == tender_id), (None, 0))
        record(
            uow,
            current,
            PaymentCaptured,
            {
                **_step_facts(order, tender),
                "tip": money(tip[1], order.currency),
                "tip_staff_id": tip[0],
                "change": money(tender.change, order.currency),
                "local_date": local_today(uow.conn, order.store_id, now),
            },
        )
        settle_if_due(uow, current, now)
    elif changed:
        record(
            uow,
            current,
            PaymentVoided,
            {
                **_step_facts(order, tender),
                "reason": outcome.reason or "another tender of the payment failed",
            },
        )
    payment_id = current.order.payment_of(tender_id)
    if all(t.status not in (T.PENDING, T.AUTHORIZED) for t in current.order.payment_tenders(payment_id)):
        uow.cancel_timer(recovery_key(payment_id))
    return current.order


def _step_facts(order: O.Order, tender: T.Tender) -> dict:
    return {
        "payment_id": order.payment_of(tender.tender_id),
        "tender_id": tender.tender_id,
        "kind": tender.kind,
        "amount": money(tender.amount, order.currency),
    }


def recover(uow, timer, execute, tenders: Tenders, now) -> None:
    """The recovery timer: look again in RECOVER_AFTER (the look is cancelled once the
    payment ends), and, once this timer's transaction has committed, drive the payment on in
    transactions of its own; a payment undecided after EXPIRES_AFTER is voided."""
    p = timer.payload
    requested_at = datetime.fromisoformat(p["requested_at"].replace("Z", "+00:00"))
    expire = now() - requested_at >= EXPIRES_AFTER
    uow.schedule(recovery_key(p["payment_id"]), RECOVERY, now() + RECOVER_AFTER, p, store_id=timer.store_id)
    uow.after_commit(
        lambda: drive(execute, tenders, p["order_id"], p["payment_id"], p["tokens"], now, expire=expire)
    )


def callback(
    uow, callback_id: str, reference: str, status: str, provider_ref: str | None, now: datetime
) -> dict:
    """The provider reports a payment it decided later. Each callback is handled once: a
    replay (the same callback id) is refused."""
    if uow.conn.execute(
        select(provider_callbacks.c.callback_id).where(provider_callbacks.c.callback_id == callback_id)
    ).first():
        raise Conflict(f"callback {callback_id} was handled already", {"callback_id": ["replayed"]})
    try:
        uow.conn.execute(
            provider_callbacks.insert().values(
                callback_id=callback_id, reference=reference, received_at=utc_iso(now)
            )
        )
    except IntegrityError as exc:
        # The same callback committed meanwhile: run again, and the look-up above refuses it.
        raise ConcurrencyError(f"callback {callback_id} arrived twice at once") from exc
    row = uow.conn.execute(
        select(order_tenders.c.order_id, order_tenders.c.payment_id).where(
            order_tenders.c.tender_id == reference
        )
    ).first()
    if row is None:
        raise NotFound(f"no payment with reference {reference}", {"reference": reference})
    decide(
        uow,
        row.order_id,
        reference,
        Outcome(status, provider_ref, None if status == APPROVED else "declined by the provider"),
        now,
    )
    return {"order_id": row.order_id, "payment_id": row.payment_id}
