"""Commands on service packages (the rules are in domain/packages.py): HQ's catalogue (a
package defined, retired), the terms orders asks for before it sells one, the package given
to the member once its order is paid, and its sessions lapsing at its expiry.

Everything about one member's packages takes the member's packages lock, then reads them
from the read models, which every movement keeps current in its own transaction: two
payments reaching for the last session are decided one after the other, from replicas too.
"""

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from shared.db import lock_key, serialize
from shared.envelope import utc_iso
from shared.errors import Conflict, NotFound, Unprocessable, refusal
from shared.personal import refuse_erased
from shared.refusals import Refused

from .contracts import PackageBought, PackageDefined, PackageExpired, PackageRetired
from .domain import packages as K
from .package_views import holding_of_row, package_of_row, package_view
from .points import is_member
from .tables import package_catalogue, package_holdings, package_holds, package_sales

EXPIRY = "package-expiry"
EXPIRY_RECHECK = timedelta(minutes=15)  # an orders payment holds a session at most this long


def stream(member_id: str) -> str:
    return f"packages-{member_id}"


def catalogue_stream(package_id: str) -> str:
    return f"package-{package_id}"


def money(amount: int, currency: str) -> dict:
    return {"amount_minor": amount, "currency": currency}


def package_row(conn, package_id: str):
    return conn.execute(select(package_catalogue).where(package_catalogue.c.package_id == package_id)).first()


def found(conn, package_id: str):
    row = package_row(conn, package_id)
    if row is None:
        raise NotFound(f"no package {package_id}", {"package_id": package_id})
    return row


def define(uow, package_id: str, wanted: dict, actor: dict) -> None:
    """A package in HQ's catalogue; its terms never change (retire it and define another),
    so a package sold is always what the catalogue says it was."""
    if uow.version(catalogue_stream(package_id)) != 0:
        raise Conflict(f"package {package_id} exists", {"package_id": package_id})
    price = wanted["price"]
    try:
        terms = K.defined(
            K.Package(
                package_id,
                wanted["name"],
                wanted["service_id"],
                wanted["sessions"],
                price["amount_minor"],
                price["currency"],
                wanted["valid_days"],
                tuple(wanted.get("stores") or ()),
            )
        )
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        catalogue_stream(package_id),
        0,
        PackageDefined,
        {
            "package_id": package_id,
            "name": terms.name,
            "service_id": terms.service_id,
            "sessions": terms.sessions,
            "price": money(terms.price, terms.currency),
            "valid_days": terms.valid_days,
            "stores": list(terms.stores),
            "by": actor.get("account_id"),
        },
    )


def retire(uow, package_id: str, actor: dict) -> None:
    """No longer sold; the packages members bought keep working until they expire."""
    serialize(uow.conn, lock_key(catalogue_stream(package_id)))
    if found(uow.conn, package_id).retired:
        return
    uow.record(
        catalogue_stream(package_id),
        uow.version(catalogue_stream(package_id)),
        PackageRetired,
        {"package_id": package_id, "by": actor.get("account_id")},
    )


def offer(conn, member_id: str | None, store_id: str, package_id: str) -> dict:
    """The terms a package sold now at ``store_id`` carries (orders writes them on the line);
    refused for a walk-in, an unknown member, an unknown or retired package, or one not sold
    in the store."""
    if not is_member(conn, member_id):
        raise Unprocessable(
            "a package is a member's: give a member it is for", {"customer_id": ["not a member"]}
        )
    refuse_erased(conn, member_id)
    row = package_row(conn, package_id)
    if row is None:
        raise Unprocessable(f"no package {package_id}", {"package_id": ["unknown package"]})
    try:
        package_of_row(row).sellable(store_id)
    except Refused as error:
        raise refusal(error) from None
    return package_view(row)


def holdings(uow, member_id: str) -> list[K.Holding]:
    """The member's packages, locked: call before deciding anything on them."""
    serialize(uow.conn, lock_key(stream(member_id)))
    return holdings_of(uow.conn, member_id)


def holdings_of(conn, member_id: str) -> list[K.Holding]:
    rows = conn.execute(select(package_holdings).where(package_holdings.c.member_id == member_id)).all()
    held = conn.execute(
        select(package_holds).where(package_holds.c.member_id == member_id, package_holds.c.status == "held")
    ).all()
    return [holding_of_row(x, [h for h in held if h.holding_id == x.holding_id]) for x in rows]


def movement(member_id: str, before: K.Holding | None, after: K.Holding, sessions: int, **facts) -> dict:
    """What a movement of ``sessions`` (in or out) from ``before`` (none: bought) to ``after``
    carries."""
    c = after.currency
    moved = after.value_left - (0 if before is None else before.value_left)
    return {
        "member_id": member_id,
        "holding_id": after.holding_id,
        "sessions": sessions,
        "value": money(abs(moved), c),
        "sessions_left_after": after.left,
        "value_left_after": money(after.value_left, c),
        "held_after": after.held,
        **facts,
    }


def record(uow, member_id: str, contract, data: dict) -> None:
    uow.record(stream(member_id), uow.version(stream(member_id)), contract, data)


def holding_id(order_id: str, line_id: str) -> str:
    return f"{order_id}:{line_id}"


def schedule_expiry(uow, member_id: str, holding: str, at: datetime) -> None:
    uow.schedule(f"{EXPIRY}:{holding}", EXPIRY, at, {"member_id": member_id, "holding_id": holding})


def load_paid(uow, paid: dict, now: datetime, paid_at: str | None = None) -> None:
    """A paid order that sold packages gives them to the member, each once, valid from when
    it was paid (``paid_at``, the event's time; else ``now``) however late this runs."""
    sold = uow.conn.execute(select(package_sales).where(package_sales.c.order_id == paid["order_id"])).all()
    if not sold:
        return
    current = holdings(uow, sold[0].member_id)
    for line in sold:
        hid = holding_id(line.order_id, line.line_id)
        if any(h.holding_id == hid for h in current):
            continue
        terms = json.loads(line.terms)
        start = now if paid_at is None else datetime.fromisoformat(paid_at.replace("Z", "+00:00"))
        expires = start + timedelta(days=terms["valid_days"])
        after = K.bought(terms, line.price_minor, line.currency, hid, utc_iso(start), utc_iso(expires))
        record(
            uow,
            line.member_id,
            PackageBought,
            movement(
                line.member_id,
                None,
                after,
                after.sessions,
                order_id=line.order_id,
                store_id=line.store_id,
                package_id=terms["package_id"],
                name=terms["name"],
                service_id=terms["service_id"],
                works_in=list(terms["stores"]),
                price=money(line.price_minor, line.currency),
                bought_at=after.bought_at,
                expires_at=after.expires_at,
            ),
        )
        schedule_expiry(uow, line.member_id, hid, expires)


def expire(uow, member_id: str, holding: str, now: datetime) -> None:
    """The package's date has come: its sessions left lapse; while a payment holds one, once
    it has settled."""
    current = next((h for h in holdings(uow, member_id) if h.holding_id == holding), None)
    if current is None or current.refunded or current.left == 0:
        return
    if current.held:
        schedule_expiry(uow, member_id, holding, now + EXPIRY_RECHECK)
        return
    after = K.expire(current)
    facts = movement(member_id, current, after, current.left, order_id=None, store_id=None)
    record(uow, member_id, PackageExpired, facts)
