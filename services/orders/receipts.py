"""A settled order's receipt: the store, the receipt number, each line with its tax, tax
per rate, totals, how it was paid (change and tips), refunds since; as data, and as a
printable HTML page in the store's language-neutral layout."""

from html import escape

from .reads import detail
from .tables import stores

MINOR_DIGITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}


def receipt(conn, row) -> dict | None:
    """The receipt of an order, or None while it has none (not settled yet)."""
    if row.receipt_number is None:
        return None
    order = detail(conn, row)
    store = conn.execute(stores.select().where(stores.c.store_id == row.store_id)).first()
    owed = [x for x in order["lines"] if not x["cancelled"]]
    by_rate: dict[int, list[int]] = {}
    for line in owed:
        net, tax = by_rate.setdefault(line["tax_rate_bp"], [0, 0])
        by_rate[line["tax_rate_bp"]] = [net + line["net"]["amount_minor"], tax + line["tax"]["amount_minor"]]
    c = row.currency

    def money(amount):
        return {"amount_minor": amount, "currency": c}

    return {
        "receipt_number": row.receipt_number,
        "issued_on": row.receipt_date,
        "order_id": row.order_id,
        "store": {
            "store_id": row.store_id,
            "name": store.name if store is not None else row.store_id,
            "timezone": store.timezone if store is not None else None,
        },
        "customer_name": row.customer_name,
        "booking_id": row.booking_id,
        "lines": [
            {
                k: x[k]
                for k in (
                    "line_id",
                    "kind",
                    "description",
                    "quantity",
                    "unit_price",
                    "discount",
                    "discount_reason",
                    "tax_rate_bp",
                    "net",
                    "tax",
                    "gross",
                    "staff_id",
                )
            }
            for x in owed
        ],
        "tax_by_rate": [
            {"tax_rate_bp": rate, "net": money(net), "tax": money(tax)}
            for rate, (net, tax) in sorted(by_rate.items())
        ],
        "totals": {
            "net": money(sum(x["net"]["amount_minor"] for x in owed)),
            "tax": money(sum(x["tax"]["amount_minor"] for x in owed)),
            "gross": money(sum(x["gross"]["amount_minor"] for x in owed)),
        },
        "payments": [
            {k: p[k] for k in ("kind", "amount", "tendered", "change", "tip")}
            for p in order["payments"]
            if p["status"] == "captured"
        ],
        "refunds": [
            {k: r[k] for k in ("refund_id", "amount", "reason", "local_date")} for r in order["refunds"]
        ],
    }


def amount_text(money: dict) -> str:
    digits = MINOR_DIGITS.get(money["currency"], 2)
    value = money["amount_minor"]
    sign, value = ("-" if value < 0 else ""), abs(value)
    whole, part = divmod(value, 10**digits) if digits else (value, 0)
    return f"{sign}{whole:,}" + (f".{part:0{digits}d}" if digits else "") + f" {money['currency']}"


def html(r: dict) -> str:
    """The receipt as a page to print: every value escaped."""

    def row(*cells, tag="td"):
        return "<tr>" + "".join(f"<{tag}>{escape(str(c))}</{tag}>" for c in cells) + "</tr>"

    lines = "".join(
        row(
            x["description"],
            x["quantity"],
            amount_text(x["unit_price"]),
            amount_text(x["discount"]) if x["discount"]["amount_minor"] else "",
            f"{x['tax_rate_bp'] / 100:g} %",
            amount_text(x["gross"]),
        )
        for x in r["lines"]
    )
    taxes = "".join(
        row(f"{t['tax_rate_bp'] / 100:g} %", amount_text(t["net"]), amount_text(t["tax"]))
        for t in r["tax_by_rate"]
    )
    paid = "".join(
        row(
            p["kind"].replace("_", " "),
            amount_text(p["amount"]),
            f"change {amount_text(p['change'])}" if p["change"]["amount_minor"] else "",
            f"tip {amount_text(p['tip'])}" if p["tip"]["amount_minor"] else "",
        )
        for p in r["payments"]
    )
    refunds = "".join(row(x["local_date"], x["reason"], amount_text(x["amount"])) for x in r["refunds"])
    refund_table = (
        f"<h2>Refunds</h2><table>{row('Date', 'Reason', 'Amount', tag='th')}{refunds}</table>"
        if refunds
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Receipt {r["receipt_number"]}</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}
table{{width:100%;border-collapse:collapse}}
td,th{{text-align:left;padding:.2em .4em;border-bottom:1px solid #ddd}}
@media print{{body{{margin:0}}}}</style>
</head><body>
<h1>{escape(r["store"]["name"])}</h1>
<p>Receipt no. {r["receipt_number"]} · {escape(str(r["issued_on"]))} · order {escape(r["order_id"])}</p>
{f"<p>{escape(r['customer_name'])}</p>" if r["customer_name"] else ""}
<table>{row("Item", "Qty", "Price", "Discount", "Tax rate", "Amount", tag="th")}{lines}</table>
<h2>Tax</h2><table>{row("Rate", "Net", "Tax", tag="th")}{taxes}</table>
<p><strong>Total {amount_text(r["totals"]["gross"])}</strong> (net {amount_text(r["totals"]["net"])},
tax {amount_text(r["totals"]["tax"])})</p>
<h2>Paid</h2><table>{paid}</table>
{refund_table}
</body></html>
"""
