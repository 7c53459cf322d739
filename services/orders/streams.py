"""An order's stream: read it under the order's lock, record its next events with the
order as it stands after each, and settle it with the store's next receipt number.

Every command on an order takes the order's lock first (an advisory lock on PostgreSQL;
SQLite runs writers one at a time), so payments, refunds and the booking's events racing on
one order are decided one after the other on fresh state, and none is lost to a retry.
The receipt book of a store is a stream of its own (``receipts-<store>``): its version is
the last number issued, so numbers are gap-free and each is issued once, in the same
transaction as the payment that settles the order.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.db import lock_key, serialize
from shared.errors import NotFound

from .contracts import ORDER_EVENTS, OrderPaid, ReceiptIssued
from .domain import history
from .domain.order import Order, receipt_due
from .domain.settings import TillSettings
from .tables import stores, till_settings

_CONTRACTS = {c.name: c for c in ORDER_EVENTS}


def order_stream(order_id: str) -> str:
    return f"order-{order_id}"


def receipts_stream(store_id: str) -> str:
    return f"receipts-{store_id}"


@dataclass
class Current:
    """An order as read under its lock, and the version its next events follow."""

    order: Order
    version: int


def lock(uow, order_id: str) -> None:
    serialize(uow.conn, lock_key(order_stream(order_id)))


def read(uow, order_id: str) -> Current:
    """The order, locked: call before deciding anything on it."""
    lock(uow, order_id)
    events = uow.load(order_stream(order_id))
    if not events:
        raise NotFound(f"no order {order_id}", {"order_id": order_id})
    facts = [(e.type, _CONTRACTS[e.type].read(e).data) for e in events]
    return Current(history.fold(facts), len(events))


def record(uow, current: Current, contract, data: dict) -> Order:
    """Record the next event of the order with its summary (and its totals, for events that
    carry them); ``current`` moves on to the order after it."""
    after = history.apply(current.order, contract.name, data)
    facts = {"order_id": after.order_id, "store_id": after.store_id, **data, **history.summary(after)}
    if "totals" in contract.schema._declared_fields:
        facts["totals"] = history.totals_facts(after.totals, after.currency)
    uow.record(order_stream(after.order_id), current.version, contract, facts, store_id=after.store_id)
    current.order = after
    return after


def store_of(conn, store_id: str):
    return conn.execute(select(stores).where(stores.c.store_id == store_id)).first()


def local_today(conn, store_id: str, now: datetime) -> str:
    store = store_of(conn, store_id)
    zone = ZoneInfo(store.timezone) if store is not None else UTC
    return now.astimezone(zone).date().isoformat()


def settings_of(conn, store_id: str) -> TillSettings:
    row = conn.execute(select(till_settings.c.settings).where(till_settings.c.store_id == store_id)).first()
    return TillSettings.from_data(None if row is None else json.loads(row.settings))


def settle_if_due(uow, current: Current, now: datetime) -> None:
    """Once nothing is owed and nothing is on its way, the order is paid: it gets the store's
    next receipt number (one only) and ``OrderPaid``."""
    order = current.order
    if not receipt_due(order):
        return
    store_id = order.store_id
    serialize(uow.conn, lock_key(receipts_stream(store_id)))
    number = uow.version(receipts_stream(store_id)) + 1
    day = local_today(uow.conn, store_id, now)
    c, t = order.currency, order.totals
    uow.record(
        receipts_stream(store_id),
        number - 1,
        ReceiptIssued,
        {
            "store_id": store_id,
            "receipt_number": number,
            "order_id": order.order_id,
            "gross": history.money(t.gross, c),
            "tax": history.money(t.tax, c),
            "local_date": day,
        },
        store_id=store_id,
    )
    by_kind: dict[str, int] = {}
    for tender in order.tenders:
        if tender.captured:
            by_kind[tender.kind] = by_kind.get(tender.kind, 0) + tender.captured
    record(
        uow,
        current,
        OrderPaid,
        {
            "customer_id": order.customer_id,
            "booking_id": order.booking_id,
            "gross": history.money(t.gross, c),
            "tax": history.money(t.tax, c),
            "tips": history.money(order.tips_paid, c),
            "tenders": [{"kind": k, "amount": history.money(v, c)} for k, v in sorted(by_kind.items())],
            "receipt_number": number,
            "local_date": day,
            "lines": [
                {"line_id": x.line_id, "kind": x.kind, "ref": x.ref, "category": x.category,
                 "gross": history.money(x.gross, c)}
                for x in order.owed_lines
            ],
        },
    )
