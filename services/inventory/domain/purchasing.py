"""Buying stock: suppliers with their lead time and the price of each product they sell, and a
store's purchase orders to them.

A purchase order is drafted by the store (packs of products the supplier sells, at the
supplier's price), submitted, approved, sent to the supplier and received, in one delivery or
several, until all of it has come (received) or the store closes it short (closed); it can be
cancelled until something arrives. A store approves its own orders up to its approval limit;
above it, an HQ admin who did not submit it approves, or sends it back to draft with a reason.
A delivery of more than was ordered needs a reason; every unit received is costed at the
order's price, which moves the store's moving-average cost.
"""

import re
from dataclasses import dataclass, replace

from shared.refusals import Refused

DRAFT, SUBMITTED, APPROVED, SENT = "draft", "submitted", "approved", "sent"
PARTLY_RECEIVED, RECEIVED, CLOSED, CANCELLED = "partly_received", "received", "closed", "cancelled"
STATUSES = (DRAFT, SUBMITTED, APPROVED, SENT, PARTLY_RECEIVED, RECEIVED, CLOSED, CANCELLED)
ON_ORDER = (APPROVED, SENT, PARTLY_RECEIVED)  # what the supplier owes the store
MAX_LINES, MAX_PACKS, MAX_LEAD_DAYS = 200, 100_000, 365
MAX_PRICES = 500  # products a supplier's list prices (the list is replaced whole)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Supplier:
    supplier_id: str
    name: str
    email: str | None
    phone: str | None
    contact_name: str | None
    lead_time_days: int
    currency: str
    prices: tuple[tuple[str, int], ...]  # (product_id, price of a pack in minor units)
    active: bool = True

    def price_of(self, product_id: str) -> int | None:
        return next((price for pid, price in self.prices if pid == product_id), None)


def checked_supplier(supplier: Supplier) -> Supplier:
    if not supplier.name.strip():
        raise Refused("name", "a supplier has a name", conflict=False)
    if supplier.email is not None and not _EMAIL.match(supplier.email):
        raise Refused("email", "not an e-mail address", conflict=False)
    if not 0 <= supplier.lead_time_days <= MAX_LEAD_DAYS:
        raise Refused("lead_time_days", f"a lead time is 0 to {MAX_LEAD_DAYS} days", conflict=False)
    if len(supplier.prices) > MAX_PRICES:
        raise Refused("products", f"at most {MAX_PRICES} products a supplier", conflict=False)
    seen = set()
    for n, (product_id, price) in enumerate(supplier.prices, start=1):
        if product_id in seen:
            raise Refused(f"products.{n}", "a product is priced once", conflict=False)
        if price < 0:
            raise Refused(f"products.{n}.price", "a price is zero or more", conflict=False)
        seen.add(product_id)
    return supplier


@dataclass(frozen=True)
class Line:
    product_id: str
    packs: int  # ordered
    pack_size: int  # units in a pack
    price: int  # of a pack, minor units
    received: int = 0  # units

    @property
    def ordered(self) -> int:
        return self.packs * self.pack_size

    @property
    def amount(self) -> int:
        return self.packs * self.price

    @property
    def outstanding(self) -> int:
        return max(self.ordered - self.received, 0)

    def cost_of(self, units: int) -> int:
        """What ``units`` cost at the order's price of a pack, to the nearest minor unit."""
        return (self.price * units * 2 + self.pack_size) // (2 * self.pack_size)


@dataclass(frozen=True)
class Order:
    purchase_order_id: str
    store_id: str
    supplier_id: str
    currency: str
    lines: tuple[Line, ...]
    status: str = DRAFT
    submitted_by: str | None = None

    @property
    def total(self) -> int:
        return sum(x.amount for x in self.lines)


def _status(order: Order, *allowed: str) -> None:
    if order.status not in allowed:
        raise Refused(
            "status", f"purchase order {order.purchase_order_id} is {order.status.replace('_', ' ')}"
        )


def _lines(lines: tuple[Line, ...]) -> tuple[Line, ...]:
    if not lines:
        raise Refused("lines", "a purchase order orders at least one product", conflict=False)
    if len(lines) > MAX_LINES:
        raise Refused("lines", f"at most {MAX_LINES} products an order", conflict=False)
    seen = set()
    for n, line in enumerate(lines, start=1):
        if line.product_id in seen:
            raise Refused(f"lines.{n}", "a product is ordered once an order", conflict=False)
        if not 1 <= line.packs <= MAX_PACKS:
            raise Refused(f"lines.{n}.packs", f"1 to {MAX_PACKS} packs", conflict=False)
        seen.add(line.product_id)
    return lines


def draft(
    purchase_order_id: str, store_id: str, supplier: Supplier, currency: str, lines: tuple[Line, ...]
) -> Order:
    if not supplier.active:
        raise Refused("supplier_id", f"supplier {supplier.name} is no longer used", conflict=False)
    if supplier.currency != currency:
        raise Refused(
            "supplier_id",
            f"{supplier.name} sells in {supplier.currency}, the store pays in {currency}",
            conflict=False,
        )
    return Order(purchase_order_id, store_id, supplier.supplier_id, currency, _lines(lines))


def change_lines(order: Order, lines: tuple[Line, ...]) -> Order:
    _status(order, DRAFT)
    return replace(order, lines=_lines(lines))


def submit(order: Order, by: str | None, approval_limit: int | None) -> Order:
    """Approved at once if within the store's limit (None: the store has none); else it
    waits for HQ."""
    _status(order, DRAFT)
    status = APPROVED if approval_limit is not None and order.total <= approval_limit else SUBMITTED
    return replace(order, status=status, submitted_by=by)


def may_approve(order: Order, by: str | None) -> bool:
    """No one approves an order they submitted (it is above its store's limit)."""
    return by is not None and by != order.submitted_by


def approve(order: Order) -> Order:
    _status(order, SUBMITTED)
    return replace(order, status=APPROVED)


def send_back(order: Order) -> Order:
    """HQ returns it to the store to change or cancel."""
    _status(order, SUBMITTED)
    return replace(order, status=DRAFT, submitted_by=None)


def send(order: Order) -> Order:
    _status(order, APPROVED)
    return replace(order, status=SENT)


def cancel(order: Order) -> Order:
    """Until something of it arrives; afterwards it is closed."""
    _status(order, DRAFT, SUBMITTED, APPROVED, SENT)
    return replace(order, status=CANCELLED)


def close(order: Order) -> Order:
    """The rest will not come."""
    _status(order, PARTLY_RECEIVED)
    return replace(order, status=CLOSED)


def receive(order: Order, arrived: dict[str, int], reason: str | None) -> Order:
    """``arrived``: units of each product in this delivery (more than zero)."""
    _status(order, SENT, PARTLY_RECEIVED)
    if not arrived:
        raise Refused("lines", "a delivery brings at least one product", conflict=False)
    ordered = {x.product_id for x in order.lines}
    for product_id in arrived:
        if product_id not in ordered:
            raise Refused("lines", f"{product_id} is not on this purchase order", conflict=False)
    lines = []
    for line in order.lines:
        units = arrived.get(line.product_id, 0)
        total = line.received + units
        if total > line.ordered and not reason:
            message = f"{line.product_id}: {total} units received of {line.ordered} ordered; say why"
            raise Refused("reason", message, conflict=False)
        lines.append(replace(line, received=line.received + units))
    done = all(x.received >= x.ordered for x in lines)
    return replace(order, lines=tuple(lines), status=RECEIVED if done else PARTLY_RECEIVED)
