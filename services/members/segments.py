"""Commands and queries on segments (the rules are in domain/segments.py): a segment defined
(by HQ, or by a store manager for their store), its members now, and a campaign issued to
it as a job: the members are taken when it starts, then coupons are issued a batch at a
time, each batch in a transaction of its own (a durable timer drives the next), so a
campaign reaches 100,000 members without one long transaction and picks up where it was
after a restart.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, select, update

from shared.envelope import utc_iso
from shared.errors import NotFound, refusal
from shared.refusals import Refused

from . import coupons
from .contracts import CampaignIssuedToSegment, SegmentDefined
from .domain import segments as S
from .tables import (
    member_booking_segments,
    member_bookings,
    member_orders,
    member_spend,
    member_tiers,
    members,
    segment_issue_batches,
    segment_issues,
    segments,
)

ISSUE = "segment-issue"
BATCH = 1000
YEAR = timedelta(days=365)


def coupon_id(job_id: str, member_id: str) -> str:
    """The coupon a job issues a member: the same id however often its batch is run."""
    return hashlib.sha256(f"{job_id}:{member_id}".encode()).hexdigest()[:32]


def stream(segment_id: str) -> str:
    return f"segment-{segment_id}"


def define(uow, segment_id: str, wanted: dict, actor: dict) -> None:
    try:
        flt = S.Filter.from_data(wanted.get("filter") or {})
    except Refused as error:
        raise refusal(error) from None
    if uow.version(stream(segment_id)) != 0:
        return
    uow.record(
        stream(segment_id),
        0,
        SegmentDefined,
        {
            "segment_id": segment_id,
            "name": wanted["name"],
            "filter": flt.as_data(),
            "owner_store": wanted.get("owner_store"),
            "by": actor.get("account_id"),
        },
    )


def segment_row(conn, segment_id: str):
    row = conn.execute(select(segments).where(segments.c.segment_id == segment_id)).first()
    if row is None:
        raise NotFound(f"no segment {segment_id}", {"segment_id": segment_id})
    return row


EMPTY = frozenset()
CONSENT_COLUMNS = {"email": members.c.consent_marketing_email, "sms": members.c.consent_marketing_sms}
CONSENTS = {
    (email, sms): frozenset(c for c, given in (("email", email), ("sms", sms)) if given)
    for email in (False, True)
    for sms in (False, True)
}


def facts(conn, now: datetime, needs: set[str]) -> list[S.Facts]:
    """What the chain knows of every member, as far as a filter ``needs`` it ("visits",
    "spend", "tiers", "stores", "services", "categories"; consents and birthdays always): a
    few grouped reads."""
    since = (now - YEAR).date().isoformat()
    completed = member_bookings.c.status == "completed"
    visits, stores, services, spend, tiers, categories = {}, {}, {}, {}, {}, {}
    if "visits" in needs:
        visits = {
            x.member_id: x
            for x in conn.execute(
                select(
                    member_bookings.c.member_id,
                    func.max(member_bookings.c.local_date).label("last"),
                    func.sum(case((member_bookings.c.local_date >= since, 1), else_=0)).label("visits"),
                )
                .where(completed)
                .group_by(member_bookings.c.member_id)
            )
        }
    if "stores" in needs:
        for x in conn.execute(
            select(member_bookings.c.member_id, member_bookings.c.store_id).where(completed).distinct()
        ):
            stores.setdefault(x.member_id, set()).add(x.store_id)
    if "services" in needs:
        joined = member_booking_segments.join(
            member_bookings, member_bookings.c.booking_id == member_booking_segments.c.booking_id
        )
        for x in conn.execute(
            select(member_booking_segments.c.member_id, member_booking_segments.c.service_id)
            .select_from(joined)
            .where(completed)
            .distinct()
        ):
            services.setdefault(x.member_id, set()).add(x.service_id)
    if "spend" in needs:
        spend = dict(
            conn.execute(
                select(member_spend.c.member_id, func.sum(member_spend.c.current_minor))
                .where(member_spend.c.paid_at > utc_iso(now - YEAR))
                .group_by(member_spend.c.member_id)
            ).all()
        )
    if "tiers" in needs:
        tiers = dict(conn.execute(select(member_tiers.c.member_id, member_tiers.c.tier)).all())
    if "categories" in needs:
        bought = select(member_orders.c.member_id, member_orders.c.categories).where(
            member_orders.c.categories.is_not(None)
        )
        for x in conn.execute(bought):
            categories.setdefault(x.member_id, set()).update(json.loads(x.categories))
    out = []
    for m in conn.execute(
        select(
            members.c.member_id,
            members.c.consent_marketing_email,
            members.c.consent_marketing_sms,
            members.c.birthday,
        )
    ):
        member_id, v = m.member_id, visits.get(m.member_id)
        out.append(
            S.Facts(
                member_id,
                None if v is None else datetime.fromisoformat(v.last).date(),
                0 if v is None else int(v.visits or 0),
                int(spend.get(member_id) or 0),
                tiers.get(member_id),
                frozenset(stores[member_id]) if member_id in stores else EMPTY,
                frozenset(services[member_id]) if member_id in services else EMPTY,
                CONSENTS[(bool(m.consent_marketing_email), bool(m.consent_marketing_sms))],
                frozenset(categories[member_id]) if member_id in categories else EMPTY,
                None if m.birthday is None else int(m.birthday[5:7]),
            )
        )
    return out


def members_of(conn, segment_id: str, now: datetime) -> list[str]:
    """The segment's members now, in member id order; an erased member is in none."""
    row = segment_row(conn, segment_id)
    flt = S.Filter.from_data(json.loads(row.filter))
    if not flt.needs():  # consent alone, or nothing: the registrations say it all
        query = select(members.c.member_id).where(members.c.erased_at.is_(None)).order_by(members.c.member_id)
        if flt.consent is not None:
            query = query.where(CONSENT_COLUMNS[flt.consent].is_(True))
        return list(conn.execute(query).scalars())
    erased = set(conn.execute(select(members.c.member_id).where(members.c.erased_at.is_not(None))).scalars())
    found = S.members_of(flt, facts(conn, now, flt.needs()), now.astimezone(UTC).date())
    return sorted(set(found) - erased)


def start_issue(
    uow, campaign_id: str, segment_id: str, job_id: str, actor: dict, now: datetime, size: int = BATCH
) -> dict:
    """Take the segment's members now and start issuing the campaign to them."""
    found = uow.conn.execute(select(segment_issues).where(segment_issues.c.job_id == job_id)).first()
    if found is not None:
        return dict(found._mapping)
    row = coupons.locked(uow, campaign_id)
    if row.ended:
        raise refusal(Refused("campaign", "the campaign has ended"))
    ids = members_of(uow.conn, segment_id, now)
    uow.conn.execute(
        segment_issues.insert().values(
            job_id=job_id,
            campaign_id=campaign_id,
            segment_id=segment_id,
            total=len(ids),
            issued=0,
            refused=0,
            status="running",
            started_at=utc_iso(now),
            finished_at=None,
        )
    )
    if ids:
        uow.conn.execute(
            segment_issue_batches.insert(),
            [
                {
                    "job_id": job_id,
                    "batch": n,
                    "member_ids": json.dumps(ids[first : first + size]),
                    "done": False,
                }
                for n, first in enumerate(range(0, len(ids), size))
            ],
        )
    uow.record(
        coupons.stream(campaign_id),
        uow.version(coupons.stream(campaign_id)),
        CampaignIssuedToSegment,
        {
            "campaign_id": campaign_id,
            "segment_id": segment_id,
            "job_id": job_id,
            "members": len(ids),
            "by": actor.get("account_id"),
        },
    )
    uow.schedule(f"{ISSUE}:{job_id}", ISSUE, now, {"job_id": job_id})
    return {
        "job_id": job_id,
        "campaign_id": campaign_id,
        "segment_id": segment_id,
        "total": len(ids),
        "issued": 0,
        "refused": 0,
        "status": "running",
        "started_at": utc_iso(now),
        "finished_at": None,
    }


def issue_batch(uow, job_id: str, now: datetime) -> bool:
    """Issue the next batch of a job; True while batches are left (the timer comes again)."""
    job = uow.conn.execute(select(segment_issues).where(segment_issues.c.job_id == job_id)).first()
    if job is None or job.status == "finished":
        return False
    pending = uow.conn.execute(
        select(segment_issue_batches.c.batch, segment_issue_batches.c.member_ids)
        .where(segment_issue_batches.c.job_id == job_id, segment_issue_batches.c.done.is_(False))
        .order_by(segment_issue_batches.c.batch)
        .limit(2)
    ).all()
    issued = refused = 0
    if pending:
        wanted = [(m, coupon_id(job_id, m)) for m in json.loads(pending[0].member_ids)]
        issued, refused = coupons.issue_many(uow, job.campaign_id, job_id, pending[0].batch, wanted, now)
        uow.conn.execute(
            update(segment_issue_batches)
            .where(
                and_(
                    segment_issue_batches.c.job_id == job_id,
                    segment_issue_batches.c.batch == pending[0].batch,
                )
            )
            .values(done=True)
        )
    more = len(pending) == 2
    uow.conn.execute(
        update(segment_issues)
        .where(segment_issues.c.job_id == job_id)
        .values(
            issued=job.issued + issued,
            refused=job.refused + refused,
            status="running" if more else "finished",
            finished_at=None if more else utc_iso(now),
        )
    )
    if more:
        uow.schedule(f"{ISSUE}:{job_id}", ISSUE, now, {"job_id": job_id})
    return more


def job_view(conn, campaign_id: str, job_id: str) -> dict:
    job = conn.execute(
        select(segment_issues).where(
            segment_issues.c.job_id == job_id, segment_issues.c.campaign_id == campaign_id
        )
    ).first()
    if job is None:
        raise NotFound(f"no issue {job_id} of campaign {campaign_id}", {"job_id": job_id})
    return dict(job._mapping)
