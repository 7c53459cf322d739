"""Commands on transfers between stores (the rules are in domain/transfers.py): requested by
the receiving store, approved, rejected or cancelled, dispatched from the sender's stock and
received into the receiver's.

A transfer is one stream; its dispatch and its receipt also move each product's stock
stream, all in one unit of work, so a transfer racing a sale or a count of the same product
appends at the versions it read or decides again: no unit is lost or invented on the way.
Each command names the store acting (the path's), which must be the side that acts.
"""

import json

from sqlalchemy import select

from shared.db import lock_key, serialize
from shared.errors import NotFound, Unprocessable

from . import catalogue
from .contracts import (
    StockTransferredIn,
    StockTransferredOut,
    TransferApproved,
    TransferCancelled,
    TransferDispatched,
    TransferReceived,
    TransferRejected,
    TransferRequested,
)
from .domain import stock as S
from .domain import transfers as T
from .stock import Books, decided, store_of
from .tables import transfer_lines, transfers

SENDER, RECEIVER, EITHER = "from_store_id", "to_store_id", "either"


def stream(transfer_id: str) -> str:
    return f"transfer-{transfer_id}"


def _line_facts(line: T.Line, product) -> dict:
    return {
        "product_id": line.product_id,
        "sku": product.sku,
        "unit": product.unit,
        "requested": line.requested,
        "dispatched": line.dispatched,
        "value": line.value,
        "received": line.received,
        "currency": product.currency,
        "lots": [
            {"lot": lot, "expires_on": expires_on, "units": units} for lot, expires_on, units in line.lots
        ],
    }


def _record(uow, version, contract, transfer: T.Transfer, actor: dict, reason=None) -> None:
    uow.record(
        stream(transfer.transfer_id),
        version,
        contract,
        {
            "transfer_id": transfer.transfer_id,
            "from_store_id": transfer.from_store_id,
            "to_store_id": transfer.to_store_id,
            "lines": [_line_facts(x, catalogue.found(uow.conn, x.product_id)) for x in transfer.lines],
            "by": actor.get("account_id"),
            "reason": reason,
        },
        store_id=transfer.to_store_id,
    )


def request(uow, transfer_id: str, store_id: str, wanted: dict, actor: dict) -> None:
    """``store_id`` asks ``wanted["from_store_id"]`` for the units of each line."""
    if uow.conn.execute(
        select(transfers.c.transfer_id).where(transfers.c.transfer_id == transfer_id)
    ).first():
        return
    store_of(uow.conn, store_id, open_only=True)
    units: dict[str, int] = {}
    for n, line in enumerate(wanted["lines"], start=1):
        product, wanted_units = catalogue.quantity(uow.conn, line, f"lines.{n}")
        if product.product_id in units:
            raise Unprocessable(f"{product.sku} is asked for twice", {f"lines.{n}": ["twice"]})
        units[product.product_id] = wanted_units
    transfer = decided(T.request, transfer_id, wanted["from_store_id"], store_id, units)
    store_of(uow.conn, transfer.from_store_id, open_only=True)
    _record(uow, 0, TransferRequested, transfer, actor, wanted.get("note"))


def loaded(conn, transfer_id: str, store_id: str, side: str = EITHER) -> tuple[T.Transfer, int]:
    """The transfer and its version, if ``store_id`` is the ``side`` it concerns (else 404:
    another store's transfer is none of this one's business), under its lock: its lines are
    then read as one commit left them."""
    serialize(conn, lock_key(stream(transfer_id)))
    row = conn.execute(select(transfers).where(transfers.c.transfer_id == transfer_id)).first()
    sides = (row.from_store_id, row.to_store_id) if row is not None else ()
    if row is None or store_id not in (sides if side == EITHER else (getattr(row, side),)):
        raise NotFound(
            f"no transfer {transfer_id} for store {store_id} to act on", {"transfer_id": transfer_id}
        )
    rows = conn.execute(
        select(transfer_lines)
        .where(transfer_lines.c.transfer_id == transfer_id)
        .order_by(transfer_lines.c.position)
    ).all()
    lines = tuple(
        T.Line(
            x.product_id,
            x.requested,
            x.dispatched,
            x.value_minor,
            x.received,
            tuple(tuple(lot) for lot in json.loads(x.lots)),
        )
        for x in rows
    )
    return T.Transfer(row.transfer_id, row.from_store_id, row.to_store_id, lines, row.status), row.version


def approve(uow, transfer_id: str, store_id: str, actor: dict) -> None:
    transfer, version = loaded(uow.conn, transfer_id, store_id, SENDER)
    _record(uow, version, TransferApproved, decided(T.approve, transfer), actor)


def reject(uow, transfer_id: str, store_id: str, reason: str, actor: dict) -> None:
    transfer, version = loaded(uow.conn, transfer_id, store_id, SENDER)
    _record(uow, version, TransferRejected, decided(T.reject, transfer), actor, reason)


def cancel(uow, transfer_id: str, store_id: str, reason: str | None, actor: dict) -> None:
    transfer, version = loaded(uow.conn, transfer_id, store_id, RECEIVER)
    _record(uow, version, TransferCancelled, decided(T.cancel, transfer), actor, reason)


def _quantities(uow, lines: list[dict]) -> dict[str, int]:
    sending = {}
    for n, line in enumerate(lines, start=1):
        if line["quantity"] == 0:
            product, units = catalogue.named(uow.conn, line, f"lines.{n}"), 0
        else:
            product, units = catalogue.quantity(uow.conn, line, f"lines.{n}")
        if product.product_id in sending:
            raise Unprocessable(f"{product.sku} is named twice", {f"lines.{n}": ["twice"]})
        sending[product.product_id] = units
    return sending


def dispatch(uow, transfer_id: str, store_id: str, lines: list[dict], actor: dict) -> None:
    """The sender's units leave its stock (never below zero: what is not there cannot be
    sent) and are in transit."""
    transfer, version = loaded(uow.conn, transfer_id, store_id, SENDER)
    units = decided(T.to_dispatch, transfer, _quantities(uow, lines))
    store_of(uow.conn, store_id, open_only=True)
    store_of(uow.conn, transfer.to_store_id, open_only=True)
    books, values = Books(uow), {}
    books.preload(store_id, [pid for pid, sent in units.items() if sent])
    for product_id, sent in units.items():
        product = catalogue.found(uow.conn, product_id)
        if not sent:
            values[product_id] = (0, 0, ())
            continue
        moved = decided(S.take, books.stock(store_id, product), sent, False)
        lots = tuple((x.lot, x.expires_on, -x.on_hand) for x in moved.lots)
        values[product_id] = (sent, -moved.value_change, lots)
        books.post(
            store_id,
            product,
            moved,
            StockTransferredOut,
            actor.get("account_id"),
            None,
            transfer_id=transfer_id,
            to_store_id=transfer.to_store_id,
        )
    _record(uow, version, TransferDispatched, T.dispatched(transfer, values), actor)


def receive(uow, transfer_id: str, store_id: str, wanted: dict, actor: dict) -> None:
    """What arrived enters the receiver's stock at the value it left with; what did not is
    the transfer's recorded discrepancy."""
    transfer, version = loaded(uow.conn, transfer_id, store_id, RECEIVER)
    arrived = _quantities(uow, wanted.get("lines", []))
    reason = wanted.get("reason")
    received = decided(T.to_receive, transfer, arrived, reason)
    books = Books(uow)
    books.preload(store_id, [x.product_id for x in received.lines if x.received])
    for line in received.lines:
        if not line.received:
            continue
        product = catalogue.found(uow.conn, line.product_id)
        for lot, expires_on, units, value in T.arrivals(line):
            moved = decided(S.receive, books.stock(store_id, product), units, value, lot, expires_on)
            books.post(
                store_id,
                product,
                moved,
                StockTransferredIn,
                actor.get("account_id"),
                reason,
                transfer_id=transfer_id,
                from_store_id=transfer.from_store_id,
            )
    _record(uow, version, TransferReceived, received, actor, reason)
