"""Commands on the calendar's reference entities: stores, staff, resources, the catalogue.

Each entity is its own stream (``store-<id>``, ``staff-<id>``, ...) whose events carry its
whole state, so the current state is the last event's data and an update is a merge of
the caller's changes onto it, recorded at the version the caller read (``If-Match``).
"""
from dataclasses import dataclass
from datetime import datetime

from shared.contracts import EventContract
from shared.envelope import utc_iso
from shared.errors import Conflict, NotFound, PreconditionFailed, Unprocessable

from . import reads
from .contracts import (
    PriceChanged,
    ResourceAdded,
    ResourceUpdated,
    ServiceListed,
    ServiceUpdated,
    StaffHired,
    StaffLetGo,
    StaffUpdated,
    StoreClosed,
    StoreOpened,
    StoreReopened,
    StoreUpdated,
)
from .domain.lifecycle import OPEN_STATUSES

NOT_STATE = ("by", "changed", "future_bookings", "left_at", "reason")


@dataclass(frozen=True)
class Kind:
    name: str
    key: str
    created: EventContract
    updated: EventContract
    others: tuple[EventContract, ...] = ()

    def stream(self, ident: str) -> str:
        return f"{self.name}-{ident}"

    def reader(self, event_type: str) -> EventContract:
        return next(c for c in (self.created, self.updated, *self.others) if c.name == event_type)


STORE = Kind("store", "store_id", StoreOpened, StoreUpdated, (StoreClosed, StoreReopened))
STAFF = Kind("staff", "staff_id", StaffHired, StaffUpdated, (StaffLetGo,))
RESOURCE = Kind("resource", "resource_id", ResourceAdded, ResourceUpdated)
SERVICE = Kind("service", "service_id", ServiceListed, ServiceUpdated, (PriceChanged,))
STATUS_EVENTS = {"StoreClosed": "closed", "StoreReopened": "open"}


def current(uow, kind: Kind, ident: str, expected_version: int | None = None) -> tuple[dict, int]:
    """The entity's state as its stream says, and its version; NotFound, then 412."""
    events = uow.load(kind.stream(ident))
    if not events:
        raise NotFound(f"no {kind.name} {ident}", {kind.key: ident})
    state: dict = {}
    for event in events:
        data = kind.reader(event.type).read(event).data
        if event.type in STATUS_EVENTS:
            state["status"] = STATUS_EVENTS[event.type]
        elif event.type != "PriceChanged":
            state = {k: v for k, v in data.items() if k not in NOT_STATE}
    version = len(events)
    if expected_version is not None and expected_version != version:
        raise PreconditionFailed(f"the {kind.name} changed since you read it", {"current_version": version})
    return state, version


def create(uow, kind: Kind, ident: str, data: dict, by: str | None, store_id: str | None) -> dict:
    stream = kind.stream(ident)
    if uow.version(stream) != 0:
        raise Conflict(f"{kind.name} {ident} already exists", {kind.key: [f"{ident} is taken"]})
    state = {**data, kind.key: ident}
    uow.record(stream, 0, kind.created, {**state, "by": by}, store_id=store_id)
    return state


def update(uow, kind: Kind, ident: str, changes: dict, expected_version: int | None, by: str | None,
           store_id: str | None = None, contract: EventContract | None = None, **extra) -> dict:
    state, version = current(uow, kind, ident, expected_version)
    new = {**state, **changes}
    changed = sorted(k for k in changes if state.get(k) != changes[k])
    uow.record(kind.stream(ident), version, contract or kind.updated,
               {**new, "by": by, **({"changed": changed} if contract is None else {}), **extra},
               store_id=store_id if store_id is not None else state.get("store_id"))
    return new


# --- stores -------------------------------------------------------------------------------

def open_store(uow, store_id: str, settings: dict, by: str | None) -> dict:
    return create(uow, STORE, store_id, {**settings, "status": "open"}, by, store_id)


def update_store(uow, store_id: str, changes: dict, expected_version: int, by: str | None) -> dict:
    if "currency" in changes:
        state, _ = current(uow, STORE, store_id)
        if changes["currency"] != state["currency"]:
            raise Unprocessable("a store's currency cannot change: its prices and takings are in it",
                                {"currency": ["cannot change"]})
    return update(uow, STORE, store_id, changes, expected_version, by, store_id)


def set_store_status(uow, store_id: str, status: str, reason: str, expected_version: int | None,
                     by: str | None) -> dict:
    state, version = current(uow, STORE, store_id, expected_version)
    if state["status"] == status:
        raise Conflict(f"store {store_id} is already {status}", {"status": [status]})
    contract = StoreClosed if status == "closed" else StoreReopened
    uow.record(STORE.stream(store_id), version, contract,
               {"store_id": store_id, "reason": reason, "by": by}, store_id=store_id)
    return {**state, "status": status}


# --- staff --------------------------------------------------------------------------------

def _known_services(uow, skills: list[str]) -> None:
    known = reads.services(uow.conn, skills)
    unknown = sorted(set(skills) - set(known))
    if unknown:
        raise Unprocessable("skills name services that are not in the catalogue",
                            {"skills": [f"unknown service {s}" for s in unknown]})


def _account_free(uow, account_id: str | None, staff_id: str) -> None:
    if account_id is None:
        return
    linked = reads.staff_by_account(uow.conn, account_id)
    if linked is not None and linked["staff_id"] != staff_id:
        raise Conflict(f"account {account_id} is already linked to staff {linked['staff_id']}",
                       {"account_id": ["linked to someone else"]})


def hire(uow, staff_id: str, store_id: str, settings: dict, by: str | None) -> dict:
    if reads.store(uow.conn, store_id) is None:
        raise NotFound(f"no store {store_id}", {"store_id": store_id})
    _known_services(uow, settings["skills"])
    _account_free(uow, settings.get("account_id"), staff_id)
    return create(uow, STAFF, staff_id, {**settings, "store_id": store_id, "status": "active"}, by, store_id)


def update_staff(uow, staff_id: str, changes: dict, expected_version: int, by: str | None) -> dict:
    state, _ = current(uow, STAFF, staff_id)
    if state["status"] != "active":
        raise Conflict(f"{state['name']} no longer works here", {"status": ["left"]})
    if "skills" in changes:
        _known_services(uow, changes["skills"])
    if "account_id" in changes:
        _account_free(uow, changes["account_id"], staff_id)
    return update(uow, STAFF, staff_id, changes, expected_version, by)


def let_go(uow, staff_id: str, expected_version: int | None, by: str | None, now: datetime) -> dict:
    """They leave; their history stays, and their future bookings are listed (in the event
    and the answer) for reassignment, never kept silently nor dropped."""
    state, _ = current(uow, STAFF, staff_id)
    if state["status"] != "active":
        raise Conflict(f"{state['name']} has already left", {"status": ["left"]})
    future = [b["booking_id"] for b in reads.booking_list(
        uow.conn, 10_000, 0, staff_id=staff_id, since=utc_iso(now))["items"]
        if b["status"] in OPEN_STATUSES]
    new = update(uow, STAFF, staff_id, {"status": "left"}, expected_version, by, contract=StaffLetGo,
                 left_at=utc_iso(now), future_bookings=future)
    return {**new, "future_bookings": future}


# --- resources ----------------------------------------------------------------------------

def add_resource(uow, resource_id: str, store_id: str, settings: dict, by: str | None) -> dict:
    if reads.store(uow.conn, store_id) is None:
        raise NotFound(f"no store {store_id}", {"store_id": store_id})
    return create(uow, RESOURCE, resource_id, {**settings, "store_id": store_id}, by, store_id)


def update_resource(uow, resource_id: str, changes: dict, expected_version: int, by: str | None,
                    now: datetime) -> dict:
    state, _ = current(uow, RESOURCE, resource_id)
    units = changes.get("units", state["units"])
    if not changes.get("active", state["active"]):
        units = 0
    if units < state["units"]:
        held = reads.future_unit_holds(uow.conn, resource_id, units, int(now.timestamp()))
        if held:
            raise Conflict(f"units {', '.join(held)} are held by future bookings; move those first",
                           {"units": [f"{u} is booked" for u in held]})
    return update(uow, RESOURCE, resource_id, changes, expected_version, by)


# --- catalogue ----------------------------------------------------------------------------

def list_service(uow, service_id: str, settings: dict, by: str | None) -> dict:
    return create(uow, SERVICE, service_id, {**settings, "store_prices": []}, by, None)


def update_service(uow, service_id: str, changes: dict, expected_version: int, by: str | None) -> dict:
    """Prices move through ``set_price``, so each change is its own PriceChanged event."""
    return update(uow, SERVICE, service_id, changes, expected_version, by)


def set_price(uow, service_id: str, store_id: str | None, price_minor: int | None, level_prices: dict,
              expected_version: int | None, by: str | None) -> dict:
    """HQ's price table (``store_id`` None) or one store's own (``price_minor`` None removes it).

    Bookings keep the price captured when they were made: nothing here touches them."""
    state, version = current(uow, SERVICE, service_id, expected_version)
    tables = {t["store_id"]: t for t in state["store_prices"]}
    if store_id is None:
        if price_minor is None:
            raise Unprocessable("HQ's price cannot be removed", {"price_minor": ["required"]})
        before = (state["price"]["amount_minor"], state["level_prices"])
        new = {**state, "price": {**state["price"], "amount_minor": price_minor},
               "level_prices": level_prices}
    else:
        if reads.store(uow.conn, store_id) is None:
            raise NotFound(f"no store {store_id}", {"store_id": store_id})
        old = tables.get(store_id)
        before = (None, {}) if old is None else (old["price_minor"], old["level_prices"])
        if price_minor is None:
            tables.pop(store_id, None)
        else:
            tables[store_id] = {"store_id": store_id, "price_minor": price_minor,
                                "level_prices": level_prices}
        new = {**state, "store_prices": [tables[k] for k in sorted(tables)]}
    stream = SERVICE.stream(service_id)
    uow.record(stream, version, ServiceUpdated, {**new, "by": by, "changed": ["price"]}, store_id=store_id)
    uow.record(stream, version, PriceChanged, {
        "service_id": service_id, "store_id": store_id, "currency": state["price"]["currency"],
        "price_minor": price_minor, "level_prices": level_prices, "previous_price_minor": before[0],
        "previous_level_prices": before[1], "by": by}, store_id=store_id)
    return new

