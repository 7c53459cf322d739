"""Service packages as read: HQ's catalogue, each member's bought packages with the payments
holding their sessions, and the ledger line by line, from the movements (which carry what
they moved and what is left, so no rule runs here); and the package lines orders sold, from
orders' ``OrderCreated``, which a payment turns into a bought package."""

import json

from sqlalchemy import select

from services.orders.contracts import OrderCreated
from shared.projections import Projection, Update, Upsert, on

from .contracts import (
    PackageBought,
    PackageDefined,
    PackageExpired,
    PackageHeld,
    PackageRefunded,
    PackageReleased,
    PackageRestored,
    PackageRetired,
    PackageUsed,
)
from .domain import packages as K
from .reads import ledger_page
from .tables import package_catalogue, package_holdings, package_holds, package_ledger, package_sales


class Packages(Projection):
    name = "packages"
    tables = (package_catalogue, package_holdings, package_holds, package_ledger)

    @on(PackageDefined)
    def defined(self, event):
        d = event.data
        return Upsert(
            package_catalogue,
            {
                "package_id": d["package_id"],
                "name": d["name"],
                "service_id": d["service_id"],
                "sessions": d["sessions"],
                "price_minor": d["price"]["amount_minor"],
                "currency": d["price"]["currency"],
                "valid_days": d["valid_days"],
                "stores": json.dumps(d["stores"]),
                "retired": False,
                "defined_at": event.time,
                "version": event.streamversion,
            },
        )

    @on(PackageRetired)
    def retired(self, event):
        return Update(
            package_catalogue,
            {"package_id": event.data["package_id"]},
            {"retired": True, "version": event.streamversion},
        )

    def _line(self, event, kind: str, sign: int, **holding) -> list:
        d = event.data
        return [
            Update(
                package_holdings,
                {"holding_id": d["holding_id"]},
                {
                    "sessions_left": d["sessions_left_after"],
                    "value_left": d["value_left_after"]["amount_minor"],
                    "held": d["held_after"],
                    **holding,
                },
            ),
            Upsert(
                package_ledger,
                {
                    "member_id": d["member_id"],
                    "version": event.streamversion,
                    "holding_id": d["holding_id"],
                    "kind": kind,
                    "sessions": sign * d["sessions"],
                    "value_minor": sign * d["value"]["amount_minor"],
                    "sessions_left_after": d["sessions_left_after"],
                    "value_left_after": d["value_left_after"]["amount_minor"],
                    "currency": d["value"]["currency"],
                    "order_id": d["order_id"],
                    "store_id": d["store_id"],
                    "reference": d.get("reference"),
                    "at": event.time,
                },
            ),
        ]

    @on(PackageBought)
    def bought(self, event):
        d = event.data
        return [
            Upsert(
                package_holdings,
                {
                    "holding_id": d["holding_id"],
                    "member_id": d["member_id"],
                    "package_id": d["package_id"],
                    "name": d["name"],
                    "service_id": d["service_id"],
                    "order_id": d["order_id"],
                    "store_id": d["store_id"],
                    "works_in": json.dumps(d["works_in"]),
                    "sessions": d["sessions"],
                    "sessions_left": d["sessions_left_after"],
                    "held": 0,
                    "price_minor": d["price"]["amount_minor"],
                    "value_left": d["value_left_after"]["amount_minor"],
                    "currency": d["price"]["currency"],
                    "refunded": False,
                    "lapsed": False,
                    "credit": 0,
                    "bought_at": d["bought_at"],
                    "expires_at": d["expires_at"],
                },
            )
        ] + self._line(event, "bought", +1)

    @on(PackageHeld)
    def held(self, event):
        d = event.data
        return [
            Update(package_holdings, {"holding_id": d["holding_id"]}, {"held": d["held_after"]}),
            Upsert(
                package_holds,
                {
                    "reference": d["reference"],
                    "holding_id": d["holding_id"],
                    "member_id": d["member_id"],
                    "purpose": d["purpose"],
                    "sessions": d["sessions"],
                    "order_id": d["order_id"],
                    "store_id": d["store_id"],
                    "amount_minor": d["amount"]["amount_minor"],
                    "currency": d["amount"]["currency"],
                    "status": "held",
                    "restored_by": None,
                },
            ),
        ]

    @on(PackageReleased)
    def released(self, event):
        d = event.data
        return [
            Update(package_holdings, {"holding_id": d["holding_id"]}, {"held": d["held_after"]}),
            Update(package_holds, {"reference": d["reference"]}, {"status": "voided"}),
        ]

    @on(PackageUsed)
    def used(self, event):
        captured = Update(package_holds, {"reference": event.data["reference"]}, {"status": "captured"})
        return self._line(event, "used", -1) + [captured]

    @on(PackageRestored)
    def restored(self, event):
        d = event.data
        back = Update(package_holds, {"reference": d["reference"]}, {"restored_by": d["refund_ref"]})
        return self._line(event, "restored", +1) + [back]

    @on(PackageRefunded)
    def refunded(self, event):
        captured = Update(package_holds, {"reference": event.data["reference"]}, {"status": "captured"})
        d = event.data
        closed = d["sessions_left_after"] == 0
        credit = d["credit_after"]["amount_minor"]
        return self._line(event, "refunded", -1, refunded=closed, credit=credit) + [captured]

    @on(PackageExpired)
    def expired(self, event):
        return self._line(event, "expired", -1, lapsed=True, credit=0)


class SoldPackages(Projection):
    """The packages each order sold to a member, with their terms as sold, from orders'
    ``OrderCreated``: what its payment gives the member."""

    name = "package_sales"
    tables = (package_sales,)

    @on(OrderCreated)
    def created(self, event):
        d = event.data
        if d["customer_id"] is None:
            return []
        return [
            Upsert(
                package_sales,
                {
                    "order_id": d["order_id"],
                    "line_id": x["line_id"],
                    "member_id": d["customer_id"],
                    "store_id": d["store_id"],
                    "terms": json.dumps(x["package"], sort_keys=True),
                    "price_minor": x["gross"]["amount_minor"],
                    "currency": x["gross"]["currency"],
                },
            )
            for x in d["lines"]
            if x["kind"] == "package"
        ]


def package_of_row(row) -> K.Package:
    return K.Package(
        row.package_id,
        row.name,
        row.service_id,
        row.sessions,
        row.price_minor,
        row.currency,
        row.valid_days,
        tuple(json.loads(row.stores)),
        bool(row.retired),
    )


def _money(amount: int, currency: str) -> dict:
    return {"amount_minor": amount, "currency": currency}


def package_view(row) -> dict:
    return {
        "package_id": row.package_id,
        "name": row.name,
        "service_id": row.service_id,
        "sessions": row.sessions,
        "price": _money(row.price_minor, row.currency),
        "valid_days": row.valid_days,
        "stores": json.loads(row.stores),
        "retired": bool(row.retired),
        "defined_at": row.defined_at,
    }


def catalogue(conn, store_id: str | None, retired: bool, limit: int, offset: int) -> dict:
    """HQ's packages by name; with ``store_id``, those sold there."""
    rows = conn.execute(
        select(package_catalogue).order_by(package_catalogue.c.name, package_catalogue.c.package_id)
    ).all()
    chosen = [
        x
        for x in rows
        if (retired or not x.retired) and (store_id is None or K.in_stores(json.loads(x.stores), store_id))
    ]
    return {
        "items": [package_view(x) for x in chosen[offset : offset + limit]],
        "total": len(chosen),
        "limit": limit,
        "offset": offset,
    }


def member_view(conn, member_id: str, limit: int, offset: int, now: str) -> dict:
    """A member's packages (newest first, with what is left and worth), what is still owed per
    currency, and the ledger, newest first."""
    holdings = conn.execute(
        select(package_holdings)
        .where(package_holdings.c.member_id == member_id)
        .order_by(package_holdings.c.bought_at.desc(), package_holdings.c.holding_id)
    ).all()
    owed: dict[str, int] = {}
    for x in holdings:
        owed[x.currency] = owed.get(x.currency, 0) + x.value_left
    total, lines = ledger_page(conn, package_ledger, member_id, limit, offset)
    return {
        "member_id": member_id,
        "outstanding": [_money(n, c) for c, n in sorted(owed.items())],
        "packages": [
            {
                "holding_id": x.holding_id,
                "package_id": x.package_id,
                "name": x.name,
                "service_id": x.service_id,
                "order_id": x.order_id,
                "sold_at": x.store_id,
                "works_in": json.loads(x.works_in),
                "sessions": x.sessions,
                "sessions_left": x.sessions_left,
                "sessions_held": x.held,
                "price": _money(x.price_minor, x.currency),
                "value_left": _money(x.value_left, x.currency),
                "bought_at": x.bought_at,
                "expires_at": x.expires_at,
                "status": holding_of_row(x, ()).status(now),
            }
            for x in holdings
        ],
        "ledger": {
            "items": [
                {
                    "holding_id": x.holding_id,
                    "kind": x.kind,
                    "sessions": x.sessions,
                    "value": _money(x.value_minor, x.currency),
                    "sessions_left_after": x.sessions_left_after,
                    "value_left_after": _money(x.value_left_after, x.currency),
                    "order_id": x.order_id,
                    "store_id": x.store_id,
                    "reference": x.reference,
                    "at": x.at,
                }
                for x in lines
            ],
            "total": total,
            "limit": limit,
            "offset": offset,
        },
    }


def holding_of_row(row, holds) -> K.Holding:
    return K.Holding(
        row.holding_id,
        row.service_id,
        tuple(json.loads(row.works_in)),
        row.sessions,
        row.price_minor,
        row.currency,
        row.expires_at,
        row.bought_at,
        row.sessions_left,
        tuple(K.Hold(h.reference, h.sessions, h.purpose) for h in holds),
        bool(row.refunded),
        bool(row.lapsed),
        row.credit,
    )
