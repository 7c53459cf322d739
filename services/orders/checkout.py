"""At the counter: lines that staff add to an order (another service, a product, with a
discount and its reason), and the store's till settings (tax rates, thresholds).

A retail product line is priced from inventory's catalogue (retail.py); its category is
"retail". A service line is priced by whoever adds it.
"""

import uuid

from sqlalchemy import select

from shared.errors import Unprocessable, refusal

from .contracts import OrderLineAdded, TillSettingsChanged
from .counter import product_line
from .domain import history
from .domain import order as O
from .domain.lines import PRODUCT, SERVICE, Line, LineRefused, tax_rate
from .domain.settings import TillSettings
from .refunds import MANAGERS
from .retail import priced
from .streams import read, record, settings_of
from .tables import service_categories


def add_line(uow, order_id: str, wanted: dict, actor: dict) -> str:
    current = read(uow, order_id)
    order = current.order
    kind = wanted["kind"]
    for name in ("unit_price", "discount"):
        if wanted.get(name) is not None and wanted[name]["currency"] != order.currency:
            raise Unprocessable(f"the order is in {order.currency}", {name: ["wrong currency"]})
    settings = settings_of(uow.conn, order.store_id)
    line_id = wanted.get("line_id") or f"{kind}-{uuid.uuid4().hex[:12]}"
    try:
        if kind == PRODUCT:
            product = priced(uow.conn, order.store_id, order.currency, wanted, "line")
            line = product_line(line_id, wanted, product, settings, actor)
        else:
            line = _service_line(uow.conn, line_id, wanted, settings, actor)
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


def _service_line(conn, line_id: str, wanted: dict, settings, actor: dict) -> Line:
    category = conn.execute(
        select(service_categories.c.category).where(service_categories.c.service_id == wanted["ref"])
    ).scalar()
    if category is None:
        raise Unprocessable(f"no service {wanted['ref']} in the catalogue", {"ref": ["unknown service"]})
    discount = wanted.get("discount")
    return Line(
        line_id,
        SERVICE,
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
