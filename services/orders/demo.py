"""The demo till (``make run`` only, with DEMO_BOOKINGS): the booking seed's past visits were
completed (or missed, with a fee) days ago, so their orders are paid as the counter took
them, at the end of their day: mostly by card, sometimes in cash, now and then with a tip,
through the real payment path, so the stores' takings and receipt books have something to
show. The seed schedules a timer; each round pays what has arrived from booking by then,
oldest day first, and a few rounds run while booking's events still flow in.
"""

import logging
import random
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared import timers
from shared.config import DEMO_BOOKINGS
from shared.errors import DomainError
from shared.idempotency import Idempotency, fingerprint

from . import payments
from .streams import read
from .tables import orders, stores

log = logging.getLogger(__name__)

TILL = "orders-demo-till"
ROUNDS = 12
EVERY = timedelta(seconds=5)
CLOSING = time(19, 0)
COUNTER = {"account_id": None, "role": "store_manager"}
DEMO = uuid.UUID("a4b1c0de-5e1f-4d2a-9b8c-3e6f7a8b9c0d")


def seed(db, store, projections) -> str:
    if not DEMO_BOOKINGS.get():
        return "nothing to seed"
    with db.write() as conn:
        timers.schedule(conn, TILL, TILL, datetime.now(UTC) + EVERY, {"rounds": ROUNDS})
    return "the demo's past visits are paid at the counter as their orders arrive"


def _owed(conn, today: str) -> list:
    query = (
        select(
            orders.c.order_id,
            orders.c.local_date,
            orders.c.owed_minor,
            orders.c.paid_minor,
            orders.c.currency,
            stores.c.timezone,
        )
        .join(stores, stores.c.store_id == orders.c.store_id)
        .where(
            orders.c.status == "pending_payment",
            orders.c.local_date < today,
            orders.c.customer_id.like("demo-customer-%"),
        )
        .order_by(orders.c.local_date, orders.c.created_at)
    )
    return conn.execute(query).all()


def till(uow, timer, execute, tenders, now) -> None:
    """One round: pay what is owed once this commits, then look again while rounds remain
    (not before, so rounds never overlap)."""
    rounds = timer.payload["rounds"]
    owed = _owed(uow.conn, now().date().isoformat())

    def pay_then_look_again():
        for row in owed:
            _pay(execute, tenders, row)
        if rounds > 1:
            execute(lambda later: later.schedule(TILL, TILL, now() + EVERY, {"rounds": rounds - 1}))

    uow.after_commit(pay_then_look_again)


def _pay(execute, tenders, row) -> None:
    rng = random.Random(row.order_id)
    amount = row.owed_minor - row.paid_minor
    closing = datetime.combine(datetime.fromisoformat(row.local_date).date(), CLOSING, ZoneInfo(row.timezone))
    tender = {"kind": "cash", "amount": {"amount_minor": amount, "currency": row.currency}}
    tip = None
    if rng.random() < 0.7:
        tender = {**tender, "kind": "card_present", "token": "tok_approve"}
        if rng.random() < 0.3:
            staff_id = execute(lambda uow: read(uow, row.order_id).order.lines[0].staff_id)
            tip = {
                "amount": {"amount_minor": rng.choice((200, 300, 500)), "currency": row.currency},
                "staff_id": staff_id,
            }
            tender["amount"] = {**tender["amount"], "amount_minor": amount + tip["amount"]["amount_minor"]}
    wanted = {"order_id": row.order_id, "tenders": [tender], "tip": tip}
    key = f"demo:{row.order_id}"
    try:
        payments.pay(
            execute,
            tenders,
            row.order_id,
            wanted,
            COUNTER,
            str(uuid.uuid5(DEMO, key)),
            lambda: closing.astimezone(UTC),
            Idempotency("orders.pay", key, fingerprint(wanted)),
        )
    except DomainError as refused:
        log.info("demo order left unpaid", extra={"fields": {"order_id": row.order_id, "why": str(refused)}})
