"""The members service's nameko face: it turns identity's sign-ups into members, keeps their
points from orders' payments and refunds, their stored value cards from the top-ups orders
sells and their service packages from the packages it sells, serves them as tenders of the
orders' protocol, keeps HQ's package catalogue, and answers member queries (and /readyz
pings)."""

import uuid
from datetime import UTC, datetime

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
)
from services.identity.contracts import MemberSignedUp
from services.orders.contracts import OrderCreated, OrderPaid, OrderRefunded
from shared.envelope import utc_iso
from shared.errors import NotFound
from shared.handlers import handles
from shared.idempotency import keyed
from shared.kernel import Kernel, Pingable
from shared.projections import project
from shared.rpc import rpc
from shared.timers import on_timer

from . import (
    automatic_coupons,
    birthdays,
    complaints,
    coupons,
    history,
    package_views,
    packages,
    points,
    privacy,
    profiles,
    reads,
    segments,
    stored_value,
    tender,
    tiers,
)
from .app import APP
from .contracts import MemberRegistered
from .domain import member_from_sign_up, stream_of
from .package_views import SoldPackages
from .projections import SoldTopUps, member_view
from .tables import members


def _now() -> datetime:
    return datetime.now(UTC)


IDEMPOTENT = uuid.UUID("9a3c1e52-6f0d-4b7a-8e21-5c4d3b2a1f09")  # ids from the caller's key


def _id_for(key: str | None, scope: str) -> str:
    return str(uuid.uuid4()) if key is None else str(uuid.uuid5(IDEMPOTENT, f"{scope}:{key}"))


HISTORY = history.MemberHistory()
TOP_UPS = SoldTopUps()
PACKAGE_SALES = SoldPackages()


class MembersService(Pingable):
    name = "members"
    kernel = Kernel(APP)

    @handles(MemberSignedUp)
    def on_member_signed_up(self, event, uow):
        member = member_from_sign_up(event.data)
        stream = stream_of(member["member_id"])
        # The inbox already drops a redelivered event; this also covers a second sign-up
        # event (a new id) for a member that exists: the first registration stands.
        if uow.version(stream) == 0:
            uow.record(stream, 0, MemberRegistered, member)

    @handles(OrderCreated)
    def on_order_created(self, event, uow):
        project(uow.conn, TOP_UPS, event)
        project(uow.conn, PACKAGE_SALES, event)

    @handles(OrderPaid)
    def on_order_paid(self, event, uow):
        project(uow.conn, HISTORY, event)
        points.earn(uow, event.data, _now(), paid_at=event.time)
        stored_value.load_paid(uow, event.data, _now())
        packages.load_paid(uow, event.data, _now(), paid_at=event.time)
        tiers.spent(uow, event.data, _now())

    @handles(OrderRefunded)
    def on_order_refunded(self, event, uow):
        project(uow.conn, HISTORY, event)
        points.reverse(uow, event.data)
        tiers.refunded(uow, event.data, _now())

    @handles(BookingCreated)
    def on_booking_created(self, event, uow):
        project(uow.conn, HISTORY, event)

    @handles(BookingRescheduled)
    def on_booking_rescheduled(self, event, uow):
        project(uow.conn, HISTORY, event)

    @handles(BookingCancelled)
    def on_booking_cancelled(self, event, uow):
        project(uow.conn, HISTORY, event)

    @handles(BookingCheckedIn)
    def on_booking_checked_in(self, event, uow):
        project(uow.conn, HISTORY, event)

    @handles(BookingStarted)
    def on_booking_started(self, event, uow):
        project(uow.conn, HISTORY, event)

    @handles(BookingCompleted)
    def on_booking_completed(self, event, uow):
        project(uow.conn, HISTORY, event)
        if event.data["customer_id"] is not None:
            automatic_coupons.first_visit(uow, event.data["customer_id"], _now())

    @handles(BookingNoShow)
    def on_booking_no_show(self, event, uow):
        project(uow.conn, HISTORY, event)

    @handles(SegmentReassigned)
    def on_booking_segment_reassigned(self, event, uow):
        project(uow.conn, HISTORY, event)

    @rpc
    def get_history(self, member_id: str, limit: int = 50, offset: int = 0) -> dict:
        """A member's visits, no-shows, cancellations, spend, favourites and bookings, newest first."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return history.summary(conn, member_id, limit, offset)

    @on_timer(tiers.LAPSE)
    def tier_lapse(self, timer, uow):
        """The member's oldest spend leaves the window: their tier is decided again."""
        tiers.decide(uow, timer.payload["member_id"], _now(), "lapse")

    @rpc
    def get_tier(self, member_id: str) -> dict:
        """The tier a member stands in, their spend over the window, and what the tier gives."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return reads.tier_view(conn, member_id, tiers.rules_of(conn), _now())

    @rpc
    def tier_rules(self) -> dict:
        with self.kernel.read() as conn:
            return tiers.rules_of(conn).as_data()

    @rpc
    def set_tier_rules(self, changes: dict, actor: dict) -> dict:
        self.kernel.execute(lambda uow: tiers.set_rules(uow, changes, actor))
        return self.tier_rules()

    @on_timer(points.EXPIRY)
    def expire_points(self, timer, uow):
        points.expire(uow, timer.payload["member_id"], timer.payload["lot_id"], _now())

    @on_timer(birthdays.KIND)
    def birthday(self, timer, uow):
        """The member's birthday: HQ's bonus points and birthday coupons; the next one scheduled."""
        birthdays.celebrate(uow, timer.payload["member_id"], _now())

    @on_timer(coupons.LAPSED_ROUND)
    def lapsed_round(self, timer, uow):
        """A lapsed campaign's round: coupons for the members who have not come for its days."""
        automatic_coupons.issue_lapsed(uow, timer.payload["campaign_id"], timer.payload["batch"], _now())

    @rpc
    def get_points(self, member_id: str, limit: int = 50, offset: int = 0) -> dict:
        """A member's points balance, what expires when, and the ledger, newest first."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return reads.points_view(conn, member_id, limit, offset)

    @rpc
    def adjust_points(
        self, member_id: str, points_change: int, reason: str, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """Give or take away points by hand, with a reason; a retry with the key moves none."""
        wanted = {"member_id": member_id, "points": points_change, "reason": reason}
        idempotency = keyed("members.adjust_points", idempotency_key, wanted)
        adjustment_id = str(uuid.uuid4())
        self.kernel.execute(
            lambda uow: points.adjust(uow, member_id, points_change, reason, actor, adjustment_id, _now()),
            idempotency=idempotency,
        )
        return self.get_points(member_id)

    @rpc
    def tender(self, step: str, kind: str, reference: str, **args) -> dict:
        """The orders' tender protocol for members' tenders (points, stored value, coupons):
        ``step`` is authorize, capture, void, refund or inquire, keyed by ``reference``; the
        rest (the order's member, store, id and lines, a coupon's code, the amount, a
        refund's reference) as ``tender.step`` names them."""
        return tender.step(self.kernel.execute, self.kernel.read, step, kind, reference, _now(), **args)

    @rpc
    def top_up_offer(self, member_id: str | None, store_id: str, amount: dict) -> dict:
        """What a top-up of the member's card would give (the bonus) and where the card would
        work; orders asks before it sells one. Refused for a walk-in or an unknown member, an
        amount of zero or less, or another currency than the card's."""
        with self.kernel.read() as conn:
            return stored_value.offer(conn, member_id, store_id, amount)

    @rpc
    def define_package(self, wanted: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """A package in HQ's catalogue: sessions of one service, its price, how long it is valid."""
        package_id = _id_for(idempotency_key, "package")
        idempotency = keyed("members.define_package", idempotency_key, wanted)
        self.kernel.execute(
            lambda uow: packages.define(uow, package_id, wanted, actor), idempotency=idempotency
        )
        return self.get_package(package_id)

    @rpc
    def retire_package(self, package_id: str, actor: dict) -> dict:
        """No longer sold; those bought keep working until they expire."""
        self.kernel.execute(lambda uow: packages.retire(uow, package_id, actor))
        return self.get_package(package_id)

    @rpc
    def get_package(self, package_id: str) -> dict:
        with self.kernel.read() as conn:
            return package_views.package_view(packages.found(conn, package_id))

    @rpc
    def list_packages(
        self, store_id: str | None = None, retired: bool = False, limit: int = 50, offset: int = 0
    ) -> dict:
        """HQ's packages by name; with ``store_id``, those sold there; retired ones if asked."""
        with self.kernel.read() as conn:
            return package_views.catalogue(conn, store_id, retired, limit, offset)

    @rpc
    def package_offer(self, member_id: str | None, store_id: str, package_id: str) -> dict:
        """The terms of a package sold now to the member at the store; orders asks before it
        sells one. Refused for a walk-in, an unknown member, an unknown or retired package, or
        one not sold in the store."""
        with self.kernel.read() as conn:
            return packages.offer(conn, member_id, store_id, package_id)

    @rpc
    def get_packages(self, member_id: str, limit: int = 50, offset: int = 0) -> dict:
        """A member's packages (sessions and value left, expiry, status), what is still owed,
        and the ledger, newest first."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return package_views.member_view(conn, member_id, limit, offset, utc_iso(_now()))

    @on_timer(packages.EXPIRY)
    def expire_package(self, timer, uow):
        """A package's date: its sessions left lapse."""
        packages.expire(uow, timer.payload["member_id"], timer.payload["holding_id"], _now())

    @rpc
    def get_stored_value(self, member_id: str, limit: int = 50, offset: int = 0) -> dict:
        """A member's card: balance (principal and bonus), what is on hold, where each load
        works, and the ledger, newest first."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return reads.stored_value_view(conn, member_id, limit, offset)

    @rpc
    def stored_value_rules(self) -> dict:
        with self.kernel.read() as conn:
            return stored_value.rules_of(conn).as_data()

    @rpc
    def set_stored_value_rules(self, changes: dict, actor: dict) -> dict:
        self.kernel.execute(lambda uow: stored_value.set_rules(uow, changes, actor))
        return self.stored_value_rules()

    @rpc
    def points_rules(self) -> dict:
        with self.kernel.read() as conn:
            return points.rules_of(conn).as_data()

    @rpc
    def set_points_rules(self, changes: dict, actor: dict) -> dict:
        self.kernel.execute(lambda uow: points.set_rules(uow, changes, actor))
        return self.points_rules()

    @rpc
    def create_campaign(self, wanted: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """A campaign (HQ's, or a store manager's for their store: ``owner_store``)."""
        campaign_id = _id_for(idempotency_key, "campaign")
        idempotency = keyed("members.create_campaign", idempotency_key, wanted)
        self.kernel.execute(
            lambda uow: coupons.create(uow, campaign_id, wanted, actor, _now()), idempotency=idempotency
        )
        return self.get_campaign(campaign_id)

    @rpc
    def get_campaign(self, campaign_id: str) -> dict:
        """A campaign, its counts and its effect per store."""
        with self.kernel.read() as conn:
            row = coupons.campaign_row(conn, campaign_id)
            if row is None:
                raise NotFound(f"no campaign {campaign_id}", {"campaign_id": campaign_id})
            return reads.campaign_view(conn, row)

    @rpc
    def list_campaigns(self, store_id: str | None = None, limit: int = 50, offset: int = 0) -> dict:
        with self.kernel.read() as conn:
            return reads.campaign_list(conn, store_id, limit, offset)

    @rpc
    def end_campaign(self, campaign_id: str, actor: dict) -> dict:
        """No more coupons issued or redeemed; those redeemed stay so."""
        self.kernel.execute(lambda uow: coupons.end(uow, campaign_id, actor))
        return self.get_campaign(campaign_id)

    @rpc
    def issue_coupon(self, campaign_id: str, member_id: str, actor: dict, idempotency_key: str | None = None):
        """A coupon of the campaign for one member; a retry with the key issues none more."""
        coupon_id = _id_for(idempotency_key, f"coupon:{campaign_id}")
        idempotency = keyed(
            "members.issue_coupon", idempotency_key, {"campaign_id": campaign_id, "member": member_id}
        )
        self.kernel.execute(
            lambda uow: coupons.issue(uow, campaign_id, member_id, actor, coupon_id, _now()),
            idempotency=idempotency,
        )
        with self.kernel.read() as conn:
            return reads.coupon(conn, coupon_id)

    @rpc
    def define_segment(self, wanted: dict, actor: dict, idempotency_key: str | None = None) -> dict:
        """A segment: a saved filter (HQ's, or a store manager's: ``owner_store``)."""
        segment_id = _id_for(idempotency_key, "segment")
        idempotency = keyed("members.define_segment", idempotency_key, wanted)
        self.kernel.execute(
            lambda uow: segments.define(uow, segment_id, wanted, actor), idempotency=idempotency
        )
        return self.get_segment(segment_id)

    @rpc
    def get_segment(self, segment_id: str) -> dict:
        """A segment and how many members it has now."""
        with self.kernel.read() as conn:
            return reads.segment_view(
                conn, segments.segment_row(conn, segment_id), segments.members_of(conn, segment_id, _now())
            )

    @rpc
    def segment_members(self, segment_id: str, limit: int = 50, offset: int = 0) -> dict:
        """A page of the segment's members now (id, name, tier)."""
        with self.kernel.read() as conn:
            ids = segments.members_of(conn, segment_id, _now())
            return reads.member_page(conn, segment_id, ids, limit, offset)

    @rpc
    def issue_to_segment(
        self, campaign_id: str, segment_id: str, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """Start issuing the campaign to the segment's members (batch by batch, by a timer)."""
        job_id = _id_for(idempotency_key, f"segment-issue:{campaign_id}")
        with self.kernel.read() as conn:
            segments.segment_row(conn, segment_id)
        return self.kernel.execute(
            lambda uow: segments.start_issue(uow, campaign_id, segment_id, job_id, actor, _now())
        )

    @rpc
    def segment_issue(self, campaign_id: str, job_id: str) -> dict:
        with self.kernel.read() as conn:
            return segments.job_view(conn, campaign_id, job_id)

    @on_timer(segments.ISSUE)
    def issue_segment_batch(self, timer, uow):
        """The next batch of a campaign issued to a segment."""
        segments.issue_batch(uow, timer.payload["job_id"], _now())

    @rpc
    def get_coupons(self, member_id: str, limit: int = 50, offset: int = 0) -> dict:
        """A member's coupons, newest first, with their code and status."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return reads.member_coupons(conn, member_id, limit, offset)

    @rpc
    def register_member(
        self, store_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """A member registered by staff at the counter (no login)."""
        member_id = _id_for(idempotency_key, "register")
        idempotency = keyed("members.register_member", idempotency_key, {"store_id": store_id, **wanted})
        self.kernel.execute(
            lambda uow: profiles.register(uow, member_id, store_id, wanted, actor, _now()),
            idempotency=idempotency,
        )
        return self.member_card(member_id)

    @rpc
    def member_card(self, member_id: str) -> dict:
        """A member as staff see them: the profile, the stores that know them, every consent."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return profiles.card(conn, member_id)

    @rpc
    def update_profile(
        self, member_id: str, changes: dict, by_staff: bool, actor: dict, expected_version: int | None = None
    ) -> dict:
        self.kernel.execute(
            lambda uow: profiles.update(uow, member_id, expected_version, changes, by_staff, actor, _now())
        )
        return self.member_card(member_id)

    @rpc
    def change_consent(self, member_id: str, channel: str, given: bool, how: str, actor: dict) -> dict:
        self.kernel.execute(lambda uow: profiles.consent(uow, member_id, channel, given, how, actor))
        return self.member_card(member_id)

    @rpc
    def add_care_note(self, member_id: str, kind: str, text: str, store_id: str | None, actor: dict) -> dict:
        note_id = str(uuid.uuid4())
        self.kernel.execute(
            lambda uow: profiles.add_care_note(uow, member_id, note_id, kind, text, store_id, actor)
        )
        return self.care_notes(member_id)

    @rpc
    def care_notes(self, member_id: str) -> dict:
        """The care notes staff keep of a member, newest first."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return {"member_id": member_id, "items": profiles.notes_of(conn, member_id)}

    @rpc
    def search_members(self, q: str, store_id: str | None = None, limit: int = 20, offset: int = 0) -> dict:
        """Members by name, phone or e-mail prefix; with ``store_id``, those the store knows."""
        with self.kernel.read() as conn:
            return profiles.search(conn, q, store_id, limit, offset)

    @rpc
    def give_feedback(self, member_id: str, booking_id: str, rating: int, comment: str | None = None) -> dict:
        """A rating of 1 to 5 and a comment on a completed visit of the member's, once."""
        self.kernel.execute(lambda uow: complaints.give_feedback(uow, member_id, booking_id, rating, comment))
        return {"member_id": member_id, "booking_id": booking_id, "rating": rating, "comment": comment}

    @rpc
    def store_feedback(self, store_id: str, limit: int = 50, offset: int = 0) -> dict:
        with self.kernel.read() as conn:
            return complaints.store_feedback(conn, store_id, limit, offset)

    @rpc
    def open_complaint(
        self, member_id: str, wanted: dict, actor: dict, idempotency_key: str | None = None
    ) -> dict:
        """A complaint of the member's about one of their bookings or orders."""
        self.get_member(member_id, wait_seconds=0)
        complaint_id = _id_for(idempotency_key, f"complaint:{member_id}")
        idempotency = keyed("members.open_complaint", idempotency_key, {"member_id": member_id, **wanted})
        self.kernel.execute(
            lambda uow: complaints.open_complaint(uow, complaint_id, member_id, wanted, actor),
            idempotency=idempotency,
        )
        return self.get_complaint(complaint_id)

    @rpc
    def get_complaint(self, complaint_id: str) -> dict:
        """A complaint with its timeline."""
        with self.kernel.read() as conn:
            return complaints.view(conn, complaints.complaint_row(conn, complaint_id))

    @rpc
    def act_on_complaint(self, complaint_id: str, wanted: dict, actor: dict) -> dict:
        """Take, note, resolve (an apology, a redo, a refund, a coupon), reopen or close."""
        self.kernel.execute(lambda uow: complaints.act(uow, complaint_id, wanted, actor, _now()))
        return self.get_complaint(complaint_id)

    @rpc
    def list_complaints(
        self,
        member_id: str | None = None,
        store_id: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict:
        """A member's complaints, or a store's queue (the oldest first)."""
        with self.kernel.read() as conn:
            return complaints.listing(
                conn, limit, offset, member_id=member_id, store_id=store_id, status=status
            )

    @rpc
    def erase_member(self, member_id: str, actor: dict) -> dict:
        """Forget the member's personal data in every service; the amounts stay."""
        self.kernel.execute(lambda uow: privacy.erase(uow, member_id, actor, _now()))
        return self.get_member(member_id, wait_seconds=0)

    @rpc
    def export_member(self, member_id: str) -> dict:
        """Everything members keeps about the member, in one document."""
        self.get_member(member_id, wait_seconds=0)
        with self.kernel.read() as conn:
            return privacy.export(conn, member_id, _now())

    @rpc
    def get_member(self, member_id: str, wait_seconds: float | None = None) -> dict:
        """One member; waits (bounded) for it, since the gateway asks right after sign-up,
        before identity's event may have reached this service."""

        def query(conn):
            return conn.execute(select(members).where(members.c.member_id == member_id)).first()

        row = self.kernel.wait_for(query, wait_seconds)
        if row is None:
            raise NotFound(f"no member {member_id}", {"member_id": member_id})
        return member_view(row)


SERVICE = MembersService
