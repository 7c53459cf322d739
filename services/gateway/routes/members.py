"""Members' history and loyalty: a member's history, points with the ledger, adjustments by
HQ, and HQ's points rules; a member's stored value card with its ledger, and HQ's card
rules; campaigns (HQ's, or a store manager's for their store) with their effect, coupons
issued from them (one by one, or to a segment), and a member's coupons; segments; a
member's tier, and HQ's tier rules.
(Registration and the profile are in ``identity``, where the login is made.)"""

from services.identity.contracts import CUSTOMER
from shared.errors import Forbidden, NotFound

from ..api import PUBLIC, Call, endpoint
from ..auth import require_store
from ..roles import ADMIN, HQ, MANAGERS
from ..schemas import members as schemas

MEMBER_PATH = "/api/v1/members/<string:member_id>"
CAMPAIGN_PATH = "/api/v1/loyalty/campaigns/<string:campaign_id>"
CAMPAIGN_READERS = (*HQ, "store_manager")
SEGMENT_PATH = "/api/v1/loyalty/segments/<string:segment_id>"


class MemberRoutes:
    @endpoint(
        "GET",
        f"{MEMBER_PATH}/points",
        roles=(*HQ, CUSTOMER),
        query=schemas.PointsQuery,
        response=schemas.Points,
        errors=(404,),
    )
    def get_points(self, call, member_id):
        """A member's points: the balance, what expires when, and the ledger line by line,
        newest first (the member themselves, or HQ)."""
        self._own_or_hq(call, member_id)
        return self.members.get_points(member_id=member_id, **call.query)

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/history",
        roles=(*HQ, CUSTOMER),
        query=schemas.HistoryQuery,
        response=schemas.History,
        errors=(404,),
    )
    def get_history(self, call, member_id):
        """A member's history as booking and orders tell it: visits, no-shows, cancellations,
        spend, first and last visit, favourite services and stylists, and their bookings,
        newest first (the member themselves, or HQ)."""
        self._own_or_hq(call, member_id)
        return self.members.get_history(member_id=member_id, **call.query)

    @endpoint(
        "POST",
        f"{MEMBER_PATH}/points/adjustments",
        roles=ADMIN,
        body=schemas.PointsAdjustment,
        response=schemas.Points,
        status=201,
        errors=(404, 409, 422),
        idempotent="required",
    )
    def adjust_points(self, call, member_id):
        """Give points, or take some away (never below zero), with a reason (HQ admins)."""
        call.audit["target_id"] = member_id
        return self.members.adjust_points(
            member_id=member_id,
            points_change=call.body["points"],
            reason=call.body["reason"],
            actor=call.actor(),
            idempotency_key=call.scoped_key(),
        )

    @endpoint("GET", "/api/v1/loyalty/points-rules", roles=PUBLIC, response=schemas.PointsRules)
    def points_rules(self, call):
        """How points are earned, what one is worth, and when they lapse (public: the
        programme's terms)."""
        return self.members.points_rules()

    @endpoint(
        "PATCH",
        "/api/v1/loyalty/points-rules",
        roles=ADMIN,
        body=schemas.PointsRulesChanges,
        response=schemas.PointsRules,
        errors=(422,),
    )
    def set_points_rules(self, call):
        """Change HQ's points rules; points already earned keep their expiry."""
        return self.members.set_points_rules(changes=call.body, actor=call.actor())

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/stored-value",
        roles=(*HQ, CUSTOMER),
        query=schemas.StoredValueQuery,
        response=schemas.StoredValue,
        errors=(404,),
    )
    def get_stored_value(self, call, member_id):
        """A member's stored value card: the balance (principal and bonus), what payments hold,
        each top-up still on it and where it works, and the ledger line by line, newest first
        (the member themselves, or HQ)."""
        self._own_or_hq(call, member_id)
        return self.members.get_stored_value(member_id=member_id, **call.query)

    @endpoint("GET", "/api/v1/loyalty/stored-value-rules", roles=PUBLIC, response=schemas.StoredValueRules)
    def stored_value_rules(self, call):
        """The bonus on a top-up, and whether a card works in every store or only where it
        was sold (public: the card's terms)."""
        return self.members.stored_value_rules()

    @endpoint(
        "PATCH",
        "/api/v1/loyalty/stored-value-rules",
        roles=ADMIN,
        body=schemas.StoredValueRulesChanges,
        response=schemas.StoredValueRules,
        errors=(422,),
    )
    def set_stored_value_rules(self, call):
        """Change HQ's card rules; top-ups already sold keep their bonus and where they work."""
        return self.members.set_stored_value_rules(changes=call.body, actor=call.actor())

    @endpoint(
        "POST",
        "/api/v1/loyalty/campaigns",
        roles=MANAGERS,
        body=schemas.CampaignRequest,
        response=schemas.Campaign,
        status=201,
        errors=(403, 409, 422),
        idempotent="required",
    )
    def create_campaign(self, call):
        """A campaign: percent off, an amount off or a free service, on some services or
        categories (or all), from a minimum spend, in a window, in some stores (or all), with a
        per-member limit, issue and redemption budgets, optionally a published code, and
        whether a refund gives the coupon back. HQ admins for any stores; a store manager for
        their own store only."""
        wanted = call.wire()
        if call.role == "store_manager":
            stores = wanted.get("stores") or []
            if len(stores) != 1:
                raise Forbidden("a store manager's campaign is for their store", {"stores": ["your store"]})
            require_store(call.caller, ("store_manager",), stores[0])
            wanted["owner_store"] = stores[0]
        campaign = self.members.create_campaign(
            wanted=wanted, actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = campaign["campaign_id"]
        return campaign

    @endpoint(
        "GET",
        "/api/v1/loyalty/campaigns",
        roles=CAMPAIGN_READERS,
        query=schemas.CampaignsQuery,
        response=schemas.CampaignList,
        errors=(403,),
    )
    def list_campaigns(self, call):
        """Campaigns, newest first, each with its effect; a store manager sees their store's own."""
        query = dict(call.query)
        if not call.caller.roles_among(HQ):
            if query.get("store_id") is None:
                raise Forbidden("give store_id: your store", {"store_id": ["required"]})
            require_store(call.caller, ("store_manager",), query["store_id"])
        return self.members.list_campaigns(**query)

    @endpoint("GET", CAMPAIGN_PATH, roles=CAMPAIGN_READERS, response=schemas.Campaign, errors=(404,))
    def get_campaign(self, call, campaign_id):
        """A campaign, its counts, and its effect for the chain and per store: issued,
        redeemed, participation and conversion rates, the revenue of the orders that used it,
        the discount given, and the return on the discount."""
        return self._campaign(call, campaign_id)

    @endpoint("POST", f"{CAMPAIGN_PATH}/end", roles=MANAGERS, response=schemas.Campaign, errors=(404,))
    def end_campaign(self, call, campaign_id):
        """No more coupons issued or redeemed from it; what was redeemed stays."""
        self._campaign(call, campaign_id)
        call.audit["target_id"] = campaign_id
        return self.members.end_campaign(campaign_id=campaign_id, actor=call.actor())

    @endpoint(
        "POST",
        f"{CAMPAIGN_PATH}/coupons",
        roles=MANAGERS,
        body=schemas.CouponRequest,
        response=schemas.Coupon,
        status=201,
        errors=(404, 409),
        idempotent="required",
    )
    def issue_coupon(self, call, campaign_id):
        """A coupon of the campaign for one member (within its budget and the member's limit);
        the member finds its code among their coupons."""
        self._campaign(call, campaign_id)
        coupon = self.members.issue_coupon(
            campaign_id=campaign_id,
            member_id=call.body["member_id"],
            actor=call.actor(),
            idempotency_key=call.scoped_key(),
        )
        call.audit["target_id"] = coupon["coupon_id"]
        return coupon

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/coupons",
        roles=(*HQ, CUSTOMER),
        query=schemas.CouponsQuery,
        response=schemas.Coupons,
        errors=(404,),
    )
    def get_coupons(self, call, member_id):
        """A member's coupons, newest first, with their code, campaign and status (the member
        themselves, or HQ)."""
        self._own_or_hq(call, member_id)
        return self.members.get_coupons(member_id=member_id, **call.query)

    @endpoint("GET", f"{MEMBER_PATH}/tier", roles=(*HQ, CUSTOMER), response=schemas.TierView, errors=(404,))
    def get_tier(self, call, member_id):
        """The tier a member stands in, their spend over the window, what the tier gives (a
        points multiplier, a discount on services) and what the next tier needs (the member
        themselves, or HQ)."""
        self._own_or_hq(call, member_id)
        return self.members.get_tier(member_id=member_id)

    @endpoint("GET", "/api/v1/loyalty/tier-rules", roles=PUBLIC, response=schemas.TierRules)
    def tier_rules(self, call):
        """The tiers, what each needs over the window and what it gives (public: the
        programme's terms)."""
        return self.members.tier_rules()

    @endpoint(
        "PATCH",
        "/api/v1/loyalty/tier-rules",
        roles=ADMIN,
        body=schemas.TierRulesChanges,
        response=schemas.TierRules,
        errors=(422,),
    )
    def set_tier_rules(self, call):
        """Change HQ's tiers (the whole list) or the window; each member's tier follows at their
        next order, refund or lapse."""
        return self.members.set_tier_rules(changes=call.body, actor=call.actor())

    @endpoint(
        "POST",
        "/api/v1/loyalty/segments",
        roles=MANAGERS,
        body=schemas.SegmentRequest,
        response=schemas.Segment,
        status=201,
        errors=(403, 422),
        idempotent="required",
    )
    def define_segment(self, call):
        """A segment: a saved filter over members (recent or lapsed visits, spend, visits, RFM,
        tier, stores, services, consent to a channel). A store manager's segment is of their
        store's visitors."""
        wanted = call.wire()
        if call.role == "store_manager":
            stores = wanted["filter"].get("stores") or []
            if len(stores) != 1:
                raise Forbidden(
                    "a store manager's segment is of their store", {"filter.stores": ["your store"]}
                )
            require_store(call.caller, ("store_manager",), stores[0])
            wanted["owner_store"] = stores[0]
        segment = self.members.define_segment(
            wanted=wanted, actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = segment["segment_id"]
        return segment

    @endpoint("GET", SEGMENT_PATH, roles=CAMPAIGN_READERS, response=schemas.Segment, errors=(404,))
    def get_segment(self, call, segment_id):
        """A segment and how many members match it now."""
        return self._segment(call, segment_id)

    @endpoint(
        "GET",
        f"{SEGMENT_PATH}/members",
        roles=CAMPAIGN_READERS,
        query=schemas.SegmentMembersQuery,
        response=schemas.SegmentMembers,
        errors=(404,),
    )
    def segment_members(self, call, segment_id):
        """A page of the members who match the segment now."""
        self._segment(call, segment_id)
        return self.members.segment_members(segment_id=segment_id, **call.query)

    @endpoint(
        "POST",
        f"{CAMPAIGN_PATH}/segment-issues",
        roles=MANAGERS,
        body=schemas.SegmentIssueRequest,
        response=schemas.SegmentIssue,
        status=202,
        errors=(404, 409),
        idempotent="required",
    )
    def issue_to_segment(self, call, campaign_id):
        """Issue the campaign to every member of a segment, as they are now: 202, then batch by
        batch; follow it at the answer's job."""
        self._campaign(call, campaign_id)
        self._segment(call, call.body["segment_id"])
        job = self.members.issue_to_segment(
            campaign_id=campaign_id,
            segment_id=call.body["segment_id"],
            actor=call.actor(),
            idempotency_key=call.scoped_key(),
        )
        call.audit["target_id"] = job["job_id"]
        return job

    @endpoint(
        "GET",
        f"{CAMPAIGN_PATH}/segment-issues/<string:job_id>",
        roles=CAMPAIGN_READERS,
        response=schemas.SegmentIssue,
        errors=(404,),
    )
    def segment_issue(self, call, campaign_id, job_id):
        """How far a campaign's issue to a segment has gone."""
        self._campaign(call, campaign_id)
        return self.members.segment_issue(campaign_id=campaign_id, job_id=job_id)

    def _segment(self, call: Call, segment_id: str) -> dict:
        """The segment, if the caller may see it: HQ any; a store manager their store's own."""
        try:
            segment = self.members.get_segment(segment_id=segment_id)
        except NotFound:
            raise NotFound(f"no segment {segment_id}") from None
        owner = segment["owner_store"]
        if not call.caller.roles_among(HQ) and (
            owner is None or not call.caller.acts_for_store(("store_manager",), owner)
        ):
            raise NotFound(f"no segment {segment_id}")
        return segment

    def _campaign(self, call: Call, campaign_id: str) -> dict:
        """The campaign, if the caller may see it: HQ any; a store manager their store's own."""
        try:
            campaign = self.members.get_campaign(campaign_id=campaign_id)
        except NotFound:
            raise NotFound(f"no campaign {campaign_id}") from None
        if call.caller.roles_among(HQ):
            return campaign
        owner = campaign["owner_store"]
        if owner is None or not call.caller.acts_for_store(("store_manager",), owner):
            raise NotFound(f"no campaign {campaign_id}")
        return campaign

    def _own_or_hq(self, call: Call, member_id: str) -> None:
        if call.caller.member_id != member_id and not call.caller.roles_among(HQ):
            raise NotFound(f"no member {member_id}")
