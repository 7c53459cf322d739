"""Commands and queries on members' profiles (the rules are in domain/profiles.py): staff
registering a member at the counter, a profile changed against the version its writer read
(If-Match), a marketing consent given or withdrawn per channel with how, a care note added;
the stores that know a member (where they booked, or were registered), and search by name,
phone or e-mail prefix within what the caller may see.
"""

from datetime import datetime

from sqlalchemy import distinct, func, or_, select, union

from shared.db import lock_key, serialize
from shared.envelope import utc_iso
from shared.errors import Conflict, NotFound, PreconditionFailed, refusal
from shared.personal import refuse_erased
from shared.refusals import Refused

from . import birthdays
from .contracts import CareNoteAdded, ConsentChanged, MemberProfileChanged, MemberRegistered
from .domain import profiles as PR
from .domain import stream_of
from .projections import member_view
from .tables import care_notes, member_bookings, member_consents, members


def member_row(conn, member_id: str, to_change: bool = False):
    row = conn.execute(select(members).where(members.c.member_id == member_id)).first()
    if row is None:
        raise NotFound(f"no member {member_id}", {"member_id": member_id})
    if to_change:
        refuse_erased(conn, member_id)
    return row


def register(uow, member_id: str, store_id: str, wanted: dict, actor: dict, now: datetime) -> None:
    """A member registered by staff at the counter: no login, a name and an e-mail or a phone;
    an e-mail another member has is refused (search for them instead)."""
    if uow.version(stream_of(member_id)) != 0:
        return
    try:
        profile = PR.registration(wanted, now.date())
    except Refused as error:
        raise refusal(error) from None
    email = profile["email"]
    if email:
        # Two desks registering one e-mail at once take turns: the second sees the first.
        serialize(uow.conn, lock_key(f"member-email:{email.lower()}"))
    if (
        email
        and uow.conn.execute(
            select(members.c.member_id).where(members.c.email_lower == email.lower())
        ).first()
    ):
        raise Conflict(f"a member with the e-mail {email} exists: find them by search", {"email": ["taken"]})
    consents = wanted.get("consents") or {}
    uow.record(
        stream_of(member_id),
        0,
        MemberRegistered,
        {
            "member_id": member_id,
            "account_id": None,
            "name": profile["name"],
            "email": email,
            "phone": profile["phone"],
            "consents": {
                "terms": True,
                "marketing_email": bool(consents.get("email")),
                "marketing_sms": bool(consents.get("sms")),
            },
            "registered_at": utc_iso(now),
            "source": "counter",
            "store_id": store_id,
            "birthday": profile["birthday"],
            "preferences": profile["preferences"] or [],
            "tags": profile["tags"] or [],
            "by": actor.get("account_id"),
        },
    )
    if profile["birthday"] is not None:
        birthdays.schedule(uow, member_id, profile["birthday"], now)


def update(
    uow,
    member_id: str,
    expected_version: int | None,
    wanted: dict,
    by_staff: bool,
    actor: dict,
    now: datetime,
) -> None:
    """Change a profile; the version read must be the current one (412 otherwise)."""
    row = member_row(uow.conn, member_id, to_change=True)
    version = uow.version(stream_of(member_id))
    if expected_version is not None and expected_version != version:
        raise PreconditionFailed(
            f"the member is at version {version}, not {expected_version}: read it again", {"version": version}
        )
    current = member_view(row)
    try:
        changed = PR.changes(current, wanted, by_staff, row.account_id is not None, now.date())
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        stream_of(member_id),
        version,
        MemberProfileChanged,
        {
            "member_id": member_id,
            "changes": changed,
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )
    if "birthday" in changed:
        birthdays.schedule(uow, member_id, changed["birthday"], now)


def consent(uow, member_id: str, channel: str, given: bool, how: str, actor: dict) -> None:
    member_row(uow.conn, member_id, to_change=True)
    try:
        PR.consent(channel, how)
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        stream_of(member_id),
        uow.version(stream_of(member_id)),
        ConsentChanged,
        {
            "member_id": member_id,
            "channel": channel,
            "given": given,
            "how": how,
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )


def care_stream(member_id: str) -> str:
    return f"care-{member_id}"


def add_care_note(
    uow, member_id: str, note_id: str, kind: str, text: str, store_id: str | None, actor: dict
) -> None:
    member_row(uow.conn, member_id, to_change=True)
    try:
        PR.care_note(kind, text)
    except Refused as error:
        raise refusal(error) from None
    uow.record(
        care_stream(member_id),
        uow.version(care_stream(member_id)),
        CareNoteAdded,
        {
            "member_id": member_id,
            "note_id": note_id,
            "kind": kind,
            "text": text,
            "store_id": store_id,
            "by": actor.get("account_id"),
            "by_role": actor.get("role"),
        },
    )


def stores_of(conn, member_id: str) -> list[str]:
    """The stores that know the member: where they booked, and where they were registered."""
    booked = select(distinct(member_bookings.c.store_id)).where(member_bookings.c.member_id == member_id)
    registered = select(members.c.registered_store).where(
        members.c.member_id == member_id, members.c.registered_store.is_not(None)
    )
    return sorted(x for (x,) in conn.execute(union(booked, registered)).all() if x)


def consents_of(conn, member_id: str) -> list[dict]:
    rows = conn.execute(
        select(member_consents)
        .where(member_consents.c.member_id == member_id)
        .order_by(member_consents.c.version)
    ).all()
    return [{"channel": x.channel, "given": x.given, "how": x.how, "by": x.by, "at": x.at} for x in rows]


def notes_of(conn, member_id: str) -> list[dict]:
    rows = conn.execute(
        select(care_notes).where(care_notes.c.member_id == member_id).order_by(care_notes.c.at.desc())
    ).all()
    return [
        {"note_id": x.note_id, "kind": x.kind, "text": x.text, "store_id": x.store_id, "by": x.by, "at": x.at}
        for x in rows
    ]


def search(conn, q: str, store_id: str | None, limit: int, offset: int) -> dict:
    """Members whose name (any word of it), phone or e-mail starts with ``q``; with
    ``store_id``, only those that store knows."""
    text = PR.folded(q)
    phone = PR.digits(q)
    matches = [
        members.c.search_name.like(f"{text}%"),
        members.c.search_name.like(f"% {text}%"),
        members.c.email_lower.like(f"{q.lower()}%"),
    ]
    if phone and len(phone) >= 3:
        matches.append(members.c.phone_digits.like(f"{phone}%"))
    where = [or_(*matches)]
    if store_id is not None:
        known = select(member_bookings.c.member_id).where(member_bookings.c.store_id == store_id)
        where.append(or_(members.c.member_id.in_(known), members.c.registered_store == store_id))
    total = conn.execute(select(func.count()).select_from(members).where(*where)).scalar()
    rows = conn.execute(
        select(members)
        .where(*where)
        .order_by(members.c.search_name, members.c.member_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return {"items": [member_view(x) for x in rows], "total": total, "limit": limit, "offset": offset}


def card(conn, member_id: str) -> dict:
    """A member as staff see them: the profile, where they are known, and every consent."""
    view = member_view(member_row(conn, member_id))
    return {**view, "stores": stores_of(conn, member_id), "consent_history": consents_of(conn, member_id)}
