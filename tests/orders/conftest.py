"""The orders service's commands on a real database, migrated, with the simulated provider
in a file of its own, without a broker: what the till's rules decide, not transport.
Bookings arrive as their events' data, as the handlers receive it."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.inventory.contracts import ProductDefined
from services.members.app import APP as MEMBERS
from services.orders import after_sales, following, payments, reads, redress, refunds
from services.orders.app import APP
from services.orders.provider import SimulatedProvider
from services.orders.retail import RetailCatalogue
from services.orders.tables import service_categories, stores
from services.orders.tender_protocol import Tenders
from shared.db import Database
from shared.envelope import Envelope
from shared.eventstore import EventStore
from shared.idempotency import Idempotency, fingerprint
from shared.migrate import upgrade
from shared.projections import project
from shared.testing import scratch_database
from shared.uow import run_unit_of_work
from tests.conftest import POSTGRES
from tests.orders.members_side import Members

STAFF = {"account_id": "acct-staff", "role": "staff"}
MANAGER = {"account_id": "acct-manager", "role": "store_manager"}
CUSTOMER = {"account_id": "acct-customer", "role": "customer"}
STORE = "paris"
SEGMENTS = [("cut", "amelie"), ("colour", "hugo")]  # service and stylist of each segment, in order


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


def card(amount: int, token: str = "tok_approve", kind: str = "card_present") -> dict:
    return {"kind": kind, "amount": eur(amount), "token": token}


def cash(amount: int, tendered: int | None = None) -> dict:
    return {"kind": "cash", "amount": eur(amount), "tendered": None if tendered is None else eur(tendered)}


def booking(booking_id: str | None = None, prices=(4500, 8900), deposit: int = 0, **changes) -> dict:
    """BookingCreated's data, as orders receives it."""
    booking_id = booking_id or str(uuid.uuid4())
    segments = [
        {
            "service_id": sid,
            "service_name": sid.title(),
            "staff_id": staff,
            "staff_chosen": True,
            "start": "2026-12-10T09:00:00.000000Z",
            "end": "2026-12-10T10:00:00.000000Z",
            "price": eur(price),
            "resource_units": [],
        }
        for (sid, staff), price in zip(SEGMENTS[: len(prices)], prices, strict=True)
    ]
    return {
        "booking_id": booking_id,
        "store_id": STORE,
        "customer_id": "c-1",
        "customer_name": "Jo Martin",
        "channel": "online",
        "status": "booked",
        "start": segments[0]["start"],
        "end": segments[-1]["end"],
        "local_date": "2026-12-10",
        "timezone": "Europe/Paris",
        "segments": segments,
        "total": eur(sum(prices)),
        "deposit_due": eur(deposit),
        "policy": {},
        "by": "acct-customer",
        "by_role": "customer",
        "hold_id": None,
        "series_id": None,
        "redo_of": None,
        "deposit_due_by": None,
        **changes,
    }


class Till:
    """One replica of the orders service's command side: its own engine on the shared
    database, the provider's file shared by all."""

    def __init__(self, url: str, provider_path: str):
        self.db = Database(url)
        self.store = EventStore("orders")
        self.provider = SimulatedProvider(provider_path)
        self.tenders = Tenders(self.provider)
        self.now = datetime.now(UTC)

    def clock(self) -> datetime:
        return self.now

    def stock_product(self, sku: str, price: int | None, barcode=None, use="retail", active=True,
                      currency="EUR") -> str:
        """Inventory's ProductDefined for ``sku``, as the till's catalogue takes it."""
        product_id = f"product-{sku}"
        data = {"product_id": product_id, "sku": sku, "barcode": barcode, "name": f"Product {sku}",
                "brand": None, "category": "care", "unit": "piece", "pack_size": 1,
                "cost": {"amount_minor": 500, "currency": currency},
                "price": None if price is None else {"amount_minor": price, "currency": currency}, "use": use,
                "tracks_lots": False, "active": active, "by": None}
        envelope = Envelope.new(source="inventory", type=ProductDefined.name, subject=f"product-{product_id}",
                                streamversion=1, schemaversion=ProductDefined.version, data=data)
        self.run(lambda uow: project(uow.conn, RetailCatalogue(), envelope))
        return product_id

    def run(self, work, idempotency=None):
        result, _ = run_unit_of_work(self.db, self.store, APP.projections, work, idempotency=idempotency)
        return result

    def booked(self, **kwargs) -> str:
        facts = booking(**kwargs)
        self.run(lambda uow: following.created(uow, facts))
        self.facts = facts
        return following.order_id_for_booking(facts["booking_id"])

    def booking_moved(self, kind: str, **changes) -> None:
        facts = {**self.facts, **changes}
        self.run(lambda uow: following.progressed(uow, kind, facts))

    def booking_ended(self, status: str, fee: int = 0) -> None:
        facts = {
            **self.facts,
            "status": status,
            "fee_due": eur(fee),
            "reason": "changed plans",
            "late": bool(fee),
        }
        self.run(lambda uow: following.cancelled(uow, facts, self.now))

    def pay(
        self,
        order_id: str,
        *tenders: dict,
        tip: dict | None = None,
        key: str | None = None,
        actor: dict = STAFF,
    ) -> dict:
        wanted = {"order_id": order_id, "tenders": list(tenders), "tip": tip}
        idempotency = None if key is None else Idempotency("orders.pay", key, fingerprint(wanted))
        payment_id = str(uuid.uuid5(uuid.NAMESPACE_URL, key)) if key else str(uuid.uuid4())
        paid_by = payments.pay(
            self.run, self.tenders, order_id, wanted, actor, payment_id, self.clock, idempotency
        )
        return self.payment(order_id, paid_by)

    def payment(self, order_id: str, payment_id: str) -> dict:
        with self.db.read() as conn:
            return reads.payment_view(conn, self.order(order_id), payment_id)

    def refund(self, order_id: str, actor: dict = MANAGER, key: str | None = None, **wanted) -> str:
        wanted = {"reason": "unhappy with the colour", **wanted}
        idempotency = None if key is None else Idempotency("orders.refund", key, fingerprint(wanted))
        refund_id = str(uuid.uuid5(uuid.NAMESPACE_URL, key)) if key else str(uuid.uuid4())
        return refunds.refund(self.run, self.tenders, order_id, wanted, actor, refund_id, self.clock,
                              idempotency)

    def order(self, order_id: str) -> dict:
        with self.db.read() as conn:
            return reads.detail(conn, reads.order_row(conn, order_id))

    def ask(self, order_id: str, kind: str = "both", actor: dict = CUSTOMER) -> str:
        request_id = str(uuid.uuid4())
        wanted = {"kind": kind, "reason": "the fringe is uneven"}
        self.run(lambda uow: after_sales.ask(uow, order_id, wanted, actor, request_id))
        return request_id

    def accept(self, order_id: str, request_id: str, book, key: str | None = None, actor: dict = STAFF,
               **decision) -> dict:
        wanted = {"order_id": order_id, "request_id": request_id, **decision}
        scope = "orders.accept_after_sales"
        idempotency = None if key is None else Idempotency(scope, key, fingerprint(wanted))
        return redress.accept(self.run, self.tenders, book, order_id, request_id, decision, actor, self.clock,
                              idempotency)

    def request(self, order_id: str, request_id: str) -> dict:
        return next(r for r in self.order(order_id)["after_sales"] if r["request_id"] == request_id)

    def later(self, **delta) -> None:
        self.now += timedelta(**delta)

    def tender_statuses(self, order_id: str) -> list[str]:
        return [t["status"] for t in self.order(order_id)["payments"]]


@pytest.fixture
def till(db_url, tmp_path):
    upgrade(APP, db_url)
    first = Till(db_url, str(tmp_path / "provider.db"))
    with first.db.write() as conn:
        conn.execute(
            stores.insert().values(
                store_id=STORE,
                name="Paris Opéra",
                currency="EUR",
                timezone="Europe/Paris",
                status="open",
                version=1,
            )
        )
        conn.execute(
            service_categories.insert(),
            [
                {"service_id": "cut", "category": "hair", "version": 1},
                {"service_id": "colour", "category": "hair", "version": 1},
                {"service_id": "manicure", "category": "beauty", "version": 1},
            ],
        )
    for sku, barcode, price in (("SH-250", "3401234567892", 2000), ("SKU-1", None, 1500)):
        first.stock_product(sku, price, barcode=barcode)
    yield first
    first.db.dispose()


@pytest.fixture
def replica(till, db_url, tmp_path):
    second = Till(db_url, str(tmp_path / "provider.db"))
    yield second
    second.db.dispose()


@pytest.fixture
def members(tmp_path):
    """The members service's side of the tender protocol, on a database of its own."""
    with scratch_database(POSTGRES, tmp_path) as url:
        upgrade(MEMBERS, url)
        found = Members(url)
        yield found
        found.db.dispose()


def events_of(till: Till, stream: str) -> list[str]:
    with till.db.read() as conn:
        return [e.type for e in till.store.read_stream(conn, stream)]


def provider_payment(till: Till, reference: str):
    return till.provider.inquire(reference)
