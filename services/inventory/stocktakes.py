"""Commands on stocktakes (the rules are in domain/stocktakes.py): a manager opens a count
session for the store, staff enter counts, it is submitted, and a manager approves it (the
variances are posted on each product's stock, in one unit of work), reopens it or cancels it.

A stocktake is one stream. Each count reads the product's stock as it stands to record what
the books held; the approval appends to the stocktake's stream and to the stock stream of
every product with a variance at the versions it read, so a sale racing the approval is
either before it or after it, and no unit is lost or invented.
"""

import json

from sqlalchemy import select

from shared.db import lock_key, serialize
from shared.errors import NotFound, Unprocessable, refusal
from shared.refusals import Refused

from . import catalogue
from .contracts import (
    StockAdjusted,
    StocktakeApproved,
    StocktakeCancelled,
    StocktakeCounted,
    StocktakeOpened,
    StocktakeReopened,
    StocktakeSubmitted,
)
from .domain import stock as S
from .domain import stocktakes as K
from .stock import Books, decided, store_of
from .tables import stocktake_counts, stocktakes


def stream(stocktake_id: str) -> str:
    return f"stocktake-{stocktake_id}"


def _record(uow, version, contract, stocktake: K.Stocktake, actor: dict, reason=None) -> None:
    uow.record(
        stream(stocktake.stocktake_id),
        version,
        contract,
        {
            "stocktake_id": stocktake.stocktake_id,
            "store_id": stocktake.store_id,
            "categories": list(stocktake.categories),
            "status": stocktake.status,
            "by": actor.get("account_id"),
            "reason": reason,
        },
        store_id=stocktake.store_id,
    )


def loaded(conn, stocktake_id: str, store_id: str) -> tuple[K.Stocktake, int]:
    """The store's stocktake and its version, under its lock (its counts are then read as one
    commit left them)."""
    serialize(conn, lock_key(stream(stocktake_id)))
    row = conn.execute(select(stocktakes).where(stocktakes.c.stocktake_id == stocktake_id)).first()
    if row is None or row.store_id != store_id:
        raise NotFound(f"store {store_id} has no stocktake {stocktake_id}", {"stocktake_id": stocktake_id})
    stocktake = K.Stocktake(row.stocktake_id, row.store_id, tuple(json.loads(row.categories)), row.status)
    return stocktake, row.version


def open_stocktake(uow, stocktake_id: str, store_id: str, wanted: dict, actor: dict) -> None:
    if uow.version(stream(stocktake_id)):
        return  # the same request again
    store_of(uow.conn, store_id)
    serialize(uow.conn, lock_key(f"inventory.stocktakes-{store_id}"))  # one open: replicas in turn
    already = uow.conn.execute(
        select(stocktakes.c.stocktake_id).where(
            stocktakes.c.store_id == store_id, stocktakes.c.status.in_((K.OPEN, K.SUBMITTED))
        )
    ).scalar()
    stocktake = decided(K.open_for, stocktake_id, store_id, wanted.get("categories") or [], already)
    _record(uow, 0, StocktakeOpened, stocktake, actor, wanted.get("note"))


def record_counts(uow, stocktake_id: str, store_id: str, lines: list[dict], actor: dict) -> None:
    """Each product's count (in its unit, or packs), beside what its books hold now."""
    stocktake, version = loaded(uow.conn, stocktake_id, store_id)
    counts = []
    for n, line in enumerate(lines, start=1):
        at = f"lines.{n}"
        if line["counted"] == 0:
            product, counted = catalogue.named(uow.conn, line, at), 0
        else:
            product, counted = catalogue.quantity(uow.conn, line, at, "counted")
        if any(product.product_id == x[1].product_id for x in counts):
            raise Unprocessable(f"{product.sku} is counted twice in one entry", {at: ["twice"]})
        counts.append((at, product, counted))
    books = Books(uow)
    books.preload(store_id, [product.product_id for _, product, _ in counts])
    for at, product, counted in counts:
        expected = books.stock(store_id, product).on_hand
        try:
            K.count(stocktake, product.product_id, product.category, counted, expected)
        except Refused as error:
            field = error.field if error.field == "status" else f"{at}.{error.field}"
            raise refusal(Refused(field, error.message, error.conflict)) from None
        uow.record(
            stream(stocktake_id),
            version,
            StocktakeCounted,
            {
                "stocktake_id": stocktake_id,
                "store_id": store_id,
                "product_id": product.product_id,
                "sku": product.sku,
                "counted": counted,
                "expected": expected,
                "by": actor.get("account_id"),
            },
            store_id=store_id,
        )


def _counts(conn, stocktake_id: str) -> list:
    return conn.execute(
        select(stocktake_counts)
        .where(stocktake_counts.c.stocktake_id == stocktake_id)
        .order_by(stocktake_counts.c.sku)
    ).all()


def submit(uow, stocktake_id: str, store_id: str, actor: dict) -> None:
    stocktake, version = loaded(uow.conn, stocktake_id, store_id)
    submitted = decided(K.submit, stocktake, len(_counts(uow.conn, stocktake_id)))
    _record(uow, version, StocktakeSubmitted, submitted, actor)


def reopen(uow, stocktake_id: str, store_id: str, reason: str | None, actor: dict) -> None:
    stocktake, version = loaded(uow.conn, stocktake_id, store_id)
    _record(uow, version, StocktakeReopened, decided(K.reopen, stocktake), actor, reason)


def cancel(uow, stocktake_id: str, store_id: str, reason: str | None, actor: dict) -> None:
    stocktake, version = loaded(uow.conn, stocktake_id, store_id)
    _record(uow, version, StocktakeCancelled, decided(K.cancel, stocktake), actor, reason)


def approve(uow, stocktake_id: str, store_id: str, actor: dict) -> None:
    """Each count's variance is posted on the product's stock as it stands now."""
    stocktake, version = loaded(uow.conn, stocktake_id, store_id)
    approved = decided(K.approve, stocktake)
    counts = _counts(uow.conn, stocktake_id)
    books = Books(uow)
    books.preload(store_id, [row.product_id for row in counts])
    for row in counts:
        variance = K.Counted(row.product_id, row.counted, row.expected).variance
        if not variance:
            continue
        product = catalogue.found(uow.conn, row.product_id)
        moved = decided(S.adjust, books.stock(store_id, product), variance)
        books.post(
            store_id,
            product,
            moved,
            StockAdjusted,
            actor.get("account_id"),
            "stocktake",
            counted=row.counted,
            count_id=stocktake_id,
        )
    _record(uow, version, StocktakeApproved, approved, actor)
