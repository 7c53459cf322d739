"""At the counter: lines that staff add to an order (another service, a product, with a
discount and its reason), and the store's till settings (tax rates, thresholds).

A retail product line is priced by whoever adds it until the inventory issue gives orders
a catalogue of products to price it from; its category is "retail".
"""

import uuid

from sqlalchemy import select

from shared.errors import Unprocessable, refusal

from .contracts import OrderLineAdded, TillSettingsChanged
from .domain import history
from .domain import order as O
from .domain.lines import PRODUCT, Line, LineRefused, tax_rate
from .domain.settings import TillSettings
from .refunds import MANAGERS
from .streams import read, record, settings_of
from .tables import service_categories


def add_line(uow, order_id: str, wanted: dict, actor: dict) -> str:
    current = read(uow, order_id)
    order = current.order
    if wanted["unit_price"]["currency"] != order.currency:
        raise Unprocessable(f"the order is in {order.currency}", {"unit_price": ["wrong currency"]})
    discount = wanted.get("discount")
    if discount is not None and discount["currency"] != order.currency:
        raise Unprocessable(f"the order is in {order.currency}", {"discount": ["wrong currency"]})
    kind = wanted["kind"]
    if kind == PRODUCT:
        category = "retail"
    else:
        category = uow.conn.execute(
            select(service_categories.c.category).where(service_categories.c.service_id == wanted["ref"])
        ).scalar()
        if category is None:
            raise Unprocessable(f"no service {wanted['ref']} in the catalogue", {"ref": ["unknown service"]})
    settings = settings_of(uow.conn, order.store_id)
    line_id = wanted.get("line_id") or f"{kind}-{uuid.uuid4().hex[:12]}"
    try:
        line = Line(
            line_id,
            kind,
            wanted["ref"],
            wanted["description"],
            category,
            wanted["quantity"],
            wanted["unit_price"]["amount_minor"],
            tax_rate(settings.tax_rates_bp, category),
            0 if discount is None else discount["amount_minor"],
            wanted.get("discount_reason"),
            actor.get("account_id") if discount else None,
            wanted.get("staff_id"),
        )
        O.add_line(order, line, actor.get("role") in MANAGERS, settings.discount_manager_bp)
    except LineRefused as error:
        raise refusal(error) from None
    record(
        uow,
        current,
        OrderLineAdded,
        {
            "line": history.line_facts(line, order.currency),
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )
    return line_id


def till_stream(store_id: str) -> str:
    return f"till-{store_id}"


def set_settings(uow, store_id: str, wanted: dict, actor: dict) -> None:
    """New till settings for a store; what is not given keeps its current value."""
    now = settings_of(uow.conn, store_id).as_data()
    merged = TillSettings.from_data({**now, **{k: v for k, v in wanted.items() if v is not None}})
    uow.record(
        till_stream(store_id),
        uow.version(till_stream(store_id)),
        TillSettingsChanged,
        {"store_id": store_id, **merged.as_data(), "by": actor.get("account_id")},
        store_id=store_id,
    )
