"""Retail sales as inventory follows them: orders' product lines, kept as they are created or
added at checkout (``RetailLines``), leave the store's shelf once their order is paid, each
line once. A paid sale already happened, so it is always booked: if it takes stock below zero
the movement is flagged (orders refuses a sale beyond the stock where the store's policy does
not allow it, when the line is made). Packs brought back with a refund go back on the shelf at
the average cost, or come back and are scrapped at once, so the ledger shows both."""

from sqlalchemy import select

from services.orders.contracts import OrderCreated, OrderLineAdded
from shared.projections import Projection, Upsert, on

from .catalogue import product_of_row
from .contracts import StockReturned, StockScrapped, StockSold
from .domain import stock as S
from .stock import Books
from .tables import products, retail_lines


def _row(order_id: str, store_id: str, line: dict) -> Upsert:
    return Upsert(
        retail_lines,
        {
            "order_id": order_id,
            "line_id": line["line_id"],
            "store_id": store_id,
            "sku": line["ref"],
            "quantity": line["quantity"],
        },
    )


class RetailLines(Projection):
    """Fed by orders' events, so not among inventory's replayable projections."""

    name = "retail_lines"
    tables = (retail_lines,)

    @on(OrderCreated)
    def created(self, event):
        d = event.data
        return [_row(d["order_id"], d["store_id"], x) for x in d["lines"] if x["kind"] == "product"]

    @on(OrderLineAdded)
    def added(self, event):
        d = event.data
        return [_row(d["order_id"], d["store_id"], d["line"])] if d["line"]["kind"] == "product" else []


def sell_paid(uow, paid: dict) -> int:
    """The paid order's product lines leave its store's stock; answers how many lines."""
    wanted = {x["line_id"] for x in paid["lines"] if x["kind"] == "product"}
    if not wanted:
        return 0
    lines = uow.conn.execute(
        select(retail_lines, products)
        .join(products, products.c.sku == retail_lines.c.sku)
        .where(retail_lines.c.order_id == paid["order_id"])
        .order_by(retail_lines.c.line_id)
    ).all()
    books = Books(uow)
    for store_id in {x.store_id for x in lines}:
        books.preload(
            store_id, [x.product_id for x in lines if x.line_id in wanted and x.store_id == store_id]
        )
    sold = 0
    for line in lines:
        if line.line_id not in wanted:
            continue
        product = product_of_row(line)
        units = line.quantity * product.pack_size
        moved = S.take(books.stock(line.store_id, product), units, allow_negative=True)
        books.post(
            line.store_id,
            product,
            moved,
            StockSold,
            None,
            None,
            order_id=paid["order_id"],
            line_id=line.line_id,
        )
        sold += 1
    return sold


def returned(uow, refunded: dict) -> int:
    """The refund's packs brought back: on the shelf again, or in and scrapped; answers how
    many lines."""
    wanted = {x["line_id"]: x for x in refunded["returns"]}
    if not wanted:
        return 0
    lines = uow.conn.execute(
        select(retail_lines, products)
        .join(products, products.c.sku == retail_lines.c.sku)
        .where(retail_lines.c.order_id == refunded["order_id"], retail_lines.c.line_id.in_(wanted))
        .order_by(retail_lines.c.line_id)
    ).all()
    books = Books(uow)
    for store_id in {x.store_id for x in lines}:
        books.preload(store_id, [x.product_id for x in lines if x.store_id == store_id])
    for line in lines:
        product, back = product_of_row(line), wanted[line.line_id]
        units = back["packs"] * product.pack_size
        facts = {"order_id": refunded["order_id"], "line_id": line.line_id}
        scrapped = back["to"] == "scrap"  # in and out at once: no alert either way
        moved = S.put_back(books.stock(line.store_id, product), units)
        books.post(
            line.store_id,
            product,
            moved,
            StockReturned,
            refunded["by"],
            refunded["reason"],
            alert=not scrapped,
            refund_id=refunded["refund_id"],
            **facts,
        )
        if scrapped:
            moved = S.take(books.stock(line.store_id, product), units, allow_negative=True)
            books.post(
                line.store_id,
                product,
                moved,
                StockScrapped,
                refunded["by"],
                "brought back with a refund",
                alert=False,
                kind="damaged",
            )
    return len(lines)
