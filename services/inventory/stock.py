"""Commands on a store's stock (the rules are in domain/stock.py): received, scrapped and
counted by staff, sold when orders' retail lines are paid, consumed by completed services,
its reorder levels set, and the store's policy on going below zero.

Each store's stock of a product is one stream. A command takes the stream's lock (on
PostgreSQL; SQLite's writes run one at a time), reads the stock and the stream's version from
its read model, which every event of the stream keeps current in the same transaction, and
appends at the version it read: replicas moving the same units at once take turns rather
than collide, and should one still find the stream moved on, the unit of work decides again
from the new stock. No unit is ever lost or invented.
"""

import json
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from shared.db import lock_key, serialize
from shared.errors import Conflict, NotFound, Unprocessable, refusal
from shared.refusals import Refused

from . import catalogue
from .contracts import (
    StockAdjusted,
    StockLevelsSet,
    StockLow,
    StockPolicySet,
    StockReceived,
    StockRestored,
    StockScrapped,
)
from .domain import catalogue as C
from .domain import stock as S
from .tables import stock_levels, stocktake_counts, stocktakes, store_policies, stores


def stream(store_id: str, product_id: str) -> str:
    return f"stock-{store_id}:{product_id}"


def store_of(conn, store_id: str, open_only: bool = False):
    row = conn.execute(select(stores).where(stores.c.store_id == store_id)).first()
    if row is None:
        raise NotFound(f"inventory knows no store {store_id}", {"store_id": store_id})
    if open_only and row.status != "open":
        raise Unprocessable(f"store {store_id} is closed", {"store_id": ["closed"]})
    return row


def allows_negative(conn, store_id: str) -> bool:
    return bool(
        conn.execute(
            select(store_policies.c.allow_negative).where(store_policies.c.store_id == store_id)
        ).scalar()
    )


def stock_of_row(row) -> S.Stock:
    if row is None:
        return S.Stock()
    return S.Stock(
        row.on_hand,
        row.value_minor,
        row.unit_cost_micros,
        row.reorder_point,
        row.target,
        row.low,
        tuple(S.Lot(lot, expires, n) for lot, expires, n in json.loads(row.lots)),
    )


def level_row(conn, store_id: str, product_id: str):
    return conn.execute(
        select(stock_levels).where(
            stock_levels.c.store_id == store_id, stock_levels.c.product_id == product_id
        )
    ).first()


def state(stock: S.Stock, currency: str) -> dict:
    return {
        "on_hand": stock.on_hand,
        "value": stock.value,
        "currency": currency,
        "unit_cost_micros": stock.unit_cost_micros,
        "reorder_point": stock.reorder_point,
        "target": stock.target,
        "low": stock.low,
        "lots": [{"lot": x.lot, "expires_on": x.expires_on, "on_hand": x.on_hand} for x in stock.lots],
    }


_LEVELS = select(stock_levels).where(  # built once: it runs for every stock command
    stock_levels.c.store_id == bindparam("store_id"),
    stock_levels.c.product_id.in_(bindparam("ids", expanding=True)),
)


@dataclass
class _Open:
    version: int
    stock: S.Stock


def _opened(row, version: int | None = None) -> _Open:
    """A stream's stock and version from its row (no row: the stream has no event yet), or
    at ``version`` when it was read from the event store."""
    if version is None:
        version = 0 if row is None else row.version
    return _Open(version, stock_of_row(row))


class Books:
    """The stocks one unit of work moves: each read once, then kept here as it moves, since
    the read model takes this unit's events only when it commits."""

    def __init__(self, uow):
        self.uow = uow
        self._open: dict[tuple[str, str], _Open] = {}

    def stock(self, store_id: str, product: C.Product) -> S.Stock:
        return self._get(store_id, product.product_id).stock

    def preload(self, store_id: str, product_ids) -> None:
        """Read the stocks of several products at once (their rows in one query), taking their
        locks together, in one order: a command moving several products calls it first."""
        wanted = [pid for pid in dict.fromkeys(product_ids) if (store_id, pid) not in self._open]
        if not wanted:
            return
        serialize(self.uow.conn, *(lock_key(stream(store_id, pid)) for pid in wanted))
        rows = self.uow.conn.execute(_LEVELS, {"store_id": store_id, "ids": wanted}).all()
        levels = {row.product_id: row for row in rows}
        versions = self._rerun_versions(store_id, wanted)
        for pid in wanted:
            self._open[(store_id, pid)] = _opened(levels.get(pid), versions.get(pid))

    def _get(self, store_id: str, product_id: str) -> _Open:
        key = (store_id, product_id)
        if key not in self._open:
            serialize(self.uow.conn, lock_key(stream(store_id, product_id)))
            row = level_row(self.uow.conn, store_id, product_id)
            self._open[key] = _opened(row, self._rerun_versions(store_id, [product_id]).get(product_id))
        return self._open[key]

    def _rerun_versions(self, store_id: str, product_ids: list[str]) -> dict[str, int]:
        """On a rerun after a version conflict, the streams' versions from the event store: a
        row that missed its stream's last version (written by a replica older than the alert
        handler) must not refuse every command on the product until it is rebuilt."""
        if self.uow.attempt == 1:
            return {}
        found = self.uow.versions(stream(store_id, pid) for pid in product_ids)
        return {pid: found[stream(store_id, pid)] for pid in product_ids}

    def post(
        self,
        store_id: str,
        product: C.Product,
        moved: S.Moved,
        contract,
        by: str | None,
        reason: str | None = None,
        alert: bool = True,
        **facts,
    ) -> None:
        """Record the movement (``contract``) and the alert it raises (none for a movement
        undone in the same unit of work, which crosses nothing)."""
        opened = self._get(store_id, product.product_id)
        where = stream(store_id, product.product_id)
        self.uow.record(
            where,
            opened.version,
            contract,
            {
                "store_id": store_id,
                "product_id": product.product_id,
                "sku": product.sku,
                "unit": product.unit,
                "change": moved.change,
                "value_change": moved.value_change,
                "lots": [{"lot": x.lot, "expires_on": x.expires_on, "change": x.on_hand} for x in moved.lots],
                "negative": moved.negative,
                "reason": reason,
                "by": by,
                "stock_after": state(moved.after, product.currency),
                **facts,
            },
            store_id=store_id,
        )
        opened.stock = moved.after
        if alert:
            self._alert(store_id, product, moved)

    def levels(self, store_id: str, product: C.Product, moved: S.Moved, by: str | None) -> None:
        opened = self._get(store_id, product.product_id)
        self.uow.record(
            stream(store_id, product.product_id),
            opened.version,
            StockLevelsSet,
            {
                "store_id": store_id,
                "product_id": product.product_id,
                "sku": product.sku,
                "by": by,
                "stock_after": state(moved.after, product.currency),
            },
            store_id=store_id,
        )
        opened.stock = moved.after
        self._alert(store_id, product, moved)

    def _alert(self, store_id: str, product: C.Product, moved: S.Moved) -> None:
        if moved.alert is None:
            return
        after = moved.after
        self.uow.record(
            stream(store_id, product.product_id),
            None,
            StockLow if moved.alert == S.LOW else StockRestored,
            {
                "store_id": store_id,
                "product_id": product.product_id,
                "sku": product.sku,
                "name": product.name,
                "on_hand": after.on_hand,
                "reorder_point": after.reorder_point,
                "target": after.target,
            },
            store_id=store_id,
        )


def decided(rule, *args, **kwargs):
    """What a pure rule decides, or its refusal as the caller's 4xx."""
    try:
        return rule(*args, **kwargs)
    except Refused as error:
        raise refusal(error) from None


def receive(uow, store_id: str, wanted: dict, actor: dict) -> dict:
    """Units delivered ad hoc (not against a purchase order), with what they cost (else at the
    catalogue's cost of a pack)."""
    store_of(uow.conn, store_id)
    product, units = catalogue.quantity(uow.conn, wanted, None)
    cost = wanted.get("cost")
    if cost is not None and cost["currency"] != product.currency:
        raise Unprocessable(f"{product.sku} is costed in {product.currency}", {"cost": ["another currency"]})
    if cost is not None and cost["amount_minor"] < 0:
        raise Unprocessable("a cost is zero or more", {"cost": ["negative"]})
    lot, expires_on = wanted.get("lot"), wanted.get("expires_on")
    if product.tracks_lots and not (lot and expires_on):
        raise Unprocessable(
            f"{product.sku} is received by lot: give its lot and expiry", {"lot": ["required"]}
        )
    amount = product.cost_of(units) if cost is None else cost["amount_minor"]
    books = Books(uow)
    moved = decided(S.receive, books.stock(store_id, product), units, amount, lot, expires_on)
    books.post(
        store_id,
        product,
        moved,
        StockReceived,
        actor.get("account_id"),
        wanted.get("reason"),
        cost={"amount_minor": amount, "currency": product.currency},
        supplier_id=wanted.get("supplier_id"),
        purchase_order_id=None,
    )
    return {"product_id": product.product_id}


def scrap(uow, store_id: str, wanted: dict, actor: dict) -> dict:
    """Units thrown away (expired, damaged, a tester, lost), never more than are on hand."""
    store_of(uow.conn, store_id)
    product, units = catalogue.quantity(uow.conn, wanted, None)
    books = Books(uow)
    lot = wanted.get("lot")
    moved = decided(S.take, books.stock(store_id, product), units, False, lot, lot is not None)
    books.post(
        store_id,
        product,
        moved,
        StockScrapped,
        actor.get("account_id"),
        wanted.get("reason"),
        kind=wanted["kind"],
    )
    return {"product_id": product.product_id}


def count(uow, store_id: str, wanted: dict, actor: dict, count_id: str | None = None) -> dict:
    """A spot count of one product: the books follow the shelf. Not of a product an open
    stocktake has counted: its approval posts that count's variance, which a spot count in
    between would have posted already."""
    store_of(uow.conn, store_id)
    if wanted["counted"] == 0:
        product, counted = catalogue.named(uow.conn, wanted), 0
    else:
        product, counted = catalogue.quantity(uow.conn, wanted, None, "counted")
    taking = uow.conn.execute(
        select(stocktakes.c.stocktake_id)
        .join(stocktake_counts, stocktake_counts.c.stocktake_id == stocktakes.c.stocktake_id)
        .where(
            stocktakes.c.store_id == store_id,
            stocktakes.c.status.in_(("open", "submitted")),
            stocktake_counts.c.product_id == product.product_id,
        )
    ).scalar()
    if taking is not None:
        raise Conflict(
            f"stocktake {taking} has counted {product.sku}: count it there", {"stocktake_id": [taking]}
        )
    books = Books(uow)
    moved = decided(S.count, books.stock(store_id, product), counted)
    if moved.change == 0:
        return {"product_id": product.product_id}
    books.post(
        store_id,
        product,
        moved,
        StockAdjusted,
        actor.get("account_id"),
        wanted.get("reason"),
        counted=counted,
        count_id=count_id,
    )
    return {"product_id": product.product_id}


def set_levels(uow, store_id: str, product_id: str, wanted: dict, actor: dict) -> None:
    store_of(uow.conn, store_id)
    product = catalogue.found(uow.conn, product_id)
    books = Books(uow)
    moved = decided(
        S.levels, books.stock(store_id, product), wanted.get("reorder_point"), wanted.get("target")
    )
    books.levels(store_id, product, moved, actor.get("account_id"))


def set_policy(uow, store_id: str, allow_negative: bool, actor: dict) -> None:
    store_of(uow.conn, store_id)
    uow.record(
        f"stock-policy-{store_id}",
        uow.version(f"stock-policy-{store_id}"),
        StockPolicySet,
        {"store_id": store_id, "allow_negative": allow_negative, "by": actor.get("account_id")},
        store_id=store_id,
    )


def check_sale(conn, store_id: str, lines: list[dict], one: bool = False) -> None:
    """Refuse a sale of more packs than the store has (409), unless its policy lets stock go
    below zero; orders asks before it makes the order (or adds ``one`` line). Lines naming no
    product sold at retail are the till's to refuse."""
    if allows_negative(conn, store_id):
        return
    wanted: dict[str, tuple[C.Product, int, int]] = {}
    for n, line in enumerate(lines, start=1):
        if line.get("kind", "product") != "product":
            continue
        key, value = ("barcode", line["barcode"]) if line.get("barcode") else ("sku", line.get("ref"))
        row = conn.execute(select(catalogue.products).where(catalogue.products.c[key] == value)).first()
        if row is None or not row.active or row.use == "professional":
            continue
        product = catalogue.product_of_row(row)
        _, units, first = wanted.get(product.product_id, (product, 0, n))
        wanted[product.product_id] = (product, units + line.get("quantity", 1) * product.pack_size, first)
    for product, units, n in wanted.values():
        row = level_row(conn, store_id, product.product_id)
        on_hand = 0 if row is None else row.on_hand
        if units > on_hand:
            packs = max(on_hand, 0) // product.pack_size
            raise Conflict(
                f"{product.sku}: {packs} on hand in this store, not {units // product.pack_size}",
                {"quantity" if one else f"lines.{n}.quantity": [f"{packs} on hand"]},
            )
