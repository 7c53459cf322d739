"""Commands and queries on feedback and complaints (the rules are in domain/complaints.py):
feedback on a completed visit of the member's, once; a complaint opened about a booking or
an order of theirs (it belongs to that store), each action on it under its lock, a coupon
issued when it is resolved with one; the member's complaints, a store's queue, a store's
feedback.
"""

import json
import uuid
from datetime import datetime

from sqlalchemy import func, select

from shared.db import lock_key, serialize
from shared.errors import NotFound, refusal
from shared.personal import refuse_erased
from shared.refusals import Refused

from . import coupons
from .contracts import ComplaintActed, ComplaintOpened, FeedbackGiven
from .domain import complaints as CO
from .tables import complaint_timeline, feedback, member_booking_segments, member_bookings, member_orders
from .tables import complaints as complaint_rows

COUPONS = uuid.UUID("c0a9f7e2-51d4-4e8b-9a36-7d2e4b1c8f05")  # the coupon a resolution issues


def stream(complaint_id: str) -> str:
    return f"complaint-{complaint_id}"


def give_feedback(uow, member_id: str, booking_id: str, stars: int, comment: str | None) -> None:
    refuse_erased(uow.conn, member_id)
    visit = uow.conn.execute(
        select(member_bookings).where(
            member_bookings.c.booking_id == booking_id, member_bookings.c.member_id == member_id
        )
    ).first()
    given = uow.conn.execute(select(feedback.c.booking_id).where(feedback.c.booking_id == booking_id)).first()
    try:
        CO.rating(stars, comment)
        CO.feedback_allowed(None if visit is None else visit.status, given is not None)
    except Refused as error:
        raise refusal(error) from None
    staff = sorted(
        {
            x
            for (x,) in uow.conn.execute(
                select(member_booking_segments.c.staff_id).where(
                    member_booking_segments.c.booking_id == booking_id
                )
            )
        }
    )
    uow.record(
        f"feedback-{booking_id}",
        0,
        FeedbackGiven,
        {
            "member_id": member_id,
            "booking_id": booking_id,
            "store_id": visit.store_id,
            "staff_ids": staff,
            "rating": stars,
            "comment": comment,
        },
    )


def open_complaint(uow, complaint_id: str, member_id: str, wanted: dict, actor: dict) -> None:
    if uow.version(stream(complaint_id)) != 0:
        return
    refuse_erased(uow.conn, member_id)
    store_id = None
    if wanted.get("booking_id"):
        store_id = uow.conn.execute(
            select(member_bookings.c.store_id).where(
                member_bookings.c.booking_id == wanted["booking_id"], member_bookings.c.member_id == member_id
            )
        ).scalar()
    elif wanted.get("order_id"):
        store_id = uow.conn.execute(
            select(member_orders.c.store_id).where(
                member_orders.c.order_id == wanted["order_id"], member_orders.c.member_id == member_id
            )
        ).scalar()
    try:
        CO.opened(wanted["category"], wanted["text"], store_id)
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        stream(complaint_id),
        0,
        ComplaintOpened,
        {
            "complaint_id": complaint_id,
            "member_id": member_id,
            "store_id": store_id,
            "category": wanted["category"],
            "text": wanted["text"],
            "booking_id": wanted.get("booking_id"),
            "order_id": wanted.get("order_id"),
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )


def complaint_row(conn, complaint_id: str):
    row = conn.execute(select(complaint_rows).where(complaint_rows.c.complaint_id == complaint_id)).first()
    if row is None:
        raise NotFound(f"no complaint {complaint_id}", {"complaint_id": complaint_id})
    return row


def act(uow, complaint_id: str, wanted: dict, actor: dict, now: datetime) -> None:
    """An action on a complaint; resolving with a coupon issues one of ``campaign_id`` to the member."""
    serialize(uow.conn, lock_key(stream(complaint_id)))
    row = complaint_row(uow.conn, complaint_id)
    action, resolution = wanted["action"], wanted.get("resolution")
    try:
        after = CO.act(
            CO.Complaint(row.status, row.assignee, row.resolution),
            action,
            actor.get("account_id"),
            resolution,
            wanted.get("assignee"),
        )
        reference = wanted.get("reference")
        if action == "resolve" and resolution == "coupon":
            if not wanted.get("campaign_id"):
                raise Refused("campaign_id", "a coupon comes from a campaign", conflict=False)
            reference = str(uuid.uuid5(COUPONS, complaint_id))
            coupons.issue(uow, wanted["campaign_id"], row.member_id, actor, reference, now)
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        stream(complaint_id),
        uow.version(stream(complaint_id)),
        ComplaintActed,
        {
            "complaint_id": complaint_id,
            "member_id": row.member_id,
            "store_id": row.store_id,
            "action": action,
            "note": wanted.get("note"),
            "resolution": resolution if action == "resolve" else None,
            "reference": reference,
            "status_after": after.status,
            "assignee_after": after.assignee,
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )


def view(conn, row) -> dict:
    timeline = conn.execute(
        select(complaint_timeline)
        .where(complaint_timeline.c.complaint_id == row.complaint_id)
        .order_by(complaint_timeline.c.version)
    ).all()
    return {
        **{
            k: getattr(row, k)
            for k in (
                "complaint_id",
                "member_id",
                "store_id",
                "category",
                "text",
                "booking_id",
                "order_id",
                "status",
                "assignee",
                "resolution",
                "opened_at",
                "updated_at",
                "version",
            )
        },
        "timeline": [
            {k: getattr(x, k) for k in ("action", "note", "resolution", "reference", "by", "by_role", "at")}
            for x in timeline
        ],
    }


def listing(conn, limit: int, offset: int, **where) -> dict:
    conditions = [getattr(complaint_rows.c, k) == v for k, v in where.items() if v is not None]
    total = conn.execute(select(func.count()).select_from(complaint_rows).where(*conditions)).scalar()
    rows = conn.execute(
        select(complaint_rows)
        .where(*conditions)
        .order_by(complaint_rows.c.opened_at)
        .limit(limit)
        .offset(offset)
    ).all()
    return {"items": [view(conn, x) for x in rows], "total": total, "limit": limit, "offset": offset}


def feedback_lines(conn, where, limit: int, offset: int) -> list[dict]:
    """Feedback matching ``where``, newest first."""
    rows = conn.execute(
        select(feedback).where(where).order_by(feedback.c.at.desc()).limit(limit).offset(offset)
    ).all()
    return [
        {
            "booking_id": x.booking_id,
            "member_id": x.member_id,
            "staff_ids": json.loads(x.staff_ids),
            "rating": x.rating,
            "comment": x.comment,
            "at": x.at,
        }
        for x in rows
    ]


def store_feedback(conn, store_id: str, limit: int, offset: int) -> dict:
    where = feedback.c.store_id == store_id
    total, average = conn.execute(select(func.count(), func.avg(feedback.c.rating)).where(where)).one()
    return {
        "store_id": store_id,
        "average_rating": None if average is None else round(float(average), 2),
        "items": feedback_lines(conn, where, limit, offset),
        "total": total,
        "limit": limit,
        "offset": offset,
    }
