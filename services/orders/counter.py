"""Sales at the counter: an order without a booking, for a walk-in or a member, of retail
products (priced from inventory's catalogue, by SKU or barcode: retail.py), of top-ups
of a member's stored value card and of service packages. The members service says what a
top-up gives (its bonus) and what a package is (its price and terms), asked before the
order's transaction, so the line records what the member was offered; the card is loaded,
or the package given, once the order is paid (members follows ``OrderPaid``).
"""

from datetime import datetime

from shared.errors import NotFound, Unprocessable, refusal

from .contracts import OrderCreated
from .domain import history
from .domain.lines import PACKAGE, PRODUCT, TOP_UP, Line, LineRefused, discount_needs_manager, tax_rate
from .domain.order import Order
from .refunds import MANAGERS
from .retail import Priced, priced
from .streams import local_today, order_stream, settings_of, store_of

TOP_UP_CATEGORY, PACKAGE_CATEGORY = "stored_value", "package"


def _shown(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _package(n: int, offer: dict) -> Line:
    terms = history.terms_of(offer)
    return Line(
        f"{PACKAGE}-{n}",
        PACKAGE,
        terms.package_id,
        f"{terms.name} ({terms.sessions} sessions, valid {terms.valid_days} days)",
        PACKAGE_CATEGORY,
        1,
        offer["price"]["amount_minor"],
        0,
        package=terms,
    )


def _line(n: int, wanted: dict, currency: str, settings, offer: dict | None, actor: dict) -> Line:
    if wanted["kind"] == PACKAGE:
        return _package(n, offer)
    if wanted["kind"] == TOP_UP:
        bonus = offer["bonus"]["amount_minor"]
        amount = wanted["amount"]
        return Line(
            f"top_up-{n}",
            TOP_UP,
            "stored_value",
            f"Card top-up {_shown(amount['amount_minor'])} {currency}"
            + (f" (+{_shown(bonus)} bonus)" if bonus else ""),
            TOP_UP_CATEGORY,
            1,
            amount["amount_minor"],
            0,
            bonus=bonus,
        )
    return product_line(f"{PRODUCT}-{n}", wanted, offer, settings, actor)


def product_line(line_id: str, wanted: dict, product: Priced, settings, actor: dict) -> Line:
    """A retail line of packs of ``product``, at its price in the store."""
    discount = wanted.get("discount")
    return Line(
        line_id,
        PRODUCT,
        product.sku,
        product.name,
        "retail",
        wanted.get("quantity", 1),
        product.unit_price,
        tax_rate(settings.tax_rates_bp, "retail"),
        0 if discount is None else discount["amount_minor"],
        wanted.get("discount_reason"),
        actor.get("account_id") if discount else None,
        wanted.get("staff_id"),
    )


def offers(sale: dict, top_up_offer, package_offer) -> list[dict | None]:
    """Members' answer for each line whose value it keeps (``top_up_offer(member, store,
    amount)``, ``package_offer(member, store, package_id)``: its RPCs), None for a product."""
    member, store = sale.get("customer_id"), sale["store_id"]
    return [
        top_up_offer(member, store, line["amount"])
        if line["kind"] == TOP_UP
        else package_offer(member, store, line["package_id"])
        if line["kind"] == PACKAGE
        else None
        for line in sale["lines"]
    ]


def sell(uow, order_id: str, wanted: dict, actor: dict, offers: list, now: datetime) -> str:
    """Record the sale's ``OrderCreated``; ``offers`` has members' answer for each line (a
    top-up's bonus, a package's terms; None for a product, which the till prices itself)."""
    if uow.version(order_stream(order_id)) != 0:
        return order_id
    store = store_of(uow.conn, wanted["store_id"])
    if store is None:
        raise NotFound(f"orders knows no store {wanted['store_id']}", {"store_id": wanted["store_id"]})
    if store.status != "open":
        raise Unprocessable(f"store {store.store_id} is closed", {"store_id": ["closed"]})
    for n, (line, offer) in enumerate(zip(wanted["lines"], offers, strict=True), start=1):
        given = {**line, "price": offer["price"]} if line["kind"] == PACKAGE else line
        for name in ("amount", "unit_price", "discount", "price"):
            if given.get(name) is not None and given[name]["currency"] != store.currency:
                raise Unprocessable(
                    f"the store sells in {store.currency}", {f"lines.{n}.{name}": [f"not {store.currency}"]}
                )
    offers = [
        priced(uow.conn, store.store_id, store.currency, line, f"lines.{n}")
        if line["kind"] == PRODUCT
        else offer
        for n, (line, offer) in enumerate(zip(wanted["lines"], offers, strict=True), start=1)
    ]
    settings = settings_of(uow.conn, store.store_id)
    try:
        lines = tuple(
            _line(n, x, store.currency, settings, offer, actor)
            for n, (x, offer) in enumerate(zip(wanted["lines"], offers, strict=True), start=1)
        )
        manager = actor.get("role") in MANAGERS
        if any(
            x.discount and not manager and discount_needs_manager(x, settings.discount_manager_bp)
            for x in lines
        ):
            raise LineRefused("discount", "a discount this large needs a store manager")
    except LineRefused as error:
        raise refusal(error) from None
    order = Order(order_id, store.store_id, store.currency, wanted.get("customer_id"), lines=lines)
    uow.record(
        order_stream(order_id),
        0,
        OrderCreated,
        history.created_facts(order, local_today(uow.conn, store.store_id, now), actor.get("account_id")),
        store_id=store.store_id,
    )
    return order_id
