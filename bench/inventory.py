"""A store's stock list with 5,000 products and a year of movements, and the recipes of 1,000
completed bookings consumed, each beside a baseline measured in the same run.

Targets (the inventory issue): the stock list p99 < 30 ms. Recipes consumed at >= 0.5 x the
kernel's handler rate of the same run.

The store is built as inventory builds one:
- booking's store and 20 stylists arrive through the service's own handlers (``StoreOpened``,
  ``StaffHired``);
- HQ's catalogue: ``seed`` (the demo colour products and the colour recipe: 60 ml of dye,
  90 ml of developer, a pair of gloves) and 4,995 more products, all through
  ``catalogue.define``, 500 to a unit of work. 2% are then withdrawn through
  ``catalogue.change``, and one colour product in five is received by lot.

Then a year of the store's stock, each movement at its moment of the year:
- 200,000 takes (--quick: 50,000), spread over the products by popularity (a Zipf-like law:
  the busiest products move thousands of times a year, the quietest a few times). A service
  product is consumed by a booking's recipe, a retail product sold on a paid order line, and
  a "both" product either. One take in 70 is scrap, one in 100 a spot count;
- a stocktake in June;
- reorder levels on 7 products in 10, a delivery every Monday for what stands below its
  reorder point, and a rush delivery whenever a take would go below zero.

Each movement is decided by the domain's rules (``domain/stock.py``) and its event written by
the service's ``stock.Books``, alerts (``StockLow``/``StockRestored``) included. Through
commands, these 290,000 events would take many minutes, and they would measure nothing more
about a read. So they are stored in bulk, in position order, as ``EventStore.append`` stores
them, every 97th checked against its contract. The read model is what the service's
``Stock`` projection makes of them, written by the kernel's ``ChangeWriter``. Each product's
last ``stock_levels`` row is kept, which is what replaying its events one by one leaves.
Checks: every product's on hand and value are the sums of its movement rows, and with
--quick, on SQLite, the read model has the checksum the kernel's ``rebuild`` gives it. The
year is decided once and written into both databases. PostgreSQL is vacuumed and analysed
once built, as autovacuum would be after so many inserts.

1. The stock list, through ``services.inventory.reads.stock_page`` as the ``stock`` RPC runs it
   (a read transaction, the store's row with ``stock.store_of``, then the page). Measured:
   - the first page (50 by SKU);
   - a search (``q=`` a brand's SKU prefix, 400 products);
   - the products below their reorder point (``low=True``);
   - the last page.
   300 runs each (100 with --quick). Baseline, same run: the bare read of 50 rows of the
   store's ``stock_levels`` (one indexed SELECT in a read transaction), the floor any page
   pays.

2. Recipes consumed: 1,000 ``BookingCompleted`` events (booking's shape, one colour segment
   each) delivered to ``InventoryService.on_booking_completed`` on the path ``@handles`` gives
   it, the kernel's ``consume``:
   - the envelope parsed and read against its contract;
   - the stream checked not to be parked, and the event claimed in the inbox;
   - ``recipes.consume_completed`` in the unit of work;
   - three ``StockConsumed`` appended and projected live, in one commit.
   The deliveries come back to back, in this process, without the broker.

   Baseline, same run: the same kernel path on the same database, for envelopes of the same
   kind, with a handler that records one small event on a stream of its own, as
   bench/consume.py's handler does. That is the least a handler can do and still take an
   event with effect exactly once. The broker is left out of both (bench/consume.py measures
   delivery), so the ratio shows what inventory's own work (its reads, its decisions, three
   appends instead of one and their projection) adds to the kernel's cost of an event. Rounds
   alternate on fresh bookings, two of 1,000 each way (one with --quick), after 100 of each
   to warm up; the best of each is compared. They run on the store built for (1), after the
   reads, once enough stock is received that no take goes below zero.
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import gc
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from marshmallow import Schema, fields
from sqlalchemy import func, select, text

from bench.common import Figure, median, percentile, progress, scratch_db, scratch_dir, spread
from bench.common import main as cli
from services.booking.contracts import BookingCompleted, StaffHired, StoreOpened
from services.inventory import catalogue, reads, stock
from services.inventory.app import APP
from services.inventory.contracts import (
    StockAdjusted,
    StockConsumed,
    StockReceived,
    StockScrapped,
    StockSold,
)
from services.inventory.contracts.stock import SCRAP_REASONS
from services.inventory.domain import stock as S
from services.inventory.seed import seed
from services.inventory.service import InventoryService
from services.inventory.tables import completed_visits, stock_levels, stock_movements
from services.inventory.tables import products as product_rows
from services.inventory.views import Stock
from shared.config import HANDLER_ATTEMPTS, HANDLER_BACKOFF
from shared.contracts import declare
from shared.db import Database, cursors
from shared.db import events as event_rows
from shared.delivery import HANDLED, Delivery
from shared.envelope import CONTENT_TYPE, Envelope, utc_iso
from shared.eventstore import EventStore
from shared.handlers import handles
from shared.kernel import Kernel, KernelAccess
from shared.migrate import upgrade
from shared.observe import CORRELATION_KEY
from shared.projections import ChangeWriter, Update, Upsert, checksum, cursor_name, rebuild
from shared.uow import run_unit_of_work

PRODUCTS, PAGE, BOOKINGS, STYLISTS, WARM = 5_000, 50, 1_000, 20, 100
STORE = "paris-opera"
STAFF = {"account_id": "acct-staff-amelie", "role": "staff"}
HQ = {"account_id": "acct-hq", "role": "hq_admin"}
IDS = uuid.UUID("6c0b7e1e-2f4d-4a51-9a36-0d2b6f1c8e55")
BRANDS = ("KER", "LUM", "ORE", "WEL", "SCH", "DAV", "MOR", "AVE", "BUM", "GHD", "OLA", "PAU")
SEARCH = "ORE"  # one brand's SKU prefix: 1 product in 12
STOCK = next(p for p in APP.projections if isinstance(p, Stock))


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


# -- the handler path ---------------------------------------------------------------------


class NotedSchema(Schema):
    booking_id = fields.String(required=True)
    store_id = fields.String(required=True)


Noted = declare("inventory", "BenchBookingNoted", NotedSchema)  # bench-only


class Noting:
    """The baseline's handler: the kernel's path for the same event, one small event
    recorded on a stream of its own."""

    name = "inventory"
    kernel = Kernel(APP)

    @handles(BookingCompleted)
    def on_booking_noted(self, event, uow):
        d = event.data
        facts = {"booking_id": d["booking_id"], "store_id": d["store_id"]}
        uow.record(f"noted-{d['booking_id']}", 0, Noted, facts)


class Worker:
    """The services as a nameko worker sees them, without nameko: the kernel's handle
    (``KernelAccess``) on the bench's database, so that a ``@handles`` entry point runs the
    kernel's ``consume`` exactly as a delivery from the broker does."""

    def __init__(self, db, store):
        kernel = Kernel(APP)
        kernel.service_name, kernel.db, kernel.store = "inventory", db, store
        kernel.handler_attempts = int(HANDLER_ATTEMPTS.get())
        kernel.handler_backoff = float(HANDLER_BACKOFF.get())
        context = SimpleNamespace(data={CORRELATION_KEY: str(uuid.uuid4())}, call_id="bench-inventory")
        self.inventory, self.noting = InventoryService(), Noting()
        self.inventory.kernel = self.noting.kernel = KernelAccess(kernel, context)

    def deliver(self, entry, body: str) -> None:
        """One delivery of an event (its envelope's JSON) to ``entry``, a ``@handles`` method."""
        delivery = Delivery(body=body, headers={}, content_type=CONTENT_TYPE, routing_key="")
        outcome = entry(self.noting if entry is Noting.on_booking_noted else self.inventory, delivery)
        if outcome != HANDLED:
            raise RuntimeError(f"{entry.__name__}: {outcome}")


def booking_event(contract, data: dict, subject: str, version: int = 1) -> str:
    return Envelope.new(
        source="booking",
        type=contract.name,
        subject=subject,
        streamversion=version,
        schemaversion=contract.version,
        data=data,
        correlationid=str(uuid.uuid4()),
    ).to_json()


def learn_store(worker: Worker) -> list[str]:
    """Booking's store and stylists, through inventory's own handlers; returns the stylists."""
    opened = {
        "store_id": STORE,
        "name": "Paris Opéra",
        "phone": "+33 1 00 00 00 00",
        "currency": "EUR",
        "timezone": "Europe/Paris",
        "status": "open",
        "hours": {},
        "address": {"line1": "1 rue Auber", "city": "Paris", "country": "FR"},
    }
    worker.deliver(InventoryService.on_store_opened, booking_event(StoreOpened, opened, f"store-{STORE}"))
    stylists = [f"stylist-{n:02d}" for n in range(STYLISTS)]
    for n, staff_id in enumerate(stylists):
        hired = {
            "staff_id": staff_id,
            "store_id": STORE,
            "name": f"Stylist {n}",
            "display_name": f"Stylist {n}",
            "level": ("junior", "senior", "master")[n % 3],
            "skills": [],
            "shifts": {},
            "status": "active",
            "by": None,
        }
        worker.deliver(InventoryService.on_staff_hired, booking_event(StaffHired, hired, f"staff-{staff_id}"))
    return stylists


def completed(stylist: str, day: date) -> str:
    """Booking's ``BookingCompleted`` of one colour visit, as booking publishes it."""
    booking_id = str(uuid.uuid4())
    start, end = f"{day.isoformat()}T09:00:00.000000Z", f"{day.isoformat()}T10:30:00.000000Z"
    segment = {
        "service_id": "colour",
        "service_name": "Colour",
        "staff_id": stylist,
        "staff_chosen": True,
        "start": start,
        "end": end,
        "price": eur(8900),
        "resource_units": [],
    }
    data = {
        "booking_id": booking_id,
        "store_id": STORE,
        "customer_id": f"c-{booking_id[:8]}",
        "customer_name": "Jo Martin",
        "channel": "online",
        "status": "completed",
        "start": start,
        "end": end,
        "local_date": day.isoformat(),
        "timezone": "Europe/Paris",
        "segments": [segment],
        "total": eur(8900),
        "deposit_due": eur(0),
        "policy": {},
        "by": STAFF["account_id"],
        "by_role": "staff",
    }
    return booking_event(BookingCompleted, data, f"booking-{booking_id}", version=5)


# -- the catalogue ------------------------------------------------------------------------


def define_catalogue(db, store, rng: random.Random) -> None:
    """``seed`` (the demo products and the colour recipe), then PRODUCTS - 5 more, 500 to a
    unit of work, then 2% withdrawn."""
    seed(db, store, APP.projections)
    wanted = []
    for n in range(PRODUCTS - 5):
        brand = BRANDS[n % len(BRANDS)]
        kind = rng.choices(("colour", "care", "styling", "consumables"), (40, 30, 20, 10))[0]
        if kind == "colour":
            unit, pack, use, cost, price = "ml", rng.choice((60, 100, 1000)), "professional", 450, None
        elif kind == "care":
            unit, pack, use, cost = "piece", 1, "retail", rng.randrange(400, 1500)
            price = cost * 3
        elif kind == "styling":
            unit, pack, use, cost = "ml", rng.choice((150, 200, 250)), "both", rng.randrange(500, 1200)
            price = cost * 3
        else:
            unit, pack, use, cost, price = "piece", rng.choice((50, 100)), "professional", 600, None
        facts = {
            "sku": f"{brand}-{kind[:3].upper()}-{n:05d}",
            "barcode": f"{3400000000000 + n}",
            "name": f"{brand.title()} {kind} {n}",
            "brand": brand.title(),
            "category": kind,
            "unit": unit,
            "pack_size": pack,
            "cost": eur(cost),
            "price": None if price is None else eur(price),
            "use": use,
            "tracks_lots": kind == "colour" and n % 5 == 0,
        }
        wanted.append((str(uuid.uuid5(IDS, f"product-{n}")), facts))
    for first in range(0, len(wanted), 500):

        def define(uow, batch=wanted[first : first + 500]):
            for product_id, facts in batch:
                catalogue.define(uow, product_id, facts, HQ)

        run_unit_of_work(db, store, APP.projections, define)

    def withdraw(uow):
        for product_id, _ in wanted[::50]:
            catalogue.change(uow, product_id, None, {"active": False}, HQ)

    run_unit_of_work(db, store, APP.projections, withdraw)


def catalogue_of(db) -> list:
    with db.read() as conn:
        rows = conn.execute(product_rows.select().order_by(product_rows.c.product_id)).all()
    return [catalogue.product_of_row(r) for r in rows]


# -- a year of stock ----------------------------------------------------------------------


class Recorder:
    """What ``stock.Books`` needs of a unit of work while the year is decided in memory: the
    events it records are kept, each with the moment of the year it happens at."""

    def __init__(self, conn):
        self.conn = conn
        self.at: datetime | None = None
        self.recorded: list[tuple] = []

    def version(self, stream_id: str) -> int:
        return 0  # every stock stream starts in this build

    def record(self, stream_id, expected_version, contract, data, store_id=None) -> None:
        self.recorded.append((stream_id, contract, data, store_id, self.at))


class Year:
    """The store's year of stock, decided movement by movement with the domain's rules and
    recorded by the service's ``Books``."""

    def __init__(self, books, products, takes: int, rng: random.Random, start: datetime):
        self.books, self.rng, self.start, self.takes, self.lots = books, rng, start, takes, 0
        self.ranked = sorted(products, key=lambda p: (not p.product_id.startswith("demo-"), rng.random()))
        weights = [1 / (rank + 10) ** 0.9 for rank in range(len(self.ranked))]
        total, acc, self.cumulative = sum(weights), 0.0, []
        for w in weights:
            acc += w
            self.cumulative.append(acc)
        self.daily = {  # units a day
            p.product_id: takes * w / total / 365 * self._mean_units(p)
            for p, w in zip(self.ranked, weights, strict=True)
        }
        self.levels: dict[str, tuple[int, int]] = {}

    @staticmethod
    def _mean_units(product) -> float:
        if product.use == "retail":
            return 1.3 * product.pack_size
        if product.unit == "piece":
            return 2.5
        return 50 if product.use == "professional" else 20

    def stock(self, product) -> S.Stock:
        return self.books.stock(STORE, product)

    def post(self, product, moved, contract, by, reason=None, **facts) -> None:
        self.books.post(STORE, product, moved, contract, by, reason, **facts)

    def packs(self, product, days: float) -> int:
        """Units in whole packs covering ``days`` of the product's demand (a pack at least)."""
        need = self.daily[product.product_id] * days
        return max(1, math.ceil(need / product.pack_size)) * product.pack_size

    def receive(self, product, units: int, day: date, reason: str | None = None) -> None:
        lot = expires = None
        if product.tracks_lots:
            self.lots += 1
            lot, expires = f"L{self.lots:06d}", (day + timedelta(days=540)).isoformat()
        amount = product.cost_of(units) * self.rng.randrange(95, 106) // 100
        moved = S.receive(self.stock(product), units, amount, lot, expires)
        supplier = f"supplier-{product.brand or 'house'}".lower()
        self.post(
            product,
            moved,
            StockReceived,
            STAFF["account_id"],
            reason,
            cost=eur(amount),
            supplier_id=supplier,
            purchase_order_id=None,
        )

    def opening(self, day: date) -> None:
        """Day one: every active product received, and its reorder levels set (7 in 10)."""
        for product in self.ranked:
            if not product.active:
                continue
            self.receive(product, self.packs(product, 21), day)
            if self.rng.random() < 0.7:
                point = self.packs(product, 7)
                target = point + self.packs(product, 14)
                self.levels[product.product_id] = (point, target)
                moved = S.levels(self.stock(product), point, target)
                self.books.levels(STORE, product, moved, HQ["account_id"])

    def restock(self, day: date) -> None:
        """Monday's delivery: what stands below its reorder point (most of it), up to target."""
        for product in self.ranked:
            levels = self.levels.get(product.product_id)
            if levels is None or not product.active:
                continue
            on_hand = self.stock(product).on_hand
            if on_hand < levels[0] and self.rng.random() < 0.8:
                short = levels[1] - on_hand
                self.receive(product, math.ceil(short / product.pack_size) * product.pack_size, day)

    def stocktake(self, day: date) -> None:
        count_id = str(uuid.uuid5(IDS, f"stocktake-{day}"))
        for product in self.ranked:
            if product.active and self.rng.random() < 0.3:
                self.count(product, count_id)

    def count(self, product, count_id: str | None = None) -> None:
        on_hand = self.stock(product).on_hand
        counted = max(0, on_hand + self.rng.choice((-2, -1, -1, 1)) * (1 if product.unit == "piece" else 10))
        moved = S.count(self.stock(product), counted)
        if moved.change:
            self.post(product, moved, StockAdjusted, STAFF["account_id"], counted=counted, count_id=count_id)

    def take(self, product, day: date, stylists: list[str]) -> None:
        rng = self.rng
        draw = rng.random()
        if draw < 0.01:
            return self.count(product)
        if draw < 0.025:  # scrap: never more than is on hand
            wanted = product.pack_size if product.unit == "piece" else rng.randrange(10, 60)
            units = min(wanted, self.stock(product).on_hand)
            if units > 0:
                moved = S.take(self.stock(product), units, False)
                self.post(
                    product, moved, StockScrapped, STAFF["account_id"], kind=rng.choice(SCRAP_REASONS[:4])
                )
            return None
        sold = product.use == "retail" or (product.use == "both" and rng.random() < 0.5)
        if sold:
            units = rng.choice((1, 1, 1, 2)) * product.pack_size
        elif product.unit == "piece":
            units = rng.choice((1, 2, 2, 4))
        else:
            units = rng.randrange(20, 91, 10) if product.use == "professional" else rng.randrange(10, 31, 5)
        if units > self.stock(product).on_hand:
            self.receive(product, self.packs(product, 14) + units, day, "rush delivery")
        moved = S.take(self.stock(product), units, allow_negative=True)
        reference = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if sold:
            return self.post(product, moved, StockSold, None, order_id=reference, line_id=f"{reference}:1")
        service = "colour" if product.category == "colour" else "cut-and-style"
        self.post(
            product,
            moved,
            StockConsumed,
            None,
            booking_id=reference,
            service_id=service,
            staff_id=rng.choice(stylists),
            basis="recipe",
        )
        return None

    def days(self, recorder: Recorder, stylists: list[str]):
        """Yields after each day, once its events are recorded (in the order they happen)."""
        rng = self.rng
        active = [p for p in self.ranked if p.active]
        per_day, extra = divmod(self.takes, 365)
        for n in range(365):
            day = (self.start + timedelta(days=n)).date()
            recorder.at = self.start + timedelta(days=n, hours=8)
            if n == 0:
                self.opening(day)
            elif day.weekday() == 0:
                self.restock(day)
            elif n == 182:
                self.stocktake(day)
            moments = sorted(rng.uniform(9, 20) for _ in range(per_day + (n < extra)))
            picks = rng.choices(self.ranked, cum_weights=self.cumulative, k=len(moments))
            for hour, product in zip(moments, picks, strict=True):
                recorder.at = self.start + timedelta(days=n, hours=hour)
                self.take(product if product.active else rng.choice(active), day, stylists)
            yield


@dataclass
class Decided:
    """The year as decided once, to be written as it is into each database: the event
    store's rows and the projection's movement rows, in chunks of about 10,000 events in
    position order, and each product's last stock row."""

    products: list
    chunks: list[tuple[list[dict], list]] = field(default_factory=list)
    levels: list = field(default_factory=list)
    events: int = 0
    movements: int = 0
    seconds: float = 0.0


def decide_year(db, takes: int, stylists: list[str]) -> Decided:
    """The year of stock decided by the domain's rules and recorded by the service's
    ``Books``: its events as ``EventStore.append`` stores them, and what the ``Stock``
    projection makes of them."""
    started = time.perf_counter()
    products = catalogue_of(db)
    with db.read() as conn:
        recorder = Recorder(conn)
        books = stock.Books(recorder)
        for product in products:  # each product's stock read once, as Books reads it
            books.stock(STORE, product)
    recorder.conn = None
    start = (datetime.now(UTC) - timedelta(days=366)).replace(hour=0, minute=0, second=0, microsecond=0)
    year = Year(books, products, takes, random.Random(20261204), start)
    decided = Decided(products)
    versions: dict[str, int] = {}
    levels: dict[tuple, Upsert] = {}

    def chunk() -> None:
        rows, moved = [], []
        for n, (stream_id, contract, data, store_id, at) in enumerate(recorder.recorded):
            if (decided.events + n) % 97 == 0:
                assert contract.dump(contract.validate(data)) == data, contract.name
            versions[stream_id] = version = versions.get(stream_id, 0) + 1
            envelope = Envelope.new(
                source="inventory",
                type=contract.name,
                subject=stream_id,
                streamversion=version,
                schemaversion=contract.version,
                data=data,
                storeid=store_id,
                time=utc_iso(at),
            )
            rows.append(
                {
                    "event_id": envelope.id,
                    "stream_id": stream_id,
                    "stream_version": version,
                    "event_type": envelope.type,
                    "schema_version": envelope.schemaversion,
                    "store_id": store_id,
                    "recorded_at": at.timestamp(),
                    "envelope": envelope.to_json(),
                }
            )
            for change in STOCK.changes(envelope):
                if change.table is stock_levels:  # the whole row, or its version: the last one stays
                    if isinstance(change, Update):
                        key = (change.key["store_id"], change.key["product_id"])
                        levels[key] = Upsert(stock_levels, {**levels[key].row, **change.values})
                    else:
                        levels[(change.row["store_id"], change.row["product_id"])] = change
                else:
                    moved.append(change)
        if rows:
            decided.chunks.append((rows, moved))
        decided.events += len(rows)
        decided.movements += len(moved)
        recorder.recorded.clear()

    for _ in year.days(recorder, stylists):
        if len(recorder.recorded) >= 10_000:
            chunk()
    chunk()
    decided.levels = list(levels.values())
    decided.seconds = time.perf_counter() - started
    return decided


def write_year(db, store, decided: Decided) -> None:
    """The decided year into the event store and the read model, a transaction per chunk."""
    for rows, moved in decided.chunks:
        with db.write() as conn:
            conn.execute(event_rows.insert(), rows)
            ChangeWriter(conn).write(moved)
        if db.dialect == "sqlite":
            db.checkpoint()  # as the kernel does every second while a service runs
    with db.write() as conn:
        ChangeWriter(conn).write(decided.levels)
        name = cursor_name(STOCK)
        conn.execute(cursors.delete().where(cursors.c.name == name))
        conn.execute(cursors.insert().values(name=name, position=store.head(conn), lease_until=0.0))


def check_sums(db) -> tuple[int, int]:
    """Every product's on hand and value are the sums of its movements; returns how many
    products the store has stock rows of, and how many stand below their reorder point."""
    with db.read() as conn:
        wrong = conn.execute(
            text(
                "SELECT count(*) FROM stock_levels l JOIN (SELECT product_id, sum(change) AS units, "
                "sum(value_change) AS value FROM stock_movements WHERE store_id = :s GROUP BY product_id) m "
                "ON m.product_id = l.product_id WHERE l.store_id = :s "
                "AND (m.units != l.on_hand OR m.value != l.value_minor)"
            ),
            {"s": STORE},
        ).scalar()
        assert wrong == 0, f"{wrong} products whose stock is not the sum of their movements"
        mine = stock_levels.c.store_id == STORE
        moved = conn.execute(select(func.count()).select_from(stock_levels).where(mine)).scalar()
        low = conn.execute(
            select(func.count()).select_from(stock_levels).where(mine, stock_levels.c.low.is_(True))
        ).scalar()
    return moved, low


def build(url: str, takes: int, decided: Decided | None, verify: bool) -> tuple[list[str], Decided, dict]:
    """A migrated inventory database with the store, its catalogue and its year of stock (the
    year ``decided`` already, else decided here)."""
    upgrade(APP, url)
    db, store = Database(url), EventStore("inventory")
    started = time.perf_counter()
    stylists = learn_store(Worker(db, store))
    define_catalogue(db, store, random.Random(20261203))
    took = {"catalogue_s": time.perf_counter() - started}
    if decided is None:
        decided = decide_year(db, takes, stylists)
        took["decided_s"] = decided.seconds
    else:
        assert catalogue_of(db) == decided.products, "not the catalogue the year was decided for"
    written = time.perf_counter()
    write_year(db, store, decided)
    moved, low = check_sums(db)
    took["written_s"] = time.perf_counter() - written
    counts = {"moved": moved, "low": low, "products": len(decided.products), "events": decided.events}
    counts |= {"movements": decided.movements, **took, "build_s": time.perf_counter() - started}
    if verify:
        with db.read() as conn:
            built = checksum(conn, STOCK)
        rebuilt = time.perf_counter()
        rebuild(db, store, STOCK)
        counts["rebuild_s"] = time.perf_counter() - rebuilt
        with db.read() as conn:
            assert checksum(conn, STOCK) == built, "the bulk-built read model is not what a rebuild makes"
    if db.dialect == "postgresql":  # what autovacuum does after so many inserts on a live server
        vacuumed = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        counts["vacuum_s"] = time.perf_counter() - vacuumed
    db.dispose()
    return stylists, decided, counts


# -- measuring ----------------------------------------------------------------------------


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure_reads(db, quick: bool) -> dict:
    raw = text("SELECT * FROM stock_levels WHERE store_id = :s ORDER BY product_id LIMIT 50")

    def page(**filters) -> dict:
        with db.read() as conn:
            stock.store_of(conn, STORE)
            return reads.stock_page(conn, STORE, limit=PAGE, **filters)

    def bare():
        with db.read() as conn:
            assert len(conn.execute(raw, {"s": STORE}).all()) == PAGE

    views = {"first": {}, "search": {"q": SEARCH}, "low": {"low": True}}
    views["deep"] = {"offset": page()["total"] - PAGE}
    found = {name: page(**filters) for name, filters in views.items()}
    assert all(len(page["items"]) == PAGE for page in found.values()), "a page of fewer than 50"
    for _ in range(10):
        bare()
        for filters in views.values():
            page(**filters)
    out = {name: [] for name in ("bare", *views)}
    for _ in range(100 if quick else 300):
        out["bare"].append(timed(bare))
        for name, filters in views.items():
            out[name].append(timed(lambda filters=filters: page(**filters)))
    out["totals"] = {name: found[name]["total"] for name in views}
    return out


def measure_consumption(db, store, stylists: list[str], quick: bool) -> dict:
    rounds = 1 if quick else 2
    for product_id, units in (("demo-dye-6n", 60), ("demo-developer-20", 90), ("demo-gloves", 1)):
        wanted = {"product_id": product_id, "quantity": units * (BOOKINGS * rounds + WARM)}
        run_unit_of_work(
            db, store, APP.projections, lambda uow, w=wanted: stock.receive(uow, STORE, w, STAFF)
        )
    worker, today = Worker(db, store), datetime.now(UTC).date()

    def batch(entry, count: int = BOOKINGS) -> float:
        bodies = [completed(stylists[n % len(stylists)], today) for n in range(count)]
        gc.collect()
        started = time.perf_counter()
        for body in bodies:
            worker.deliver(entry, body)
        return count / (time.perf_counter() - started)

    batch(Noting.on_booking_noted, WARM)  # both paths warm (statement caches, connections)
    batch(InventoryService.on_booking_completed, WARM)
    consumed, baseline = [], []
    for n in range(rounds):
        baseline.append(batch(Noting.on_booking_noted))
        consumed.append(batch(InventoryService.on_booking_completed))
        progress(
            f"inventory: round {n + 1}: recipes {consumed[-1]:,.0f}/s, kernel handler {baseline[-1]:,.0f}/s"
        )
    visit = stock_movements.c.reference.in_(select(completed_visits.c.booking_id))
    with db.read() as conn:
        visits = conn.execute(select(func.count()).select_from(completed_visits)).scalar()
        by_recipe = stock_movements.c.kind == "consumed", stock_movements.c.basis == "recipe"
        posted = conn.execute(
            select(func.count()).select_from(stock_movements).where(visit, *by_recipe)
        ).scalar()
        below = conn.execute(
            select(func.count()).select_from(stock_movements).where(visit, stock_movements.c.negative)
        ).scalar()
    assert (visits, posted, below) == (BOOKINGS * rounds + WARM, 3 * visits, 0), (visits, posted, below)
    return {"consumed": consumed, "baseline": baseline}


def measure(kind: str, quick: bool, decided: Decided | None) -> dict:
    takes = 50_000 if quick else 200_000
    with scratch_dir() as tmp, scratch_db(kind, tmp) as url:
        gc.disable()  # the build allocates millions of acyclic objects: no collection would free any
        try:
            stylists, decided, counts = build(url, takes, decided, verify=quick and kind == "sqlite")
        finally:
            gc.enable()
        progress(
            f"inventory: {kind}: {counts['products']:,} products ({counts['moved']:,} with stock, "
            f"{counts['low']:,} low), {counts['events']:,} stock events, {counts['movements']:,} movements; "
            + ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in counts.items() if k.endswith("_s"))
        )
        db, store = Database(url), EventStore("inventory")
        gc.collect()
        gc.freeze()  # as shared.serve does once a service has started
        found = measure_reads(db, quick)
        found |= measure_consumption(db, store, stylists, quick)
        db.dispose()
        gc.unfreeze()
        return found | {"counts": counts, "decided": decided}


def run(quick: bool) -> list[Figure]:
    figures, ms, decided = [], 1000.0, None
    for kind in ("sqlite", "postgresql"):
        progress(f"inventory: {kind}, building the store and its year")
        found = measure(kind, quick, decided)
        decided = found.pop("decided")
        label = "SQLite" if kind == "sqlite" else "PostgreSQL"
        counts, totals = found["counts"], found["totals"]
        bare99 = percentile(found["bare"], 99) * ms
        built = (
            f"{counts['products']:,} products, {counts['movements']:,} movements ({counts['events']:,} stock "
            f"events), built in {counts['build_s']:.0f} s; {len(found['first'])} runs; "
        )
        for name, title in (
            ("first", "the first page of the stock list"),
            ("search", f"a search (q={SEARCH}, {totals['search']:,} found)"),
            ("low", f"below reorder point (low=true, {totals['low']:,} found)"),
            ("deep", f"the last page (offset {totals['deep'] - PAGE:,})"),
        ):
            figures.append(
                Figure(
                    "inventory",
                    f"{label}: {title}, p99",
                    percentile(found[name], 99) * ms,
                    "ms",
                    "bare read of 50 stock rows p99" if name == "first" else "bare read p99",
                    bare99,
                    higher_is_better=False,
                    target=30,
                    target_kind="value",
                    notes=(built if name == "first" else "")
                    + f"p50 {median(found[name]) * ms:.1f} ms, bare p50 {median(found['bare']) * ms:.1f} ms",
                )
            )
        figures.append(
            Figure(
                "inventory",
                f"{label}: recipes of {BOOKINGS:,} completed bookings consumed",
                max(found["consumed"]),
                "bookings/s",
                "kernel handler, one event recorded",
                max(found["baseline"]),
                target=0.5,
                notes=f"recipes {spread(found['consumed'])} (3 StockConsumed each); "
                f"kernel handler {spread(found['baseline'])}",
            )
        )
    return figures


def main() -> None:
    cli(run, __doc__)


if __name__ == "__main__":
    main()
