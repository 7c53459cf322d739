"""The members service's side of the orders' tender protocol, on a database of its own, for
tests that run orders and members each on its own real database without a broker: the
protocol is called as the RPC would call it, and orders' events are handed over as the
members' handlers receive them."""

import uuid
from datetime import UTC, datetime

from services.members import package_views, packages, points, reads, stored_value, tender
from services.members.app import APP as MEMBERS
from services.members.service import PACKAGE_SALES, TOP_UPS
from services.members.tables import members as members_table
from services.orders import counter
from services.orders.streams import order_stream
from shared.db import Database
from shared.envelope import utc_iso
from shared.eventstore import EventStore
from shared.projections import project
from shared.uow import run_unit_of_work


def eur(amount: int) -> dict:
    return {"amount_minor": amount, "currency": "EUR"}


class Members:
    def __init__(self, url: str):
        self.db = Database(url)
        self.store = EventStore("members")

    def execute(self, work, idempotency=None):
        return run_unit_of_work(self.db, self.store, MEMBERS.projections, work, idempotency=idempotency)[0]

    def tender(self, step, kind, reference, **args) -> dict:
        return tender.step(self.execute, self.db.read, step, kind, reference, datetime.now(UTC), **args)

    def registered(self, member_id: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                members_table.insert().values(
                    member_id=member_id,
                    account_id=f"acct-{member_id}",
                    name="Camille Martin",
                    email=f"{member_id}@example.com",
                    phone=None,
                    consent_terms=True,
                    consent_marketing_email=False,
                    consent_marketing_sms=False,
                    registered_at="2026-01-01T00:00:00Z",
                    version=1,
                )
            )

    def earned(self, member_id: str, euros: int) -> None:
        """The member earned a point per euro of an order paid by card."""
        paid = {
            "order_id": str(uuid.uuid4()),
            "store_id": "paris",
            "customer_id": member_id,
            "gross": eur(euros * 100),
            "tenders": [{"kind": "card_present", "amount": eur(euros * 100)}],
            "lines": [],
        }
        self.execute(lambda uow: points.earn(uow, paid, datetime.now(UTC)))

    def points(self, member_id: str) -> dict:
        with self.db.read() as conn:
            return reads.points_view(conn, member_id, 50, 0)

    def card(self, member_id: str) -> dict:
        with self.db.read() as conn:
            return reads.stored_value_view(conn, member_id, 100, 0)

    def offer(self, member_id, store_id: str, amount: dict) -> dict:
        with self.db.read() as conn:
            return stored_value.offer(conn, member_id, store_id, amount)

    def package_offer(self, member_id, store_id: str, package_id: str) -> dict:
        with self.db.read() as conn:
            return packages.offer(conn, member_id, store_id, package_id)

    def packages(self, member_id: str) -> dict:
        with self.db.read() as conn:
            return package_views.member_view(conn, member_id, 100, 0, utc_iso(datetime.now(UTC)))

    def follow(self, till, order_id: str) -> None:
        """Hand members the order's OrderCreated and OrderPaid, as its handlers get them."""
        with till.db.read() as conn:
            events = till.store.read_stream(conn, order_stream(order_id))
        for event in events:
            if event.type == "OrderCreated":
                self.execute(lambda uow, e=event: project(uow.conn, TOP_UPS, e))
                self.execute(lambda uow, e=event: project(uow.conn, PACKAGE_SALES, e))
            if event.type == "OrderPaid":
                self.execute(lambda uow, e=event: stored_value.load_paid(uow, e.data, datetime.now(UTC)))
                self.execute(lambda uow, e=event: packages.load_paid(uow, e.data, datetime.now(UTC)))


def sell(till, members: Members, sale: dict, actor: dict) -> str:
    """A sale at the counter as the orders service makes it: members' offer first, then the order."""
    offers = counter.offers(sale, members.offer, members.package_offer)
    order_id = str(uuid.uuid4())
    till.run(lambda uow: counter.sell(uow, order_id, sale, actor, offers, till.now))
    return order_id
