"""A member's privacy: everything members holds about them, exported as one JSON document, and
their erasure.

Erasure destroys the member's key in this service's database (shared/personal.py), so the
personal fields of every event about them (registration, profile changes, care notes,
feedback, complaints) can never be read again, and records ``MemberErased``: its handlers
here scrub the read models, and identity, booking and orders each destroy their own key of the
member when it reaches them. The ledgers stay: the points, the card, the coupons, the packages, the orders
and their amounts are the chain's books, and a rebuild after the erasure gives them back,
without a name.
"""

from datetime import datetime

from shared.envelope import utc_iso
from shared.personal import erase as destroy_key

from . import birthdays, complaints, history, package_views, profiles, reads, tiers
from .contracts import MemberErased
from .domain import stream_of
from .tables import feedback

EVERYTHING = 1_000_000  # an export has no pages


def erase(uow, member_id: str, actor: dict, now: datetime) -> None:
    """Forget the member (once: erasing them again changes nothing)."""
    row = profiles.member_row(uow.conn, member_id)
    if row.erased_at is not None or not destroy_key(uow.conn, member_id):
        return
    birthdays.schedule(uow, member_id, None, now)
    uow.record(
        stream_of(member_id),
        uow.version(stream_of(member_id)),
        MemberErased,
        {
            "member_id": member_id,
            "account_id": row.account_id,
            "erased_at": utc_iso(now),
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )


def export(conn, member_id: str, now: datetime) -> dict:
    """Every piece of data members keeps about the member, as they would read it."""
    return {
        "member_id": member_id,
        "exported_at": utc_iso(now),
        "profile": profiles.card(conn, member_id),
        "care_notes": profiles.notes_of(conn, member_id),
        "history": history.summary(conn, member_id, EVERYTHING, 0),
        "points": reads.points_view(conn, member_id, EVERYTHING, 0),
        "stored_value": reads.stored_value_view(conn, member_id, EVERYTHING, 0),
        "coupons": reads.member_coupons(conn, member_id, EVERYTHING, 0)["items"],
        "packages": package_views.member_view(conn, member_id, EVERYTHING, 0, utc_iso(now)),
        "tier": reads.tier_view(conn, member_id, tiers.rules_of(conn), now),
        "feedback": complaints.feedback_lines(conn, feedback.c.member_id == member_id, EVERYTHING, 0),
        "complaints": complaints.listing(conn, EVERYTHING, 0, member_id=member_id)["items"],
    }
