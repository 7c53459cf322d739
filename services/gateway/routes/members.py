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
from ..consistency import wait_budget
from ..roles import ADMIN, HQ, MANAGERS, STORE_STAFF, STORE_VIEWERS
from ..schemas import members as schemas

MEMBER_PATH = "/api/v1/members/<string:member_id>"
CAMPAIGN_PATH = "/api/v1/loyalty/campaigns/<string:campaign_id>"
CAMPAIGN_READERS = (*HQ, "store_manager")
SEGMENT_PATH = "/api/v1/loyalty/segments/<string:segment_id>"
PROFILE_READERS = (*HQ, CUSTOMER, "store_manager", "staff")
PROFILE_WRITERS = ("hq_admin", CUSTOMER, "store_manager", "staff")
COUNTER = ("store_manager", "staff")


class MemberRoutes:
    @endpoint(
        "POST",
        "/api/v1/stores/<string:store_id>/members",
        roles=STORE_STAFF,
        body=schemas.CounterRegistration,
        response=schemas.MemberProfile,
        status=201,
        errors=(403, 404, 409, 422),
        idempotent="required",
        etag=True,
    )
    def register_at_counter(self, call, store_id):
        """A member registered by staff at the counter: a name and an e-mail or a phone, maybe a
        birthday, preferences, tags and marketing consents; no login (409 if a member has the
        e-mail: find them instead)."""
        require_store(call.caller, STORE_STAFF, store_id)
        call.audit["store_id"] = store_id
        member = self.members.register_member(
            store_id=store_id, wanted=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit["target_id"] = member["member_id"]
        return member

    @endpoint(
        "GET",
        "/api/v1/members",
        roles=STORE_VIEWERS,
        query=schemas.MemberSearchQuery,
        response=schemas.MemberSearch,
        errors=(403,),
    )
    def search_members(self, call):
        """Members whose name (any word), phone or e-mail starts with ``q``: HQ among all, a
        store's staff among the members their store knows (where they booked or registered)."""
        query = dict(call.query)
        if not call.caller.roles_among(HQ):
            if query.get("store_id") is None:
                raise Forbidden("give store_id: your store", {"store_id": ["required"]})
            require_store(call.caller, COUNTER, query["store_id"])
        return self.members.search_members(**query)

    @endpoint(
        "GET", MEMBER_PATH, roles=PROFILE_READERS, response=schemas.MemberProfile, errors=(404,), etag=True
    )
    def get_member(self, call, member_id):
        """A member's profile, with where they are known and every consent they gave or
        withdrew: the member themselves, HQ, or the staff of a store that knows them."""
        return self._profile(call, member_id)

    @endpoint(
        "PATCH",
        MEMBER_PATH,
        roles=PROFILE_WRITERS,
        body=schemas.ProfileChanges,
        response=schemas.MemberProfile,
        errors=(404, 409, 412, 422, 428),
        if_match=True,
        etag=True,
    )
    def update_member(self, call, member_id):
        """Change a profile against the version read (If-Match): the member themselves (not the
        tags, nor the e-mail of their login), the staff of a store that knows them, or HQ."""
        self._profile(call, member_id)
        call.audit["target_id"] = member_id
        return self.members.update_profile(
            member_id=member_id,
            changes=call.wire(),
            by_staff=call.role != CUSTOMER,
            actor=call.actor(),
            expected_version=call.expected_version,
        )

    @endpoint(
        "POST",
        f"{MEMBER_PATH}/consents",
        roles=PROFILE_WRITERS,
        body=schemas.ConsentRequest,
        response=schemas.MemberProfile,
        status=201,
        errors=(404, 409, 422),
        etag=True,
    )
    def change_consent(self, call, member_id):
        """Marketing consent given or withdrawn for a channel, with how the member said so."""
        self._profile(call, member_id)
        call.audit["target_id"] = member_id
        body = call.body
        return self.members.change_consent(
            member_id=member_id,
            channel=body["channel"],
            given=body["given"],
            how=body["how"],
            actor=call.actor(),
        )

    @endpoint(
        "GET", f"{MEMBER_PATH}/care-notes", roles=(*HQ, *COUNTER), response=schemas.CareNotes, errors=(404,)
    )
    def care_notes(self, call, member_id):
        """The care notes staff keep (test results, formulas used): staff only, never the member."""
        self._profile(call, member_id)
        return self.members.care_notes(member_id=member_id)

    @endpoint(
        "POST",
        f"{MEMBER_PATH}/care-notes",
        roles=STORE_STAFF,
        body=schemas.CareNoteRequest,
        response=schemas.CareNotes,
        status=201,
        errors=(403, 404, 409, 422),
    )
    def add_care_note(self, call, member_id):
        """A care note: an allergy or skin test, the hair, a formula used, or other."""
        self._profile(call, member_id)
        body = call.body
        if body.get("store_id") is not None:
            require_store(call.caller, STORE_STAFF, body["store_id"])
        call.audit["target_id"] = member_id
        return self.members.add_care_note(
            member_id=member_id,
            kind=body["kind"],
            text=body["text"],
            store_id=body.get("store_id"),
            actor=call.actor(),
        )

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/points",
        roles=PROFILE_READERS,
        query=schemas.PointsQuery,
        response=schemas.Points,
        errors=(404,),
    )
    def get_points(self, call, member_id):
        """A member's points: the balance, what expires when, and the ledger line by line,
        newest first (the member, HQ, or the staff of a store that knows them)."""
        self._profile(call, member_id)
        return self.members.get_points(member_id=member_id, **call.query)

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/history",
        roles=PROFILE_READERS,
        query=schemas.HistoryQuery,
        response=schemas.History,
        errors=(404,),
    )
    def get_history(self, call, member_id):
        """A member's history as booking and orders tell it: visits, no-shows, cancellations,
        spend, first and last visit, favourite services and stylists, and their bookings,
        newest first (the member, HQ, or the staff of a store that knows them)."""
        self._profile(call, member_id)
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
        """Change HQ's points rules: the rate, what a point is worth, the expiry, multipliers per
        service category, points campaigns (a multiplier for some stores, categories and a
        window) and the birthday bonus. Points already earned keep theirs."""
        return self.members.set_points_rules(changes=call.wire(), actor=call.actor())

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/stored-value",
        roles=PROFILE_READERS,
        query=schemas.StoredValueQuery,
        response=schemas.StoredValue,
        errors=(404,),
    )
    def get_stored_value(self, call, member_id):
        """A member's stored value card: the balance (principal and bonus), what payments hold,
        each top-up still on it and where it works, and the ledger line by line, newest first
        (the member, HQ, or the staff of a store that knows them)."""
        self._profile(call, member_id)
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
        errors=(404, 409, 422),
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
        roles=PROFILE_READERS,
        query=schemas.CouponsQuery,
        response=schemas.Coupons,
        errors=(404,),
    )
    def get_coupons(self, call, member_id):
        """A member's coupons, newest first, with their code, campaign and status (the member,
        HQ, or the staff of a store that knows them)."""
        self._profile(call, member_id)
        return self.members.get_coupons(member_id=member_id, **call.query)

    @endpoint("GET", f"{MEMBER_PATH}/tier", roles=PROFILE_READERS, response=schemas.TierView, errors=(404,))
    def get_tier(self, call, member_id):
        """The tier a member stands in, their spend over the window, what the tier gives (a
        points multiplier, a discount on services) and what the next tier needs (the member,
        HQ, or the staff of a store that knows them)."""
        self._profile(call, member_id)
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
        errors=(404, 409, 422),
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

    @endpoint(
        "POST",
        f"{MEMBER_PATH}/feedback",
        roles=(CUSTOMER,),
        body=schemas.FeedbackRequest,
        response=schemas.FeedbackAnswer,
        status=201,
        errors=(404, 409, 422),
    )
    def give_feedback(self, call, member_id):
        """The member's rating (1 to 5) and comment on a completed visit of theirs, once."""
        if call.caller.member_id != member_id:
            raise NotFound(f"no member {member_id}")
        body = call.body
        return self.members.give_feedback(
            member_id=member_id,
            booking_id=body["booking_id"],
            rating=body["rating"],
            comment=body.get("comment"),
        )

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/feedback",
        roles=STORE_VIEWERS,
        query=schemas.FeedbackQuery,
        response=schemas.StoreFeedback,
        errors=(403, 404),
    )
    def store_feedback(self, call, store_id):
        """A store's feedback, newest first, with its average rating and who did each visit."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.members.store_feedback(store_id=store_id, **call.query)

    @endpoint(
        "POST",
        f"{MEMBER_PATH}/complaints",
        roles=PROFILE_WRITERS,
        body=schemas.ComplaintRequest,
        response=schemas.Complaint,
        status=201,
        errors=(404, 409, 422),
        idempotent="required",
    )
    def open_complaint(self, call, member_id):
        """A complaint about one of the member's bookings or orders, with a category: by the
        member, or by staff of a store that knows them on their behalf."""
        self._profile(call, member_id)
        complaint = self.members.open_complaint(
            member_id=member_id, wanted=call.wire(), actor=call.actor(), idempotency_key=call.scoped_key()
        )
        call.audit.update(target_id=complaint["complaint_id"], store_id=complaint["store_id"])
        return complaint

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/complaints",
        roles=(*HQ, CUSTOMER),
        query=schemas.ComplaintsQuery,
        response=schemas.ComplaintList,
        errors=(404,),
    )
    def member_complaints(self, call, member_id):
        """The member's complaints, each with its status and timeline (the member, or HQ)."""
        self._own_or_hq(call, member_id)
        return self.members.list_complaints(member_id=member_id, **call.query)

    @endpoint(
        "GET",
        "/api/v1/stores/<string:store_id>/complaints",
        roles=STORE_VIEWERS,
        query=schemas.ComplaintsQuery,
        response=schemas.ComplaintList,
        errors=(403, 404),
    )
    def store_complaints(self, call, store_id):
        """A store's complaints, the oldest first (its queue)."""
        require_store(call.caller, STORE_VIEWERS, store_id)
        return self.members.list_complaints(store_id=store_id, **call.query)

    @endpoint(
        "GET",
        "/api/v1/complaints/<string:complaint_id>",
        roles=PROFILE_READERS,
        response=schemas.Complaint,
        errors=(404,),
    )
    def get_complaint(self, call, complaint_id):
        """A complaint and its timeline: its member, the store's staff, HQ."""
        return self._complaint(call, complaint_id, STORE_VIEWERS)

    @endpoint(
        "POST",
        "/api/v1/complaints/<string:complaint_id>/actions",
        roles=PROFILE_WRITERS,
        body=schemas.ComplaintAction,
        response=schemas.Complaint,
        status=201,
        errors=(403, 404, 409, 422),
    )
    def act_on_complaint(self, call, complaint_id):
        """Take it, add a note, resolve it (an apology, a redo, a refund through orders, or a
        coupon of a campaign), reopen or close it: the store's staff or HQ; the member may
        reopen or close their own once resolved."""
        complaint = self._complaint(call, complaint_id, STORE_STAFF)
        if call.role == CUSTOMER and call.body["action"] not in ("reopen", "close", "note"):
            raise Forbidden("the store acts on a complaint", {"action": ["reopen, close or note only"]})
        call.audit.update(target_id=complaint_id, store_id=complaint["store_id"])
        return self.members.act_on_complaint(
            complaint_id=complaint_id, wanted=call.wire(), actor=call.actor()
        )

    def _complaint(self, call: Call, complaint_id: str, store_roles) -> dict:
        try:
            complaint = self.members.get_complaint(complaint_id=complaint_id)
        except NotFound:
            raise NotFound(f"no complaint {complaint_id}") from None
        caller = call.caller
        if (
            caller.member_id == complaint["member_id"]
            or caller.roles_among(HQ)
            or caller.acts_for_store(store_roles, complaint["store_id"])
        ):
            return complaint
        raise NotFound(f"no complaint {complaint_id}")

    def _profile(self, call: Call, member_id: str) -> dict:
        """The member's card, if the caller may see it: the member (waiting, bounded, for a
        fresh registration), HQ, or the staff of a store that knows them."""
        caller = call.caller
        own = caller.member_id == member_id
        try:
            if own:
                self.members.get_member(member_id=member_id, wait_seconds=wait_budget())
            card = self.members.member_card(member_id=member_id)
        except NotFound:
            raise NotFound(f"no member {member_id}") from None
        if own or caller.roles_among(HQ) or any(caller.acts_for_store(COUNTER, s) for s in card["stores"]):
            return card
        raise NotFound(f"no member {member_id}")

    def _own_or_hq(self, call: Call, member_id: str) -> None:
        if call.caller.member_id != member_id and not call.caller.roles_among(HQ):
            raise NotFound(f"no member {member_id}")
