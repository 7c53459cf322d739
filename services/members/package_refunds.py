"""A refund of a package bought, as a tender of the orders' protocol: before orders gives the
money back, the fewest free sessions whose value covers it are held, so nobody is refunded
sessions they can still use. *authorize* holds them (refused if the package is expired,
refunded, or asked more back than the value of its free sessions); *capture* takes them
(``PackageRefunded``; the whole package once no session is left) once the money has gone
back; *void* lets them go if it did not. Each step is keyed by the refund's reference, so
asking twice has the effect once."""

from datetime import datetime

from sqlalchemy import select

from shared.envelope import utc_iso
from shared.refusals import Refused

from . import package_tender as steps
from . import packages as ops
from .contracts import PackageHeld
from .domain import packages as K
from .tables import package_sales
from .tender_answers import APPROVED, DECLINED, answer


def authorize(
    uow, reference: str, order_id: str | None, line_id: str | None, amount: int, now: datetime
) -> dict:
    sale = uow.conn.execute(
        select(package_sales).where(package_sales.c.order_id == order_id, package_sales.c.line_id == line_id)
    ).first()
    if sale is None:
        return answer(DECLINED, "the order sold no package on this line")
    current = ops.holdings(uow, sale.member_id)  # locked first: asked twice at once, held once
    row = steps.hold_row(uow.conn, reference)
    if row is not None:
        return steps.answered(row)
    hid = ops.holding_id(order_id, line_id)
    bought = next((h for h in current if h.holding_id == hid), None)
    if bought is None:
        return answer(DECLINED, "the member does not hold the package: its order is not paid")
    try:
        after = K.refund_hold(bought, reference, amount, utc_iso(now))
    except Refused as refused:
        return answer(DECLINED, refused.message)
    sessions = after.hold_of(reference).sessions
    facts = steps.hold_facts(
        sale.member_id, after, reference, K.REFUND, sessions, amount, order_id, sale.store_id
    )
    ops.record(uow, sale.member_id, PackageHeld, facts)
    return answer(APPROVED)


def capture(uow, reference: str) -> dict:
    return steps.capture(uow, reference)


def void(uow, reference: str) -> dict:
    return steps.void(uow, reference)


def refund(uow, reference: str, amount: int, refund_ref: str, now) -> dict:
    return answer(DECLINED, "a package's refund is not given back to the package")


def inquire(conn, reference: str) -> dict:
    return steps.inquire(conn, reference)
