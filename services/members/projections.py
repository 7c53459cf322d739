"""Read models of the members service: one row per member, from MemberRegistered; each
member's points (balance and debt, lots, ledger lines, what each order earned) from the
movements, which carry what they drew on, so no rule runs here; HQ's points rules."""

import json

from services.orders.contracts import OrderCreated
from shared.projections import Projection, Update, Upsert, on

from . import chain_rules
from .contracts import (
    CampaignCreated,
    CampaignEnded,
    CampaignIssuedToSegment,
    CareNoteAdded,
    ComplaintActed,
    ComplaintOpened,
    ConsentChanged,
    CouponHeld,
    CouponIssued,
    CouponRedeemed,
    CouponReleased,
    CouponReturned,
    CouponsIssued,
    FeedbackGiven,
    MemberErased,
    MemberProfileChanged,
    MemberRegistered,
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsHeld,
    PointsRedeemed,
    PointsReleased,
    PointsRestored,
    PointsReversed,
    PointsRulesChanged,
    SegmentDefined,
    StoredValueHeld,
    StoredValueLoaded,
    StoredValueReleased,
    StoredValueRestored,
    StoredValueRulesChanged,
    StoredValueSpent,
    StoredValueWithdrawn,
    TierChanged,
    TierRulesChanged,
)
from .domain.profiles import digits, folded
from .tables import (
    campaigns,
    care_notes,
    complaint_timeline,
    complaints,
    coupon_uses,
    coupons,
    feedback,
    member_consents,
    member_tiers,
    members,
    points_accounts,
    points_holds,
    points_ledger,
    points_lots,
    points_orders,
    points_rules,
    segments,
    stored_value_cards,
    stored_value_holds,
    stored_value_ledger,
    stored_value_loads,
    stored_value_rules,
    stored_value_top_ups,
    tier_rules,
)

# What an erased member's name reads as: the column (and the API) always has a name.
ERASED_NAME = "(erased)"


class Members(Projection):
    name = "members"
    tables = (members, member_consents)

    @on(MemberRegistered)
    def registered(self, event):
        d = event.data
        return Upsert(
            members,
            {
                "member_id": d["member_id"],
                "account_id": d["account_id"],
                "name": d["name"] or ERASED_NAME,
                "email": d["email"],
                "phone": d["phone"],
                "consent_terms": d["consents"]["terms"],
                "consent_marketing_email": d["consents"]["marketing_email"],
                "consent_marketing_sms": d["consents"]["marketing_sms"],
                "registered_at": d["registered_at"],
                "version": event.streamversion,
                "source": d["source"],
                "registered_store": d["store_id"],
                "birthday": d["birthday"],
                "preferences": json.dumps(d["preferences"] or []),
                "tags": json.dumps(d["tags"] or []),
                **_search_keys(d),
            },
        )

    @on(MemberProfileChanged)
    def profile(self, event):
        d = event.data
        changes = d["changes"] or {}  # none once the member is erased
        values = {k: json.dumps(v) if k in ("preferences", "tags") else v for k, v in changes.items()}
        return Update(
            members,
            {"member_id": d["member_id"]},
            {**values, **_search_keys(changes), "version": event.streamversion},
        )

    @on(MemberErased)
    def erased(self, event):
        d = event.data
        return Update(
            members,
            {"member_id": d["member_id"]},
            {
                **dict.fromkeys(("email", "phone", "birthday", "phone_digits", "email_lower")),
                "name": ERASED_NAME,
                "search_name": "",
                "consent_marketing_email": False,
                "consent_marketing_sms": False,
                "preferences": "[]",
                "tags": "[]",
                "erased_at": d["erased_at"],
                "version": event.streamversion,
            },
        )

    @on(ConsentChanged)
    def consent(self, event):
        d = event.data
        return [
            Update(
                members,
                {"member_id": d["member_id"]},
                {f"consent_marketing_{d['channel']}": d["given"], "version": event.streamversion},
            ),
            Upsert(
                member_consents,
                {
                    "member_id": d["member_id"],
                    "version": event.streamversion,
                    "channel": d["channel"],
                    "given": d["given"],
                    "how": d["how"],
                    "by": d["by"],
                    "at": event.time,
                },
            ),
        ]


def _search_keys(d: dict) -> dict:
    """What search matches on, for the fields ``d`` sets."""
    keys = {}
    if "name" in d:
        keys["search_name"] = folded(d["name"] or "")
    if "phone" in d:
        keys["phone_digits"] = digits(d["phone"])
    if "email" in d:
        keys["email_lower"] = None if d["email"] is None else d["email"].lower()
    return keys


class Complaints(Projection):
    name = "complaints"
    tables = (complaints, complaint_timeline, feedback)

    def _line(self, event, action: str) -> Upsert:
        d = event.data
        return Upsert(
            complaint_timeline,
            {
                "complaint_id": d["complaint_id"],
                "version": event.streamversion,
                "member_id": d["member_id"],
                "action": action,
                "note": d.get("note"),
                "resolution": d.get("resolution"),
                "reference": d.get("reference"),
                "by": d["by"],
                "by_role": d["by_role"],
                "at": event.time,
            },
        )

    @on(ComplaintOpened)
    def opened(self, event):
        d = event.data
        row = {
            k: d[k] for k in ("complaint_id", "member_id", "store_id", "category", "booking_id", "order_id")
        }
        return [
            Upsert(
                complaints,
                {
                    **row,
                    "text": d["text"] or "",
                    "status": "open",
                    "assignee": None,
                    "resolution": None,
                    "opened_at": event.time,
                    "updated_at": event.time,
                    "version": event.streamversion,
                },
            ),
            self._line(event, "opened"),
        ]

    @on(ComplaintActed)
    def acted(self, event):
        d = event.data
        changes = {
            "status": d["status_after"],
            "assignee": d["assignee_after"],
            "updated_at": event.time,
            "version": event.streamversion,
        }
        if d["action"] in ("resolve", "reopen"):
            changes["resolution"] = d["resolution"]
        return [
            Update(complaints, {"complaint_id": d["complaint_id"]}, changes),
            self._line(event, d["action"]),
        ]

    @on(FeedbackGiven)
    def feedback(self, event):
        d = event.data
        return Upsert(
            feedback,
            {
                "booking_id": d["booking_id"],
                "member_id": d["member_id"],
                "store_id": d["store_id"],
                "staff_ids": json.dumps(d["staff_ids"]),
                "rating": d["rating"],
                "comment": d["comment"],
                "at": event.time,
            },
        )

    @on(MemberErased)
    def erased(self, event):
        member = {"member_id": event.data["member_id"]}
        return [
            Update(complaints, member, {"text": ""}),
            Update(complaint_timeline, member, {"note": None}),
            Update(feedback, member, {"comment": None}),
        ]


class CareNotes(Projection):
    name = "care_notes"
    tables = (care_notes,)

    @on(CareNoteAdded)
    def added(self, event):
        d = event.data
        return Upsert(
            care_notes,
            {
                "note_id": d["note_id"],
                "member_id": d["member_id"],
                "kind": d["kind"],
                "text": d["text"] or "",
                "store_id": d["store_id"],
                "by": d["by"],
                "at": event.time,
            },
        )

    @on(MemberErased)
    def erased(self, event):
        return Update(care_notes, {"member_id": event.data["member_id"]}, {"text": ""})


KINDS = {
    "PointsEarned": "earned",
    "PointsReversed": "reversed",
    "PointsExpired": "expired",
    "PointsAdjusted": "adjusted",
    "PointsRedeemed": "redeemed",
    "PointsRestored": "restored",
}


class Points(Projection):
    name = "points"
    tables = (points_accounts, points_lots, points_ledger, points_orders, points_rules, points_holds)

    def _line(self, event) -> list:
        d = event.data
        member = d["member_id"]
        return [
            Upsert(
                points_accounts,
                {
                    "member_id": member,
                    "balance": d["balance_after"],
                    "debt": d["debt_after"],
                    **({"held": d["held_after"]} if "held_after" in d else {}),
                    "version": event.streamversion,
                    "updated_at": event.time,
                },
            ),
            Upsert(
                points_ledger,
                {
                    "member_id": member,
                    "version": event.streamversion,
                    "kind": KINDS[event.type],
                    "points": d["points"],
                    "balance_after": d["balance_after"],
                    "order_id": d.get("order_id"),
                    "store_id": d.get("store_id"),
                    "reason": d.get("reason"),
                    "by": d.get("by"),
                    "at": event.time,
                    "facts": json.dumps(d, sort_keys=True),
                },
            ),
        ] + [
            Update(points_lots, {"member_id": member, "lot_id": x["lot_id"]}, {"remaining": x["remaining"]})
            for x in d["drawn"]
        ]

    def _lot(self, event) -> list:
        """Points given make a lot of what is left once the debt is paid back."""
        d = event.data
        left = d["points"] + d["debt_change"]
        if d["points"] <= 0 or left <= 0:
            return []
        return [
            Upsert(
                points_lots,
                {
                    "member_id": d["member_id"],
                    "lot_id": d["lot_id"],
                    "earned_at": event.time,
                    "expires_at": d["expires_at"],
                    "points": d["points"],
                    "remaining": left,
                },
            )
        ]

    @on(PointsEarned)
    def earned(self, event):
        d = event.data
        lot = self._lot(event)
        order = Upsert(
            points_orders,
            {
                "order_id": d["order_id"],
                "member_id": d["member_id"],
                "currency": d["basis"]["currency"],
                "eligible_minor": d["basis"]["amount_minor"],
                "earned": d["points"],
                "refunded_minor": 0,
                "reversed": 0,
            },
        )
        return self._line(event) + lot + [order]

    @on(PointsReversed)
    def reversed(self, event):
        d = event.data
        return self._line(event) + [
            Update(
                points_orders,
                {"order_id": d["order_id"]},
                {"refunded_minor": d["order_refunded"]["amount_minor"], "reversed": d["order_reversed"]},
            )
        ]

    @on(PointsAdjusted)
    def adjusted(self, event):
        return self._line(event) + self._lot(event)

    @on(PointsExpired)
    def expired(self, event):
        return self._line(event)

    def _held(self, event) -> Update:
        d = event.data
        return Update(
            points_accounts,
            {"member_id": d["member_id"]},
            {"held": d["held_after"], "version": event.streamversion, "updated_at": event.time},
        )

    @on(PointsHeld)
    def held(self, event):
        d = event.data
        return [
            Upsert(
                points_holds,
                {
                    "reference": d["reference"],
                    "member_id": d["member_id"],
                    "points": d["points"],
                    "amount_minor": d["amount"]["amount_minor"],
                    "currency": d["amount"]["currency"],
                    "status": "held",
                    "restored": 0,
                    "refund_refs": "[]",
                },
            ),
            self._held(event),
        ]

    @on(PointsReleased)
    def released(self, event):
        return [
            self._held(event),
            Update(points_holds, {"reference": event.data["reference"]}, {"status": "voided"}),
        ]

    @on(PointsRedeemed)
    def redeemed(self, event):
        return self._line(event) + [
            Update(points_holds, {"reference": event.data["reference"]}, {"status": "captured"})
        ]

    @on(PointsRestored)
    def restored(self, event):
        d = event.data
        return (
            self._line(event)
            + self._lot(event)
            + [
                Update(
                    points_holds,
                    {"reference": d["reference"]},
                    {"restored": d["restored_after"], "refund_refs": json.dumps(d["refund_refs_after"])},
                )
            ]
        )

    @on(PointsRulesChanged)
    def rules(self, event):
        return chain_rules.upsert(
            points_rules,
            event,
            (
                "points_per_unit",
                "point_value_minor",
                "expiry_days",
                "category_multipliers",
                "promotions",
                "birthday_bonus",
            ),
        )


class StoredValue(Projection):
    name = "stored_value"
    tables = (
        stored_value_cards,
        stored_value_loads,
        stored_value_holds,
        stored_value_ledger,
        stored_value_rules,
    )

    def _card(self, event) -> Upsert:
        d = event.data
        return Upsert(
            stored_value_cards,
            {
                "member_id": d["member_id"],
                "currency": d["balance_after"]["currency"],
                "balance": d["balance_after"]["amount_minor"],
                "principal": d["principal_after"]["amount_minor"],
                "bonus": d["bonus_after"]["amount_minor"],
                "held": d["held_after"]["amount_minor"],
                "version": event.streamversion,
                "updated_at": event.time,
            },
        )

    def _held(self, event) -> Update:
        """A hold moves no money: only what the card has on hold changes."""
        d = event.data
        return Update(
            stored_value_cards,
            {"member_id": d["member_id"]},
            {
                "held": d["held_after"]["amount_minor"],
                "version": event.streamversion,
                "updated_at": event.time,
            },
        )

    def _line(self, event, kind: str, sign: int) -> list:
        d = event.data
        return [
            self._card(event),
            Upsert(
                stored_value_ledger,
                {
                    "member_id": d["member_id"],
                    "version": event.streamversion,
                    "kind": kind,
                    "amount_minor": sign * d["amount"]["amount_minor"],
                    "principal_minor": sign * d["principal"]["amount_minor"],
                    "bonus_minor": sign * d["bonus"]["amount_minor"],
                    "balance_after": d["balance_after"]["amount_minor"],
                    "currency": d["amount"]["currency"],
                    "order_id": d.get("order_id"),
                    "store_id": d.get("store_id"),
                    "reference": d.get("reference"),
                    "at": event.time,
                },
            ),
        ]

    def _parts(self, event) -> list:
        d = event.data
        return [
            Update(
                stored_value_loads,
                {"member_id": d["member_id"], "load_id": x["load_id"]},
                {x["part"]: x["left_after"]},
            )
            for x in d["parts"]
        ]

    @staticmethod
    def _as_json(parts: list[dict]) -> str:
        return json.dumps([[x["load_id"], x["part"], x["amount_minor"]] for x in parts])

    @on(StoredValueLoaded)
    def loaded(self, event):
        d = event.data
        return self._line(event, "loaded", +1) + [
            Upsert(
                stored_value_loads,
                {
                    "member_id": d["member_id"],
                    "load_id": d["load_id"],
                    "loaded_at": event.time,
                    "sold_at": d["store_id"],
                    "works_in": d["works_in"],
                    "principal": d["principal"]["amount_minor"],
                    "bonus": d["bonus"]["amount_minor"],
                },
            )
        ]

    @on(StoredValueHeld)
    def held(self, event):
        d = event.data
        return [
            self._held(event),
            Upsert(
                stored_value_holds,
                {
                    "reference": d["reference"],
                    "member_id": d["member_id"],
                    "order_id": d["order_id"],
                    "store_id": d["store_id"],
                    "amount_minor": d["amount"]["amount_minor"],
                    "currency": d["amount"]["currency"],
                    "status": "held",
                    "parts": self._as_json(d["parts"]),
                    "restored": "[]",
                    "refunded_minor": 0,
                    "refund_refs": "[]",
                },
            ),
        ]

    @on(StoredValueReleased)
    def released(self, event):
        return [
            self._held(event),
            Update(stored_value_holds, {"reference": event.data["reference"]}, {"status": "voided"}),
        ]

    @on(StoredValueSpent, StoredValueWithdrawn)
    def spent(self, event):
        return (
            self._line(event, "spent" if event.type == StoredValueSpent.name else "withdrawn", -1)
            + self._parts(event)
            + [Update(stored_value_holds, {"reference": event.data["reference"]}, {"status": "captured"})]
        )

    @on(StoredValueRestored)
    def restored(self, event):
        d = event.data
        return (
            self._line(event, "restored", +1)
            + self._parts(event)
            + [
                Update(
                    stored_value_holds,
                    {"reference": d["reference"]},
                    {
                        "refunded_minor": d["refunded_after"]["amount_minor"],
                        "refund_refs": json.dumps(d["refund_refs_after"]),
                        "restored": self._as_json(d["restored_after"]),
                    },
                )
            ]
        )

    @on(StoredValueRulesChanged)
    def rules(self, event):
        return chain_rules.upsert(stored_value_rules, event, ("scope", "bonuses"))


class Coupons(Projection):
    name = "coupons"
    tables = (campaigns, coupons, coupon_uses)

    def _counts(self, event, **counts) -> Update:
        return Update(
            campaigns,
            {"campaign_id": event.data["campaign_id"]},
            {**counts, "version": event.streamversion},
        )

    def _step(self, event, status: str, use: str, **use_changes) -> list:
        d = event.data
        return [
            self._counts(event, in_use=d["in_use_after"], redeemed=d["redeemed_after"]),
            Update(coupons, {"coupon_id": d["coupon_id"]}, {"status": status}),
            Update(coupon_uses, {"reference": d["reference"]}, {"status": use, **use_changes}),
        ]

    @on(CampaignCreated)
    def created(self, event):
        d = event.data
        return Upsert(
            campaigns,
            {
                "campaign_id": d["campaign_id"],
                "name": d["name"],
                "kind": d["kind"],
                "owner_store": d["owner_store"],
                "code": d["code"],
                "valid_from": d["valid_from"],
                "valid_until": d["valid_until"],
                "ended": False,
                "trigger": d["trigger"],
                "facts": json.dumps(d, sort_keys=True),
                "in_use": 0,
                "redeemed": 0,
                "version": event.streamversion,
                "created_at": event.time,
            },
        )

    @on(CampaignEnded)
    def ended(self, event):
        return self._counts(event, ended=True)

    @on(CampaignIssuedToSegment)
    def to_segment(self, event):
        return self._counts(event)

    @on(CouponIssued)
    def issued(self, event):
        """A coupon's row, and nothing else (the campaign's count is counted)."""
        d = event.data
        return Upsert(
            coupons,
            {
                "coupon_id": d["coupon_id"],
                "code": d["code"],
                "campaign_id": d["campaign_id"],
                "member_id": d["member_id"],
                "status": "issued",
                "via": d["via"],
                "issued_at": event.time,
            },
        )

    @on(CouponsIssued)
    def issued_to_segment(self, event):
        """A segment's batch: a row per coupon, written together."""
        d = event.data
        return [
            Upsert(
                coupons,
                {
                    "coupon_id": x["coupon_id"],
                    "code": x["code"],
                    "campaign_id": d["campaign_id"],
                    "member_id": x["member_id"],
                    "status": "issued",
                    "via": "segment",
                    "issued_at": event.time,
                },
            )
            for x in d["coupons"]
        ]

    @on(CouponHeld)
    def held(self, event):
        d = event.data
        return [
            self._counts(event, in_use=d["in_use_after"], redeemed=d["redeemed_after"]),
            Update(coupons, {"coupon_id": d["coupon_id"]}, {"status": "held"}),
            Upsert(
                coupon_uses,
                {
                    "reference": d["reference"],
                    "coupon_id": d["coupon_id"],
                    "campaign_id": d["campaign_id"],
                    "member_id": d["member_id"],
                    "order_id": d["order_id"],
                    "store_id": d["store_id"],
                    "amount_minor": d["amount"]["amount_minor"],
                    "currency": d["amount"]["currency"],
                    "status": "held",
                    "returned": False,
                    "at": event.time,
                },
            ),
        ]

    @on(CouponReleased)
    def released(self, event):
        return self._step(event, "issued", "voided")

    @on(CouponRedeemed)
    def redeemed(self, event):
        return self._step(event, "redeemed", "captured")

    @on(CouponReturned)
    def returned(self, event):
        return self._step(event, "issued", "captured", returned=True)


class Tiers(Projection):
    name = "tiers"
    tables = (member_tiers, tier_rules)

    @on(TierChanged)
    def changed(self, event):
        d = event.data
        return Upsert(
            member_tiers,
            {
                "member_id": d["member_id"],
                "tier": d["to_tier"],
                "spend_minor": d["spend"]["amount_minor"],
                "since": event.time,
                "version": event.streamversion,
            },
        )

    @on(TierRulesChanged)
    def rules(self, event):
        return chain_rules.upsert(tier_rules, event, ("tiers", "window_days"))


class Segments(Projection):
    name = "segments"
    tables = (segments,)

    @on(SegmentDefined)
    def defined(self, event):
        d = event.data
        return Upsert(
            segments,
            {
                "segment_id": d["segment_id"],
                "name": d["name"],
                "owner_store": d["owner_store"],
                "filter": json.dumps(d["filter"], sort_keys=True),
                "by": d["by"],
                "created_at": event.time,
                "version": event.streamversion,
            },
        )


class SoldTopUps(Projection):
    """The top-ups each order sold to a member, from orders' ``OrderCreated``: what its
    payment loads onto the card."""

    name = "stored_value_top_ups"
    tables = (stored_value_top_ups,)

    @on(OrderCreated)
    def created(self, event):
        d = event.data
        top_ups = [x for x in d["lines"] if x["kind"] == "top_up"]
        if not top_ups or d["customer_id"] is None:
            return []
        return [
            Upsert(
                stored_value_top_ups,
                {
                    "order_id": d["order_id"],
                    "member_id": d["customer_id"],
                    "store_id": d["store_id"],
                    "principal": sum(x["gross"]["amount_minor"] for x in top_ups),
                    "bonus": sum(x["bonus"]["amount_minor"] for x in top_ups),
                    "currency": d["deposit_due"]["currency"],
                },
            )
        ]


def member_view(row) -> dict:
    return {
        "member_id": row.member_id,
        "account_id": row.account_id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "consents": {
            "terms": row.consent_terms,
            "marketing_email": row.consent_marketing_email,
            "marketing_sms": row.consent_marketing_sms,
        },
        "registered_at": row.registered_at,
        "source": row.source,
        "registered_store": row.registered_store,
        "birthday": row.birthday,
        "preferences": json.loads(row.preferences),
        "tags": json.loads(row.tags),
        "version": row.version,
        "erased_at": row.erased_at,
    }
