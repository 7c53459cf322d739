"""The orders service's nameko face: it follows bookings (and members' tiers, for the discount
on services), sells at the counter, takes payments, gives refunds, handles after-sales
requests, and answers queries. The rules are in ``domain``; the commands in ``following``,
``counter``, ``checkout``, ``payments``, ``refunds``, ``after_sales`` and ``redress``.

Callers (the gateway) pass ``actor`` = {"account_id", "role"}: who acts, recorded on every
event. Money-moving commands take the caller's idempotency key: a retry with the same key
moves no more money and gets the same answer.
"""

import functools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nameko.timer import timer
from sqlalchemy import select

from services.booking.contracts import (
    BookingCancelled,
    BookingCheckedIn,
    BookingCompleted,
    BookingCreated,
    BookingNoShow,
    BookingRescheduled,
    BookingStarted,
    SegmentReassigned,
    ServiceListed,
    ServiceUpdated,
    StoreClosed,
    StoreOpened,
    StoreReopened,
    StoreUpdated,
)
from services.booking.contracts.directory import StoreDirectory
from services.inventory.contracts import ProductChanged, ProductDefined, StorePriceSet
from services.members.contracts import MemberErased, TierChanged
from shared.config import (
    GATEWAY_PORT,
    PROVIDER_CALLBACK_DELAY,
    PROVIDER_CALLBACK_URL,
    PROVIDER_LATENCY,
    PROVIDER_SECRET,
    RETENTION_DAYS,
    VAR_DIR,
)
from shared.errors import NotFound
from shared.handlers import handles
from shared.idempotency import answered, keyed
from shared.kernel import Kernel, Pingable
from shared.personal import erase
from shared.projections import project
from shared.rpc import Rpc, rpc
from shared.timers import on_timer

from . import (
    after_sales,
    checkout,
    counter,
    demo,
    following,
    payments,
    reads,
    receipts,
    redress,
    refunds,
    retention,
)
from .app import APP
from .projections import MemberTiers, Orders, ServiceCategories
from .provider import Callbacks, SimulatedProvider
from .retail import RetailCatalogue
from .streams import settings_of, store_of
from .tables import orders, stores
from .tender_protocol import Tenders

KNOWN_STORES = StoreDirectory(stores)
SERVICE_CATEGORIES = ServiceCategories()
RETAIL_CATALOGUE = RetailCatalogue()
MEMBER_TIERS = MemberTiers()
ORDERS = Orders()
IDEMPOTENT = uuid.UUID("0b8e3f0e-4a57-4c43-8a8f-1f7b8e0f5a21")  # payment and refund ids from the caller's key
PURGE_EVERY = 3600  # seconds


def _now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def provider() -> SimulatedProvider:
    """This process's payment provider: the simulated one (its file is shared by every replica)."""
    url = PROVIDER_CALLBACK_URL.get() or f"http://127.0.0.1:{GATEWAY_PORT.get()}/api/v1/payments/callback"
    secret = PROVIDER_SECRET.get()
    callbacks = Callbacks(url, secret, float(PROVIDER_CALLBACK_DELAY.get())) if secret else None
    Path(VAR_DIR.get()).mkdir(parents=True, exist_ok=True)
    return SimulatedProvider(
        str(Path(VAR_DIR.get()) / "payment-provider.db"), float(PROVIDER_LATENCY.get()), callbacks
    )


def _id_for(key: str | None, scope: str) -> str:
    return str(uuid.uuid4()) if key is None else str(uuid.uuid5(IDEMPOTENT, f"{scope}:{key}"))


class OrdersService(Pingable):
    name = "orders"
    kernel = Kernel(APP)
    booking = Rpc("booking")  # books the redo of an after-sales request
    members = Rpc("members")  # points and stored value (and later coupons) as tenders; top-up offers
    inventory = Rpc("inventory")  # whether a store has the products a sale takes

    # --- following bookings and learning the catalogue ----------------------------------

    @handles(BookingCreated)
    def on_booking_created(self, event, uow):
        following.created(uow, event.data)

    @handles(BookingCheckedIn)
    def on_booking_checked_in(self, event, uow):
        following.progressed(uow, event.type, event.data)

    @handles(BookingStarted)
    def on_booking_started(self, event, uow):
        following.progressed(uow, event.type, event.data)

    @handles(BookingCompleted)
    def on_booking_completed(self, event, uow):
        following.progressed(uow, event.type, event.data)

    @handles(BookingRescheduled)
    def on_booking_rescheduled(self, event, uow):
        following.progressed(uow, event.type, event.data)

    @handles(SegmentReassigned)
    def on_segment_reassigned(self, event, uow):
        following.progressed(uow, event.type, event.data)

    @handles(BookingCancelled)
    def on_booking_cancelled(self, event, uow):
        following.cancelled(uow, event.data, _now())

    @handles(BookingNoShow)
    def on_booking_no_show(self, event, uow):
        following.cancelled(uow, event.data, _now())

    @handles(StoreOpened)
    def on_store_opened(self, event, uow):
        project(uow.conn, KNOWN_STORES, event)

    @handles(StoreUpdated)
    def on_store_updated(self, event, uow):
        project(uow.conn, KNOWN_STORES, event)

    @handles(StoreClosed)
    def on_store_closed(self, event, uow):
        project(uow.conn, KNOWN_STORES, event)

    @handles(StoreReopened)
    def on_store_reopened(self, event, uow):
        project(uow.conn, KNOWN_STORES, event)

    @handles(ServiceListed)
    def on_service_listed(self, event, uow):
        project(uow.conn, SERVICE_CATEGORIES, event)

    @handles(ServiceUpdated)
    def on_service_updated(self, event, uow):
        project(uow.conn, SERVICE_CATEGORIES, event)

    @handles(ProductDefined)
    def on_product_defined(self, event, uow):
        project(uow.conn, RETAIL_CATALOGUE, event)

    @handles(ProductChanged)
    def on_product_changed(self, event, uow):
        project(uow.conn, RETAIL_CATALOGUE, event)

    @handles(StorePriceSet)
    def on_store_price_set(self, event, uow):
        project(uow.conn, RETAIL_CATALOGUE, event)

    @handles(TierChanged)
    def on_tier_changed(self, event, uow):
        project(uow.conn, MEMBER_TIERS, event)

    @handles(MemberErased)
    def on_member_erased(self, event, uow):
        erase(uow.conn, event.data["member_id"])
        project(uow.conn, ORDERS, event)

    # --- queries ------------------------------------------------------------------------

    @rpc
    def get_order(self, order_id: str, wait_seconds: float | None = 0) -> dict:
        """An order with its lines, payments and refunds."""

        def query(conn):
            row = reads.order_row(conn, order_id)
            return None if row is None else reads.detail(conn, row)

        found = self.kernel.wait_for(query, wait_seconds) if wait_seconds else self._read(query)
        if found is None:
            raise NotFound(f"no order {order_id}", {"order_id": order_id})
        return found

    @rpc
    def find_by_booking(self, booking_id: str, wait_seconds: float | None = None) -> dict:
        """The order made from a booking; waits (bounded) for it when the booking is fresh."""

        def query(conn):
            row = conn.execute(select(orders).where(orders.c.booking_id == booking_id)).first()
            return None if row is None else reads.detail(conn, row)

        found = self.kernel.wait_for(query, wait_seconds)
        if found is None:
            raise NotFound(f"no order for booking {booking_id}", {"booking_id": booking_id})
        return found

    @rpc
    def list_orders(
        self,
        store_id: str | None = None,
        date: str | None = None,
        status: str | None = None,
        customer_id: str | None = None,
        booking_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict:
        with self.kernel.read() as conn:
            return reads.order_list(conn, store_id, date, status, customer_id, booking_id, limit, offset)

    @rpc
    def takings(self, store_id: str, date: str) -> dict:
        """A store's takings for a day, per tender."""
        with self.kernel.read() as conn:
            if store_of(conn, store_id) is None:
                raise NotFound(f"orders knows no store {store_id}", {"store_id": store_id})
            return reads.takings(conn, store_id, date)

    @rpc
    def receipt(self, order_id: str, as_html: bool = False):
        """A settled order's receipt, as data or as a printable page."""
        with self.kernel.read() as conn:
            row = reads.order_row(conn, order_id)
            if row is None:
                raise NotFound(f"no order {order_id}", {"order_id": order_id})
            found = receipts.receipt(conn, row)
        if found is None:
            raise NotFound(f"order {order_id} has no receipt: it is not settled", {"order_id": order_id})
        return receipts.html(found) if as_html else found

    @rpc
    def known_store(self, store_id: str, wait_seconds: float | None = None) -> dict:
        """A store as orders learnt it from booking's events."""

        def query(conn):
            return store_of(conn, store_id)

        row = self.kernel.wait_for(query, wait_seconds)
        if row is None:
            raise NotFound(f"orders knows no store {store_id}", {"store_id": store_id})
        return dict(row._mapping)

    @rpc
    def till_settings(self, store_id: str) -> dict:
        with self.kernel.read() as conn:
            if store_of(conn, store_id) is None:
                raise NotFound(f"orders knows no store {store_id}", {"store_id": store_id})
            return {"store_id": store_id, **settings_of(conn, store_id).as_data()}

    # --- commands -----------------------------------------------------------------------

    @rpc
    def set_till_settings(self, store_id: str, changes: dict, actor: dict) -> dict:
        self.till_settings(store_id)  # a store orders knows
        self.kernel.execute(lambda uow: checkout.set_settings(uow, store_id, changes, actor))
        return self.till_settings(store_id)

    @rpc
    def sell(self, sale: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """A sale at the counter (``store_id``, ``customer_id`` or none, ``lines`` of products,
        top-ups of the member's card and service packages): an order to pay like any other.
        With the key, a retry answers the same order."""
        offers = counter.offers(sale, self.members.top_up_offer, self.members.package_offer)
        idempotency = keyed("orders.sell", idempotency_key, sale)
        with self.kernel.read() as conn:
            retried = answered(conn, idempotency)
        if not retried:
            self._stock_for(sale["store_id"], sale["lines"])
        order_id = _id_for(idempotency_key, "sell")
        self.kernel.execute(
            lambda uow: counter.sell(uow, order_id, sale, actor, offers, _now()), idempotency=idempotency
        )
        return self.get_order(order_id, wait_seconds=None)

    def _stock_for(self, store_id: str, lines: list[dict], one: bool = False) -> None:
        """Inventory refuses product lines beyond the store's stock where it may not go below zero
        (naming each line by its place among ``lines``, or ``quantity`` for ``one`` line)."""
        if any(x["kind"] == "product" for x in lines):
            self.inventory.check_sale(store_id=store_id, lines=lines, one=one)

    @rpc
    def add_line(self, order_id: str, line: dict, actor: dict) -> dict:
        """A line added at checkout (a service or a product, optionally discounted)."""
        self._stock_for(self.get_order(order_id, wait_seconds=0)["store_id"], [line], one=True)
        self.kernel.execute(lambda uow: checkout.add_line(uow, order_id, line, actor))
        return self.get_order(order_id)

    @rpc
    def pay(
        self,
        order_id: str,
        tenders: list[dict],
        tip: dict | None = None,
        actor: dict | None = None,
        idempotency_key: str | None = None,
    ) -> dict:
        """Pay with one or several tenders; answers the payment (captured, failed or pending)
        and the order. With ``idempotency_key`` a retry charges nothing more."""
        wanted = {"order_id": order_id, "tenders": tenders, "tip": tip}
        idempotency = keyed("orders.pay", idempotency_key, wanted)
        payment_id = payments.pay(
            self.kernel.execute,
            self.ways_to_pay(),
            order_id,
            wanted,
            actor or {},
            _id_for(idempotency_key, "pay"),
            _now,
            idempotency,
        )
        return self._payment(order_id, payment_id)

    def _payment(self, order_id: str, payment_id: str) -> dict:
        order = self.get_order(order_id, wait_seconds=None)
        with self.kernel.read() as conn:
            return reads.payment_view(conn, order, payment_id)

    @rpc
    def refund(self, order_id: str, request: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """Give money back to the tenders that paid (the last first), for an amount or lines."""
        idempotency = keyed("orders.refund", idempotency_key, {"order_id": order_id, **request})
        refund_id = refunds.refund(
            self.kernel.execute,
            self.ways_to_pay(),
            order_id,
            request,
            actor,
            _id_for(idempotency_key, "refund"),
            _now,
            idempotency,
        )
        order = self.get_order(order_id, wait_seconds=None)
        refund = next((r for r in order["refunds"] if r["refund_id"] == refund_id), None)
        if refund is None:  # the provider's answer was lost: the recovery timer gives it back
            return {"refund_id": refund_id, "status": "pending", "order": order}
        return {**refund, "order": order}

    @rpc
    def ask_after_sales(self, order_id: str, request: dict, actor: dict) -> dict:
        """A customer (or staff for them) asks for a completed service to be redone, for money
        back, or both, with a reason."""
        request_id = str(uuid.uuid4())
        self.kernel.execute(lambda uow: after_sales.ask(uow, order_id, request, actor, request_id))
        return self._after_sales(order_id, request_id)

    @rpc
    def accept_after_sales(
        self, order_id: str, request_id: str, decision: dict, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """The store puts it right: books the redo at no charge and/or refunds."""
        wanted = {"order_id": order_id, "request_id": request_id, **decision}
        idempotency = keyed("orders.accept_after_sales", idempotency_key, wanted)
        redress.accept(
            self.kernel.execute,
            self.ways_to_pay(),
            self.booking.create_booking,
            order_id,
            request_id,
            decision,
            actor,
            _now,
            idempotency,
        )
        return self._after_sales(order_id, request_id)

    @rpc
    def decline_after_sales(self, order_id: str, request_id: str, note: str, actor: dict) -> dict:
        self.kernel.execute(lambda uow: after_sales.decline(uow, order_id, request_id, note, actor))
        return self._after_sales(order_id, request_id)

    @rpc
    def store_after_sales(
        self, store_id: str, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> dict:
        """A store's after-sales requests, the oldest first (its queue)."""
        with self.kernel.read() as conn:
            if store_of(conn, store_id) is None:
                raise NotFound(f"orders knows no store {store_id}", {"store_id": store_id})
            return reads.after_sales_list(conn, store_id, status, limit, offset)

    def _after_sales(self, order_id: str, request_id: str) -> dict:
        order = self.get_order(order_id, wait_seconds=None)
        request = next(r for r in order["after_sales"] if r["request_id"] == request_id)
        return {**request, "order": order}

    @rpc
    def provider_callback(
        self, callback_id: str, reference: str, status: str, provider_ref: str | None = None
    ) -> dict:
        """The provider reports a payment it decided later (the gateway checked its signature)."""
        found = self.kernel.execute(
            lambda uow: payments.callback(uow, callback_id, reference, status, provider_ref, _now())
        )
        payments.drive(
            self.kernel.execute, self.ways_to_pay(), found["order_id"], found["payment_id"], {}, _now
        )
        return self._payment(found["order_id"], found["payment_id"])

    # --- timers -------------------------------------------------------------------------

    @on_timer(payments.RECOVERY)
    def recover_payment(self, timer, uow):
        """A payment not seen to its end (a lost answer, a process that died): drive it on."""
        payments.recover(uow, timer, self.kernel.execute, self.ways_to_pay(), _now)

    @on_timer(following.OVERPAYMENT)
    def give_back_overpayment(self, timer, uow):
        """A cancelled order was paid beyond its fee: give the rest back."""
        order_id = timer.payload["order_id"]
        refunds.give_back_overpayment(uow, order_id, self.kernel.execute, self.ways_to_pay(), _now)

    @on_timer(refunds.RECOVERY)
    def recover_refund(self, timer, uow):
        """A refund not seen to its end (a lost answer, a process that died): give it back."""
        refunds.recover(uow, timer, self.kernel.execute, self.ways_to_pay(), _now)

    @on_timer(following.DEPOSIT_DEADLINE)
    def deposit_deadline(self, timer, uow):
        """An online booking's deposit is due: unpaid, the booking is let go."""
        following.deposit_deadline(uow, timer.payload["order_id"], _now())

    @on_timer(demo.TILL)
    def demo_till(self, timer, uow):
        """``make run`` only: the demo's past visits are paid as the counter took them."""
        demo.till(uow, timer, self.kernel.execute, self.ways_to_pay(), _now)

    @timer(interval=PURGE_EVERY)
    def purge(self):
        """Idempotency keys, callback ids and provider references older than RETENTION_DAYS go."""
        cutoff = _now() - timedelta(days=float(RETENTION_DAYS.get()))
        self.kernel.execute(lambda uow: retention.purge(uow.conn, cutoff))

    def ways_to_pay(self) -> Tenders:
        """Every tender: cards through the provider, cash in the drawer, points and stored value
        through the members service (this worker's RPC)."""
        return Tenders(provider(), members=self.members.tender)

    def _read(self, query):
        with self.kernel.read() as conn:
            return query(conn)


SERVICE = OrdersService
