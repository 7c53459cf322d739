"""Commands on campaigns and coupons (the rules are in domain/coupons.py): a campaign created
(by HQ, or by a store manager for their store) and ended, coupons issued to members, and a
coupon as a tender behind the orders' protocol (authorize holds it for one payment, capture
redeems it, void lets it go, refund gives it back if the campaign says so, inquire answers
after a lost answer), each keyed by the orders' tender reference.

Everything about one campaign takes the campaign's lock, then reads its counts and coupons
from the read models: two payments racing for one coupon, or for the last of a budget, are
decided one after the other, from replicas too; the second is declined with the reason.
"""

import hashlib
import json
import secrets
from datetime import datetime

from sqlalchemy import func, select

from shared.db import lock_key, serialize
from shared.envelope import utc_iso
from shared.errors import NotFound, refusal
from shared.personal import refuse_erased
from shared.refusals import Refused

from .contracts import (
    CampaignCreated,
    CampaignEnded,
    CouponHeld,
    CouponIssued,
    CouponRedeemed,
    CouponReleased,
    CouponReturned,
    CouponsIssued,
)
from .domain import coupons as C
from .domain.moments import utc_moment
from .points import is_member
from .tables import campaigns, coupon_uses, coupons
from .tender_answers import APPROVED, DECLINED, answer, inquired

LAPSED_ROUND = "campaign-lapsed"


def stream(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


def new_code() -> str:
    """A coupon's code: twelve capitals and digits, easy to read out at the counter, drawn at
    random (48 bits), so that knowing one coupon tells nothing of another."""
    return secrets.token_hex(6).upper()


def campaign_of_row(row) -> C.Campaign:
    return _campaign_of(json.loads(row.facts), bool(row.ended))


def _campaign_of(d: dict, ended: bool) -> C.Campaign:
    return C.Campaign(
        d["campaign_id"],
        d["name"],
        d["kind"],
        d["amount"]["currency"],
        d["valid_from"],
        d["valid_until"],
        d["percent_bp"],
        d["amount"]["amount_minor"],
        d["service_id"],
        d["min_spend"]["amount_minor"],
        tuple(d["stores"]),
        tuple(d["services"]),
        tuple(d["categories"]),
        d["per_member_limit"],
        d["issue_budget"],
        d["redemption_budget"],
        d["code"],
        d["give_back_on_refund"],
        d["owner_store"],
        ended,
        d.get("trigger"),  # the facts of a campaign created before v2 have none
        d.get("lapsed_days"),
    )


def campaign_row(conn, campaign_id: str):
    return conn.execute(select(campaigns).where(campaigns.c.campaign_id == campaign_id)).first()


def locked(uow, campaign_id: str):
    """The campaign's row, under its lock: call before deciding anything on it."""
    serialize(uow.conn, lock_key(stream(campaign_id)))
    row = campaign_row(uow.conn, campaign_id)
    if row is None:
        raise NotFound(f"no campaign {campaign_id}", {"campaign_id": campaign_id})
    return row


def member_counts(conn, row, member_id: str) -> C.Counts:
    mine = conn.execute(
        select(func.count())
        .select_from(coupons)
        .where(coupons.c.campaign_id == row.campaign_id, coupons.c.member_id == member_id)
    ).scalar()
    return C.Counts(issued_count(conn, row.campaign_id), row.in_use, mine)


def issued_count(conn, campaign_id: str) -> int:
    """Coupons the campaign has issued: counted, not kept, so that issuing to a segment writes
    one row per coupon and nothing else."""
    return conn.execute(
        select(func.count()).select_from(coupons).where(coupons.c.campaign_id == campaign_id)
    ).scalar()


def _record(uow, row, contract, data: dict) -> None:
    uow.record(
        stream(row.campaign_id),
        uow.version(stream(row.campaign_id)),
        contract,
        {"campaign_id": row.campaign_id, **data},
    )


def create(uow, campaign_id: str, wanted: dict, actor: dict, now: datetime) -> None:
    currency = wanted["currency"]
    try:
        window = (
            utc_moment(wanted["valid_from"], "valid_from"),
            utc_moment(wanted["valid_until"], "valid_until"),
        )
    except Refused as error:
        raise refusal(error) from None
    facts = {
        "campaign_id": campaign_id,
        "name": wanted["name"],
        "kind": wanted["kind"],
        "percent_bp": wanted.get("percent_bp", 0),
        "amount": wanted.get("amount") or {"amount_minor": 0, "currency": currency},
        "service_id": wanted.get("service_id"),
        "min_spend": wanted.get("min_spend") or {"amount_minor": 0, "currency": currency},
        "valid_from": window[0],
        "valid_until": window[1],
        "stores": list(wanted.get("stores") or []),
        "services": list(wanted.get("services") or []),
        "categories": list(wanted.get("categories") or []),
        "per_member_limit": wanted.get("per_member_limit", 1),
        "issue_budget": wanted.get("issue_budget"),
        "redemption_budget": wanted.get("redemption_budget"),
        "code": wanted.get("code"),
        "give_back_on_refund": wanted.get("give_back_on_refund", False),
        "owner_store": wanted.get("owner_store"),
        "trigger": wanted.get("trigger"),
        "lapsed_days": wanted.get("lapsed_days"),
        "by": actor.get("account_id"),
        "by_role": actor.get("role"),
    }
    try:
        for name in ("amount", "min_spend"):
            if facts[name]["currency"] != currency:
                raise Refused(name, f"the campaign is in {currency}", conflict=False)
        C.checked(_campaign_of(facts, False))
        if facts["code"] is not None:
            taken = uow.conn.execute(select(campaigns.c.campaign_id).where(campaigns.c.code == facts["code"]))
            if taken.first() is not None:
                raise Refused("code", f"another campaign publishes the code {facts['code']}")
    except Refused as error:
        raise refusal(error) from None
    if uow.version(stream(campaign_id)) != 0:
        return
    uow.record(stream(campaign_id), 0, CampaignCreated, facts)
    if facts["trigger"] == C.LAPSED:
        schedule_lapsed(uow, campaign_id, max(now, datetime.fromisoformat(window[0])))


def schedule_lapsed(uow, campaign_id: str, at: datetime, batch: int = 0) -> None:
    """A lapsed campaign's next round (automatic_coupons.issue_lapsed)."""
    uow.schedule(
        f"{LAPSED_ROUND}:{campaign_id}", LAPSED_ROUND, at, {"campaign_id": campaign_id, "batch": batch}
    )


def end(uow, campaign_id: str, actor: dict) -> None:
    row = locked(uow, campaign_id)
    if not row.ended:
        _record(uow, row, CampaignEnded, {"by": actor.get("account_id")})


def issue(uow, campaign_id: str, member_id: str, actor: dict, coupon_id: str, now: datetime) -> str:
    """A coupon of the campaign for the member, by hand; refused past the campaign's end, its
    issue budget or the member's limit."""
    row = locked(uow, campaign_id)
    if uow.conn.execute(select(coupons.c.coupon_id).where(coupons.c.coupon_id == coupon_id)).first():
        return coupon_id
    if not is_member(uow.conn, member_id):
        raise NotFound(f"no member {member_id}", {"member_id": member_id})
    refuse_erased(uow.conn, member_id)
    try:
        C.issuable(campaign_of_row(row), member_counts(uow.conn, row, member_id), utc_iso(now))
    except Refused as error:
        raise refusal(error) from None
    record_issued(uow, row, coupon_id, member_id, "hand", actor.get("account_id"))
    return coupon_id


def issue_many(
    uow,
    campaign_id: str,
    job_id: str,
    batch: int,
    wanted: list[tuple[str, str]],
    now: datetime,
    member_limit: bool = True,
) -> tuple[int, int]:
    """A batch of a segment's coupons ((member id, coupon id) each), recorded as one
    ``CouponsIssued``: each within the budget and the member's limit; returns (issued,
    refused). A coupon id issued before is not issued again. Without ``member_limit`` (an
    automatic campaign's occasions) the member's limit does not count."""
    row = locked(uow, campaign_id)
    known = set(
        uow.conn.execute(
            select(coupons.c.coupon_id).where(coupons.c.coupon_id.in_([c for _, c in wanted]))
        ).scalars()
    )
    fresh = [(m, c) for m, c in wanted if c not in known]
    mine = {} if not member_limit else dict(
        uow.conn.execute(
            select(coupons.c.member_id, func.count())
            .where(coupons.c.campaign_id == campaign_id, coupons.c.member_id.in_([m for m, _ in fresh]))
            .group_by(coupons.c.member_id)
        ).all()
    )
    before = issued_count(uow.conn, campaign_id)
    allowed = C.issuable_many(campaign_of_row(row), before, mine, [m for m, _ in fresh], utc_iso(now))
    issued = [
        {"coupon_id": coupon_id, "code": new_code(), "member_id": member_id}
        for (member_id, coupon_id), ok in zip(fresh, allowed, strict=True)
        if ok
    ]
    if issued:
        _record(
            uow,
            row,
            CouponsIssued,
            {"job_id": job_id, "batch": batch, "coupons": issued, "issued_after": before + len(issued)},
        )
    return len(issued), len(fresh) - len(issued)


def record_issued(uow, row, coupon_id: str, member_id: str, via: str, by: str | None) -> None:
    _record(
        uow,
        row,
        CouponIssued,
        {
            "coupon_id": coupon_id,
            "code": new_code(),
            "member_id": member_id,
            "via": via,
            "by": by,
            "issued_after": issued_count(uow.conn, row.campaign_id) + 1,
        },
    )


# --- the tender ----------------------------------------------------------------------------


def _use(conn, reference: str):
    return conn.execute(select(coupon_uses).where(coupon_uses.c.reference == reference)).first()


def _order(order: dict) -> C.OrderFacts:
    return C.OrderFacts(
        order["order_id"],
        order["store_id"],
        order["currency"],
        order["gross"],
        tuple(C.OrderLine(x["kind"], x["ref"], x["category"], x["gross"]) for x in order["lines"]),
    )


def _named(uow, code: str, member_id: str, reference: str, now: datetime):
    """The coupon a code names, its campaign's row (locked) and whether it is new: one issued
    to a member, or, for a campaign's published code, the member's unused coupon of it, or one
    to issue to them now (recorded only if the payment may use it)."""
    found = uow.conn.execute(select(coupons).where(coupons.c.code == code)).first()
    if found is not None:
        row = locked(uow, found.campaign_id)
        coupon = uow.conn.execute(select(coupons).where(coupons.c.coupon_id == found.coupon_id)).first()
        return coupon.coupon_id, coupon.status, coupon.member_id, row, False
    published = uow.conn.execute(select(campaigns.c.campaign_id).where(campaigns.c.code == code)).first()
    if published is None:
        raise Refused("coupon", f"no coupon {code}")
    row = locked(uow, published.campaign_id)
    unused = uow.conn.execute(
        select(coupons.c.coupon_id).where(
            coupons.c.campaign_id == row.campaign_id,
            coupons.c.member_id == member_id,
            coupons.c.status == C.ISSUED,
        )
    ).first()
    if unused is not None:
        return unused.coupon_id, C.ISSUED, member_id, row, False
    C.issuable(campaign_of_row(row), member_counts(uow.conn, row, member_id), utc_iso(now))
    return hashlib.sha256(f"{code}:{reference}".encode()).hexdigest()[:32], C.ISSUED, member_id, row, True


def _step_facts(use, row, **after) -> dict:
    return {
        "coupon_id": use.coupon_id,
        "member_id": use.member_id,
        "reference": use.reference,
        "order_id": use.order_id,
        "store_id": use.store_id,
        "amount": {"amount_minor": use.amount_minor, "currency": use.currency},
        "in_use_after": row.in_use,
        "redeemed_after": row.redeemed,
        **after,
    }


def authorize(
    uow,
    reference: str,
    member_id: str | None,
    code: str | None,
    order: dict | None,
    amount: int,
    now: datetime,
) -> dict:
    held = _use(uow.conn, reference)
    if held is not None:
        return answer(DECLINED, "the hold was let go") if held.status == "voided" else answer(APPROVED)
    if member_id is None or code is None or order is None:
        return answer(DECLINED, "a coupon is a member's, named by its code")
    try:
        coupon_id, status, holder, row, new = _named(uow, code, member_id, reference, now)
        counts = member_counts(uow.conn, row, member_id)
        facts = _order(order)
        C.usable(campaign_of_row(row), status, holder, member_id, facts, amount, counts, utc_iso(now))
    except Refused as refused:
        return answer(DECLINED, refused.message)
    if new:
        record_issued(uow, row, coupon_id, member_id, "code", None)
    _record(
        uow,
        row,
        CouponHeld,
        {
            "coupon_id": coupon_id,
            "member_id": member_id,
            "reference": reference,
            "order_id": facts.order_id,
            "store_id": facts.store_id,
            "amount": {"amount_minor": amount, "currency": facts.currency},
            "in_use_after": row.in_use + 1,
            "redeemed_after": row.redeemed,
        },
    )
    return answer(APPROVED)


def capture(uow, reference: str) -> dict:
    use = _use(uow.conn, reference)
    if use is None or use.status == "voided":
        return answer(DECLINED, "no hold to capture")
    if use.status == "held":
        row = locked(uow, use.campaign_id)
        _record(uow, row, CouponRedeemed, _step_facts(use, row, redeemed_after=row.redeemed + 1))
    return answer(APPROVED, captured=use.amount_minor)


def void(uow, reference: str) -> dict:
    use = _use(uow.conn, reference)
    if use is not None and use.status == "captured":
        return answer(DECLINED, "the coupon was redeemed: refund it instead")
    if use is not None and use.status == "held":
        row = locked(uow, use.campaign_id)
        _record(uow, row, CouponReleased, _step_facts(use, row, in_use_after=row.in_use - 1))
    return answer(APPROVED, voided=True)


def refund(uow, reference: str, amount: int, refund_ref: str, now: datetime) -> dict:
    """A refund reaching the coupon's part: the coupon is given back, once, if its campaign
    says so; otherwise the part is refunded and the coupon stays used."""
    use = _use(uow.conn, reference)
    if use is None or use.status != "captured":
        return answer(DECLINED, "no redeemed coupon to give back")
    row = locked(uow, use.campaign_id)
    if not use.returned and campaign_of_row(row).give_back_on_refund:
        _record(
            uow,
            row,
            CouponReturned,
            _step_facts(
                use, row, refund_ref=refund_ref, in_use_after=row.in_use - 1, redeemed_after=row.redeemed - 1
            ),
        )
    return answer(APPROVED, refunded=amount)


def inquire(conn, reference: str) -> dict:
    return inquired(_use(conn, reference))
