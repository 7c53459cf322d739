"""A member's history as other services tell it: their bookings (with services and stylists,
as booking's events carry them) and their paid orders (what orders' events say was received
and refunded). Fed by booking's and orders' events, so it is not among the app's replayable
projections (those replay members' own stream); every change is absolute, so a redelivered
or late event leaves the same rows. Queries sum it up: visits, no-shows, cancellations,
spend, first and last visit, favourite services and stylists."""

import json

from sqlalchemy import func, select

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
from services.orders.contracts import OrderPaid, OrderRefunded
from shared.projections import Delete, Projection, Upsert, on

from .tables import member_booking_segments, member_bookings, member_orders

BOOKING_EVENTS = (
    BookingCreated,
    BookingRescheduled,
    BookingCancelled,
    BookingCheckedIn,
    BookingStarted,
    BookingCompleted,
    BookingNoShow,
    SegmentReassigned,
)


class MemberHistory(Projection):
    name = "member_history"
    tables = (member_bookings, member_booking_segments, member_orders)

    @on(*BOOKING_EVENTS)
    def booking(self, event):
        d = event.data
        if d["customer_id"] is None:
            return []
        member, booking_id = d["customer_id"], d["booking_id"]
        facts = {
            "segments": [
                {k: s[k] for k in ("service_id", "service_name", "staff_id", "start")} for s in d["segments"]
            ],
            "channel": d["channel"],
        }
        return [
            Upsert(
                member_bookings,
                {
                    "booking_id": booking_id,
                    "member_id": member,
                    "store_id": d["store_id"],
                    "start": d["start"],
                    "local_date": d["local_date"],
                    "status": d["status"],
                    "total_minor": d["total"]["amount_minor"],
                    "currency": d["total"]["currency"],
                    "facts": json.dumps(facts, sort_keys=True),
                },
            ),
            Delete(member_booking_segments, {"booking_id": booking_id}),
        ] + [
            Upsert(
                member_booking_segments,
                {
                    "booking_id": booking_id,
                    "position": n,
                    "member_id": member,
                    "service_id": s["service_id"],
                    "service_name": s["service_name"],
                    "staff_id": s["staff_id"],
                },
            )
            for n, s in enumerate(d["segments"])
        ]

    @on(OrderPaid, OrderRefunded)
    def order(self, event):
        d = event.data
        if d["customer_id"] is None:
            return []
        row = {
            "order_id": d["order_id"],
            "member_id": d["customer_id"],
            "store_id": d["store_id"],
            "paid_minor": d["paid"]["amount_minor"],
            "refunded_minor": d["refunded"]["amount_minor"],
            "currency": d["paid"]["currency"],
        }
        if event.type == OrderPaid.name:
            row["local_date"] = d["local_date"]
            row["categories"] = json.dumps(sorted({x["category"] for x in d["lines"]}))
        return [Upsert(member_orders, row)]


def summary(conn, member_id: str, limit: int, offset: int) -> dict:
    by_status = dict(
        conn.execute(
            select(member_bookings.c.status, func.count())
            .where(member_bookings.c.member_id == member_id)
            .group_by(member_bookings.c.status)
        ).all()
    )
    completed = (member_bookings.c.member_id == member_id) & (member_bookings.c.status == "completed")
    first, last = conn.execute(
        select(func.min(member_bookings.c.local_date), func.max(member_bookings.c.local_date)).where(
            completed
        )
    ).one()
    spend = conn.execute(
        select(member_orders.c.currency, func.sum(member_orders.c.paid_minor))
        .where(member_orders.c.member_id == member_id)
        .group_by(member_orders.c.currency)
    ).all()
    done = select(member_bookings.c.booking_id).where(completed)
    segments = member_booking_segments.c
    services = conn.execute(
        select(segments.service_id, func.max(segments.service_name), func.count().label("visits"))
        .where(segments.booking_id.in_(done))
        .group_by(segments.service_id)
        .order_by(func.count().desc(), segments.service_id)
        .limit(3)
    ).all()
    stylists = conn.execute(
        select(segments.staff_id, func.count().label("visits"))
        .where(segments.booking_id.in_(done))
        .group_by(segments.staff_id)
        .order_by(func.count().desc(), segments.staff_id)
        .limit(3)
    ).all()
    where = member_bookings.c.member_id == member_id
    rows = conn.execute(
        select(member_bookings)
        .where(where)
        .order_by(member_bookings.c.start.desc(), member_bookings.c.booking_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "member_id": member_id,
        "visits": by_status.get("completed", 0),
        "bookings": sum(by_status.values()),
        "upcoming": by_status.get("booked", 0),
        "no_shows": by_status.get("no_show", 0),
        "cancellations": by_status.get("cancelled", 0),
        "first_visit": first,
        "last_visit": last,
        "spend": [{"amount_minor": amount, "currency": currency} for currency, amount in spend],
        "favourite_services": [{"service_id": s, "name": n, "visits": v} for s, n, v in services],
        "favourite_stylists": [{"staff_id": s, "visits": v} for s, v in stylists],
        "bookings_page": {
            "items": [
                {
                    "booking_id": r.booking_id,
                    "store_id": r.store_id,
                    "start": r.start,
                    "local_date": r.local_date,
                    "status": r.status,
                    "total": {"amount_minor": r.total_minor, "currency": r.currency},
                    **json.loads(r.facts),
                }
                for r in rows
            ],
            "total": sum(by_status.values()),
            "limit": limit,
            "offset": offset,
        },
    }
