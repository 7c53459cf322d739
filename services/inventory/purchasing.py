"""Commands on suppliers and purchase orders (the rules are in domain/purchasing.py): HQ's
suppliers and their prices, a store's approval limit, and a store's purchase orders from
draft to received.

A purchase order is one stream. A delivery appends to it and to the stock stream of every
product it brings (``StockReceived`` at the order's price, naming the order), in one unit of
work at the versions read: two deliveries racing on one order, or a delivery racing a sale,
append one after the other or decide again, so nothing is received twice or lost.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shared.db import lock_key, serialize
from shared.errors import Forbidden, NotFound, Unprocessable

from . import catalogue
from .contracts import (
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderChanged,
    PurchaseOrderClosed,
    PurchaseOrderDrafted,
    PurchaseOrderReceived,
    PurchaseOrderReturned,
    PurchaseOrderSent,
    PurchaseOrderSubmitted,
    PurchasingPolicySet,
    StockReceived,
    SupplierChanged,
    SupplierDefined,
)
from .domain import purchasing as P
from .domain import stock as S
from .stock import Books, decided, store_of
from .tables import purchase_order_lines, purchase_orders, purchasing_policies, supplier_prices, suppliers

SUPPLIER_FIELDS = ("name", "email", "phone", "contact_name", "lead_time_days", "active")


# --- suppliers --------------------------------------------------------------------------------


def supplier_stream(supplier_id: str) -> str:
    return f"supplier-{supplier_id}"


def supplier_of(conn, supplier_id: str) -> tuple[P.Supplier, int]:
    row = conn.execute(select(suppliers).where(suppliers.c.supplier_id == supplier_id)).first()
    if row is None:
        raise NotFound(f"no supplier {supplier_id}", {"supplier_id": supplier_id})
    prices = conn.execute(
        select(supplier_prices.c.product_id, supplier_prices.c.price_minor)
        .where(supplier_prices.c.supplier_id == supplier_id)
        .order_by(supplier_prices.c.position)
    ).all()
    supplier = P.Supplier(
        row.supplier_id,
        row.name,
        row.email,
        row.phone,
        row.contact_name,
        row.lead_time_days,
        row.currency,
        tuple((p.product_id, p.price_minor) for p in prices),
        row.active,
    )
    return supplier, row.version


def _prices(conn, wanted: list[dict], currency: str) -> tuple[tuple[str, int], ...]:
    prices = []
    for n, item in enumerate(wanted, start=1):
        product = catalogue.named(conn, item, f"products.{n}")
        price = item["price"]
        if price["currency"] != currency or product.currency != currency:
            raise Unprocessable(
                f"{product.sku} is priced in {product.currency}; the supplier sells in {currency}",
                {f"products.{n}.price": ["another currency"]},
            )
        prices.append((product.product_id, price["amount_minor"]))
    return tuple(prices)


def _record_supplier(uow, version: int, contract, supplier: P.Supplier, actor: dict) -> None:
    skus = {pid: catalogue.found(uow.conn, pid).sku for pid, _ in supplier.prices}
    uow.record(
        supplier_stream(supplier.supplier_id),
        version,
        contract,
        {
            "supplier_id": supplier.supplier_id,
            **{k: getattr(supplier, k) for k in SUPPLIER_FIELDS},
            "currency": supplier.currency,
            "products": [
                {"product_id": pid, "sku": skus[pid], "price": catalogue.money(price, supplier.currency)}
                for pid, price in supplier.prices
            ],
            "by": actor.get("account_id"),
        },
    )


def define_supplier(uow, supplier_id: str, wanted: dict, actor: dict) -> None:
    if uow.version(supplier_stream(supplier_id)):
        return  # the same request again (its id came from its idempotency key)
    currency = wanted["currency"]
    supplier = P.Supplier(
        supplier_id,
        wanted["name"],
        wanted.get("email"),
        wanted.get("phone"),
        wanted.get("contact_name"),
        wanted["lead_time_days"],
        currency,
        _prices(uow.conn, wanted.get("products", []), currency),
    )
    _record_supplier(uow, 0, SupplierDefined, decided(P.checked_supplier, supplier), actor)


def change_supplier(uow, supplier_id: str, changes: dict, actor: dict) -> None:
    """Its contact, lead time, prices (the list replaces the one before) or whether it is used."""
    supplier, version = supplier_of(uow.conn, supplier_id)
    changed = replace(supplier, **{k: changes[k] for k in SUPPLIER_FIELDS if k in changes})
    if "products" in changes:
        changed = replace(changed, prices=_prices(uow.conn, changes["products"], supplier.currency))
    _record_supplier(uow, version, SupplierChanged, decided(P.checked_supplier, changed), actor)


# --- a store's approval limit -----------------------------------------------------------------


def approval_limit(conn, store_id: str) -> int | None:
    """Up to this total a store approves its own purchase orders (None: none set, every
    order goes to HQ)."""
    return conn.execute(
        select(purchasing_policies.c.approval_limit_minor).where(purchasing_policies.c.store_id == store_id)
    ).scalar()


def set_approval_limit(uow, store_id: str, limit: dict, actor: dict) -> None:
    store = store_of(uow.conn, store_id)
    if limit["currency"] != store.currency:
        raise Unprocessable(
            f"store {store_id} pays in {store.currency}", {"approval_limit": ["another currency"]}
        )
    if limit["amount_minor"] < 0:
        raise Unprocessable("a limit is zero or more", {"approval_limit": ["negative"]})
    where = f"purchasing-policy-{store_id}"
    uow.record(
        where,
        uow.version(where),
        PurchasingPolicySet,
        {"store_id": store_id, "approval_limit": limit, "by": actor.get("account_id")},
        store_id=store_id,
    )


# --- purchase orders --------------------------------------------------------------------------


def stream(purchase_order_id: str) -> str:
    return f"purchase-order-{purchase_order_id}"


def loaded(conn, purchase_order_id: str, store_id: str) -> tuple[P.Order, int, object]:
    """The store's purchase order, its version and its row (404 for another store's), under
    its lock: its header and lines are then read as one commit left them."""
    serialize(conn, lock_key(stream(purchase_order_id)))
    row = conn.execute(
        select(purchase_orders).where(purchase_orders.c.purchase_order_id == purchase_order_id)
    ).first()
    if row is None or row.store_id != store_id:
        raise NotFound(
            f"store {store_id} has no purchase order {purchase_order_id}",
            {"purchase_order_id": purchase_order_id},
        )
    rows = conn.execute(
        select(purchase_order_lines)
        .where(purchase_order_lines.c.purchase_order_id == purchase_order_id)
        .order_by(purchase_order_lines.c.position)
    ).all()
    lines = tuple(P.Line(x.product_id, x.packs, x.pack_size, x.price_minor, x.received) for x in rows)
    order = P.Order(
        row.purchase_order_id,
        row.store_id,
        row.supplier_id,
        row.currency,
        lines,
        row.status,
        row.submitted_by,
    )
    return order, row.version, row


def _order_lines(conn, supplier: P.Supplier, wanted: list[dict]) -> tuple[P.Line, ...]:
    lines = []
    for n, item in enumerate(wanted, start=1):
        product = catalogue.named(conn, item, f"lines.{n}")
        price = supplier.price_of(product.product_id)
        if price is None:
            raise Unprocessable(
                f"{supplier.name} does not sell {product.sku}",
                {f"lines.{n}.sku": ["not sold by this supplier"]},
            )
        if not product.active:
            raise Unprocessable(f"{product.sku} is no longer active", {f"lines.{n}.sku": ["inactive"]})
        lines.append(P.Line(product.product_id, item["packs"], product.pack_size, price))
    return tuple(lines)


def _record(uow, version, contract, order: P.Order, actor: dict, reason=None, expected_on=None, delivered=()):
    products = {x.product_id: catalogue.found(uow.conn, x.product_id) for x in order.lines}
    uow.record(
        stream(order.purchase_order_id),
        version,
        contract,
        {
            "purchase_order_id": order.purchase_order_id,
            "store_id": order.store_id,
            "supplier_id": order.supplier_id,
            "currency": order.currency,
            "status": order.status,
            "lines": [
                {
                    "product_id": x.product_id,
                    "sku": products[x.product_id].sku,
                    "unit": products[x.product_id].unit,
                    "packs": x.packs,
                    "pack_size": x.pack_size,
                    "price": x.price,
                    "ordered": x.ordered,
                    "received": x.received,
                }
                for x in order.lines
            ],
            "total": catalogue.money(order.total, order.currency),
            "submitted_by": order.submitted_by,
            "expected_on": expected_on,
            "delivered": list(delivered),
            "by": actor.get("account_id"),
            "reason": reason,
        },
        store_id=order.store_id,
    )


def draft(uow, purchase_order_id: str, store_id: str, wanted: dict, actor: dict) -> None:
    if uow.version(stream(purchase_order_id)):
        return
    store = store_of(uow.conn, store_id, open_only=True)
    supplier, _ = supplier_of(uow.conn, wanted["supplier_id"])
    lines = _order_lines(uow.conn, supplier, wanted["lines"])
    order = decided(P.draft, purchase_order_id, store_id, supplier, store.currency, lines)
    _record(uow, 0, PurchaseOrderDrafted, order, actor, wanted.get("note"))


def change_lines(uow, purchase_order_id: str, store_id: str, wanted: list[dict], actor: dict) -> None:
    order, version, _ = loaded(uow.conn, purchase_order_id, store_id)
    supplier, _ = supplier_of(uow.conn, order.supplier_id)
    changed = decided(P.change_lines, order, _order_lines(uow.conn, supplier, wanted))
    _record(uow, version, PurchaseOrderChanged, changed, actor)


def submit(uow, purchase_order_id: str, store_id: str, actor: dict) -> None:
    order, version, _ = loaded(uow.conn, purchase_order_id, store_id)
    submitted = decided(P.submit, order, actor.get("account_id"), approval_limit(uow.conn, store_id))
    _record(uow, version, PurchaseOrderSubmitted, submitted, actor)


def approve(uow, purchase_order_id: str, store_id: str, actor: dict) -> None:
    """HQ's approval of an order above its store's limit, never by the one who submitted it."""
    order, version, _ = loaded(uow.conn, purchase_order_id, store_id)
    approved = decided(P.approve, order)
    if not P.may_approve(order, actor.get("account_id")):
        raise Forbidden(
            "you submitted this purchase order: another HQ admin approves it", {"approver": ["submitter"]}
        )
    _record(uow, version, PurchaseOrderApproved, approved, actor)


def send_back(uow, purchase_order_id: str, store_id: str, reason: str, actor: dict) -> None:
    order, version, _ = loaded(uow.conn, purchase_order_id, store_id)
    _record(uow, version, PurchaseOrderReturned, decided(P.send_back, order), actor, reason)


def send(uow, purchase_order_id: str, store_id: str, actor: dict, now: datetime | None = None) -> None:
    """Ordered from the supplier: expected after its lead time."""
    order, version, _ = loaded(uow.conn, purchase_order_id, store_id)
    sent = decided(P.send, order)
    supplier, _ = supplier_of(uow.conn, order.supplier_id)
    expected = ((now or datetime.now(UTC)) + timedelta(days=supplier.lead_time_days)).date().isoformat()
    _record(uow, version, PurchaseOrderSent, sent, actor, expected_on=expected)


def cancel(uow, purchase_order_id: str, store_id: str, reason: str | None, actor: dict) -> None:
    order, version, row = loaded(uow.conn, purchase_order_id, store_id)
    _record(uow, version, PurchaseOrderCancelled, decided(P.cancel, order), actor, reason, row.expected_on)


def close(uow, purchase_order_id: str, store_id: str, reason: str | None, actor: dict) -> None:
    order, version, row = loaded(uow.conn, purchase_order_id, store_id)
    _record(uow, version, PurchaseOrderClosed, decided(P.close, order), actor, reason, row.expected_on)


def receive(uow, purchase_order_id: str, store_id: str, wanted: dict, actor: dict) -> None:
    """A delivery: its units enter the store's stock at the order's price."""
    order, version, row = loaded(uow.conn, purchase_order_id, store_id)
    arrived, details = {}, {}
    for n, item in enumerate(wanted["lines"], start=1):
        product, units = catalogue.quantity(uow.conn, item, f"lines.{n}")
        if product.product_id in arrived:
            raise Unprocessable(f"{product.sku} is named twice", {f"lines.{n}": ["twice"]})
        if product.tracks_lots and not (item.get("lot") and item.get("expires_on")):
            raise Unprocessable(
                f"{product.sku} is received by lot: give its lot and expiry", {f"lines.{n}.lot": ["required"]}
            )
        arrived[product.product_id] = units
        details[product.product_id] = (product, item.get("lot"), item.get("expires_on"))
    reason = wanted.get("reason")
    received = decided(P.receive, order, arrived, reason)
    books, delivered = Books(uow), []
    books.preload(store_id, list(arrived))
    for line in order.lines:
        units = arrived.get(line.product_id)
        if not units:
            continue
        product, lot, expires_on = details[line.product_id]
        cost = line.cost_of(units)
        moved = decided(S.receive, books.stock(store_id, product), units, cost, lot, expires_on)
        books.post(
            store_id,
            product,
            moved,
            StockReceived,
            actor.get("account_id"),
            reason,
            cost=catalogue.money(cost, order.currency),
            supplier_id=order.supplier_id,
            purchase_order_id=purchase_order_id,
        )
        delivered.append({"product_id": line.product_id, "units": units, "cost": cost})
    _record(uow, version, PurchaseOrderReceived, received, actor, reason, row.expected_on, delivered)
