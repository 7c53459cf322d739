"""Inventory suite fixtures: a migrated inventory database with booking's stores and staff
as inventory learns them, command desks (each its own engine: a replica), and the service
running on the real broker."""

import uuid
from datetime import UTC, datetime

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.booking.contracts import StaffHired, StoreClosed, StoreOpened
from services.inventory import catalogue, purchasing, recipes, sales, stock, stocktakes, transfers
from services.inventory.app import APP
from services.inventory.learned import STAFF, STORES
from services.inventory.service import InventoryService
from services.inventory.tables import retail_lines
from shared.db import Database
from shared.envelope import Envelope
from shared.eventstore import EventStore
from shared.migrate import upgrade
from shared.projections import project
from shared.testing import service_config, start_service
from shared.uow import run_unit_of_work

PARIS, LYON, NICE = "paris-opera", "lyon-bellecour", "nice-closed"
HQ = {"account_id": "hq-admin", "role": "hq_admin"}
STAFF_ACTOR = {"account_id": "staff-amelie", "role": "staff"}
MANAGER = {"account_id": "manager-paris", "role": "store_manager"}


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


def booking_event(contract, data: dict, subject: str) -> Envelope:
    return Envelope.new(
        source="booking",
        type=contract.name,
        subject=subject,
        streamversion=1,
        schemaversion=contract.version,
        data=data,
    )


def store_opened(store_id: str) -> Envelope:
    return booking_event(
        StoreOpened,
        {
            "store_id": store_id,
            "name": store_id.title(),
            "phone": "+33 1 00 00 00 00",
            "currency": "EUR",
            "timezone": "Europe/Paris",
            "status": "open",
            "hours": {},
            "address": {"line1": "1 rue", "city": "Paris", "country": "FR"},
        },
        f"store-{store_id}",
    )


class Desk:
    """One replica of inventory's command side: its own engine on the shared database."""

    def __init__(self, url: str):
        self.db = Database(url)
        self.store = EventStore("inventory")

    def run(self, work, idempotency=None):
        return run_unit_of_work(self.db, self.store, APP.projections, work, idempotency=idempotency)[0]

    def learn(self, projection, envelope: Envelope) -> None:
        self.run(lambda uow: project(uow.conn, projection, envelope))

    def product(
        self,
        sku=None,
        unit="ml",
        pack_size=1000,
        cost=1000,
        price=None,
        use="professional",
        tracks_lots=False,
        barcode=None,
        category="colour",
    ) -> str:
        product_id = str(uuid.uuid4())
        wanted = {
            "sku": sku or f"SKU-{product_id[:8]}",
            "barcode": barcode,
            "name": f"Product {product_id[:4]}",
            "brand": None,
            "category": category,
            "unit": unit,
            "pack_size": pack_size,
            "cost": eur(cost),
            "price": None if price is None else eur(price),
            "use": use,
            "tracks_lots": tracks_lots,
        }
        self.run(lambda uow: catalogue.define(uow, product_id, wanted, HQ))
        return product_id

    def receive(self, store_id, product_id, quantity, cost=None, unit=None, **more):
        wanted = {
            "product_id": product_id,
            "quantity": quantity,
            "unit": unit,
            **({"cost": eur(cost)} if cost is not None else {}),
            **more,
        }
        return self.run(lambda uow: stock.receive(uow, store_id, wanted, STAFF_ACTOR))

    def scrap(self, store_id, product_id, quantity, kind="damaged", **more):
        wanted = {"product_id": product_id, "quantity": quantity, "kind": kind, **more}
        return self.run(lambda uow: stock.scrap(uow, store_id, wanted, STAFF_ACTOR))

    def count(self, store_id, product_id, counted):
        wanted = {"product_id": product_id, "counted": counted}
        return self.run(lambda uow: stock.count(uow, store_id, wanted, STAFF_ACTOR))

    def levels(self, store_id, product_id, reorder_point, target):
        wanted = {"reorder_point": reorder_point, "target": target}
        self.run(lambda uow: stock.set_levels(uow, store_id, product_id, wanted, HQ))

    def recipe(self, service_id, items, variants=()):
        wanted = {
            "items": [{"product_id": p, "quantity": q} for p, q in items],
            "variants": [
                {"level": lv, "hair_length": hl, "items": [{"product_id": p, "quantity": q} for p, q in its]}
                for lv, hl, its in variants
            ],
        }
        self.run(lambda uow: recipes.set_recipe(uow, service_id, wanted, HQ))

    def complete(self, store_id, *segments, booking_id=None) -> str:
        """Booking's BookingCompleted, as inventory's handler takes it: (service, staff) segments."""
        booking_id = booking_id or str(uuid.uuid4())
        data = {
            "booking_id": booking_id,
            "store_id": store_id,
            "local_date": "2026-12-03",
            "segments": [{"service_id": s, "staff_id": st} for s, st in segments],
        }
        self.run(lambda uow: recipes.consume_completed(uow, data))
        return booking_id

    def request_transfer(self, from_store, to_store, *lines, transfer_id=None, unit=None) -> str:
        """``to_store`` asks ``from_store`` for (product, units) lines."""
        transfer_id = transfer_id or str(uuid.uuid4())
        wanted = {
            "from_store_id": from_store,
            "lines": [{"product_id": p, "quantity": q, "unit": unit} for p, q in lines],
        }
        self.run(lambda uow: transfers.request(uow, transfer_id, to_store, wanted, STAFF_ACTOR))
        return transfer_id

    def approve(self, transfer_id, store_id, actor=HQ):
        self.run(lambda uow: transfers.approve(uow, transfer_id, store_id, actor))

    def dispatch(self, transfer_id, store_id, *lines):
        sending = [{"product_id": p, "quantity": q} for p, q in lines]
        self.run(lambda uow: transfers.dispatch(uow, transfer_id, store_id, sending, STAFF_ACTOR))

    def arrive(self, transfer_id, store_id, *lines, reason=None):
        wanted = {"lines": [{"product_id": p, "quantity": q} for p, q in lines], "reason": reason}
        self.run(lambda uow: transfers.receive(uow, transfer_id, store_id, wanted, STAFF_ACTOR))

    def supplier(self, *prices, lead_time_days=3, supplier_id=None) -> str:
        """A supplier selling (product, price of a pack) pairs."""
        supplier_id = supplier_id or str(uuid.uuid4())
        wanted = {
            "name": f"Supplier {supplier_id[:4]}",
            "email": "orders@supplier.example",
            "lead_time_days": lead_time_days,
            "currency": "EUR",
            "products": [{"product_id": p, "price": eur(price)} for p, price in prices],
        }
        self.run(lambda uow: purchasing.define_supplier(uow, supplier_id, wanted, HQ))
        return supplier_id

    def purchase_order(self, store_id, supplier_id, *lines, actor=MANAGER) -> str:
        """A draft for (product, packs) lines."""
        purchase_order_id = str(uuid.uuid4())
        wanted = {"supplier_id": supplier_id, "lines": [{"product_id": p, "packs": n} for p, n in lines]}
        self.run(lambda uow: purchasing.draft(uow, purchase_order_id, store_id, wanted, actor))
        return purchase_order_id

    def step(self, step, purchase_order_id, store_id=PARIS, actor=MANAGER, **more):
        self.run(lambda uow: getattr(purchasing, step)(uow, purchase_order_id, store_id, actor=actor, **more))

    def deliver(self, purchase_order_id, *lines, store_id=PARIS, reason=None, unit=None):
        wanted = {
            "lines": [{"product_id": p, "quantity": q, "unit": unit} for p, q in lines],
            "reason": reason,
        }
        self.run(lambda uow: purchasing.receive(uow, purchase_order_id, store_id, wanted, STAFF_ACTOR))

    def stocktake(self, store_id=PARIS, *categories) -> str:
        stocktake_id = str(uuid.uuid4())
        wanted = {"categories": list(categories)}
        self.run(lambda uow: stocktakes.open_stocktake(uow, stocktake_id, store_id, wanted, MANAGER))
        return stocktake_id

    def tally(self, stocktake_id, *lines, store_id=PARIS):
        """Counts of (product, units) entered by staff."""
        counted = [{"product_id": p, "counted": n} for p, n in lines]
        self.run(lambda uow: stocktakes.record_counts(uow, stocktake_id, store_id, counted, STAFF_ACTOR))

    def stocktake_step(self, step, stocktake_id, store_id=PARIS, **more):
        self.run(lambda uow: getattr(stocktakes, step)(uow, stocktake_id, store_id, actor=MANAGER, **more))

    def sell(self, store_id, product_id, packs=1) -> tuple[str, str]:
        """A paid order's product line, as orders' events tell inventory of it."""
        order_id, line_id = str(uuid.uuid4()), str(uuid.uuid4())
        with self.db.read() as conn:
            sku = catalogue.found(conn, product_id).sku
        row = {"order_id": order_id, "line_id": line_id, "store_id": store_id, "sku": sku, "quantity": packs}
        self.run(lambda uow: uow.conn.execute(retail_lines.insert().values(**row)))
        paid = {"order_id": order_id, "lines": [{"line_id": line_id, "kind": "product"}]}
        self.run(lambda uow: sales.sell_paid(uow, paid))
        return order_id, line_id

    def on_hand(self, store_id, product_id) -> int:
        with self.db.read() as conn:
            row = stock.level_row(conn, store_id, product_id)
            return 0 if row is None else row.on_hand

    def level(self, store_id, product_id):
        with self.db.read() as conn:
            return stock.level_row(conn, store_id, product_id)

    def events(self, store_id, product_id) -> list[Envelope]:
        with self.db.read() as conn:
            return self.store.read_stream(conn, stock.stream(store_id, product_id))


@pytest.fixture
def inventory_db(db_url):
    upgrade(APP, db_url)
    return db_url


@pytest.fixture
def desk_for(inventory_db):
    made = []

    def make():
        made.append(Desk(inventory_db))
        return made[-1]

    yield make
    for desk in made:
        desk.db.dispose()


@pytest.fixture
def desk(desk_for):
    """A desk on a database that knows Paris and Lyon (open), Nice (closed) and two stylists."""
    made = desk_for()
    for store_id in (PARIS, LYON, NICE):
        made.learn(STORES, store_opened(store_id))
    made.learn(
        STORES,
        booking_event(
            StoreClosed,
            {"store_id": NICE, "status": "closed", "reason": "moved", "by": None},
            f"store-{NICE}",
        ),
    )
    for staff_id, level in (("amelie", "senior"), ("hugo", "junior")):
        made.learn(
            STAFF,
            booking_event(
                StaffHired,
                {
                    "staff_id": staff_id,
                    "store_id": PARIS,
                    "name": staff_id,
                    "display_name": staff_id,
                    "level": level,
                    "skills": [],
                    "shifts": {},
                    "status": "active",
                    "by": None,
                },
                f"staff-{staff_id}",
            ),
        )
    return made


@pytest.fixture
def replica(desk, desk_for):
    return desk_for()


@pytest.fixture
def inventory_config(amqp_uri, inventory_db):
    return service_config("inventory", amqp_uri, inventory_db, HANDLER_BACKOFF="0.01")


@pytest.fixture
def inventory(inventory_config, runner_factory):
    return start_service(runner_factory, inventory_config, InventoryService)


@pytest.fixture
def inventory_rpc(inventory_config, inventory):
    with ServiceRpcProxy("inventory", inventory_config) as proxy:
        yield proxy


def now_iso() -> str:
    return datetime.now(UTC).isoformat()
