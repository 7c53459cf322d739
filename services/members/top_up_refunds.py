"""A refund of a top-up, as a tender of the orders' protocol: before orders gives the money
back, the principal goes back off the member's card (with the bonus it brought), so nobody is
refunded money they can still spend.

*authorize* holds the parts of the top-up's own load (refused if less of it is left than the
refund: spent, or held by a payment on its way); *capture* takes them (``StoredValueWithdrawn``)
once the money has gone back; *void* lets them go if it did not. Each step is keyed by the
refund's reference, so asking twice has the effect once; the card's lock decides a withdrawal
and a spend from another store one after the other.
"""

from sqlalchemy import select

from shared.refusals import Refused

from . import stored_value as card_ops
from .contracts import StoredValueHeld, StoredValueWithdrawn
from .domain import stored_value as SV
from .tables import stored_value_top_ups
from .tender_answers import APPROVED, DECLINED, answer


def authorize(uow, reference: str, order_id: str | None, amount: int) -> dict:
    sold = uow.conn.execute(
        select(stored_value_top_ups).where(stored_value_top_ups.c.order_id == order_id)
    ).first()
    if sold is None:
        return answer(DECLINED, "the order sold no top-up")
    before = card_ops.card(uow, sold.member_id)  # locked first: asked twice at once, held once
    row = card_ops.hold_row(uow.conn, reference)
    if row is not None:
        return answer(DECLINED, "the hold was let go") if row.status == "voided" else answer(APPROVED)
    try:
        h = SV.withdrawal(before, reference, sold.order_id, sold.store_id, amount)
    except Refused as refused:
        return answer(DECLINED, refused.message)
    after = SV.held(before, h)
    uow.record(
        card_ops.stream(sold.member_id),
        uow.version(card_ops.stream(sold.member_id)),
        StoredValueHeld,
        card_ops.hold_facts(sold.member_id, sold.order_id, h, before, after),
    )
    return answer(APPROVED)


def capture(uow, reference: str) -> dict:
    return card_ops.take(uow, reference, StoredValueWithdrawn)


def void(uow, reference: str) -> dict:
    return card_ops.void(uow, reference)


def refund(uow, reference: str, amount: int, refund_ref: str, now) -> dict:
    return answer(DECLINED, "a top-up's refund is not given back to the card")


def inquire(conn, reference: str) -> dict:
    return card_ops.inquire(conn, reference)
