"""Members' loyalty: points (balance, what expires when, the ledger) and HQ's points rules;
stored value cards (balance, loads, the ledger) and HQ's card rules; campaigns with their
effect, and coupons; as requested and as answered."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts import Money

from .common import Page, PagedList, StrictSchema

POINTS_RULES = {
    "points_per_unit": {
        "validate": validate.Range(min=0, max=1000),
        "metadata": {"description": "points per whole unit of currency paid"},
    },
    "point_value_minor": {
        "validate": validate.Range(min=1, max=100_000),
        "metadata": {"description": "what one point is worth when spent, in minor units"},
    },
    "expiry_days": {
        "validate": validate.Range(min=1, max=3650),
        "metadata": {"description": "points lapse this long after they were earned"},
    },
}


class PointsQuery(Page):
    pass


class PointsLine(Schema):
    kind = fields.String(metadata={"description": "earned, reversed, expired or adjusted"})
    points = fields.Integer(metadata={"description": "+ in, - out"})
    balance_after = fields.Integer()
    order_id = fields.String(allow_none=True)
    store_id = fields.String(allow_none=True)
    refund_id = fields.String(allow_none=True)
    lot_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    at = fields.String(metadata={"description": "UTC"})


class PointsLedger(PagedList):
    items = fields.List(fields.Nested(PointsLine))


class Expiring(Schema):
    lot_id = fields.String()
    points = fields.Integer()
    expires_at = fields.String(metadata={"description": "UTC"})


class Points(Schema):
    member_id = fields.String()
    balance = fields.Integer(metadata={"description": "the ledger's sum; negative while in debt"})
    debt = fields.Integer(metadata={"description": "reversed points that had been spent: paid back first"})
    expiring = fields.List(fields.Nested(Expiring), metadata={"description": "points left, oldest first"})
    ledger = fields.Nested(PointsLedger, metadata={"description": "newest first"})


class PointsAdjustment(StrictSchema):
    points = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=-1_000_000, max=1_000_000),
        metadata={"description": "+ given, - taken away (never below zero)"},
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def not_zero(self, data, **kwargs):
        if data.get("points") == 0:
            raise ValidationError("give or take at least one point", "points")


MULTIPLIER_BP = {
    "strict": True,
    "required": True,
    "validate": validate.Range(min=0, max=100_000),
    "metadata": {"description": "basis points: 10000 is x1, 20000 double points"},
}


class CategoryMultiplier(StrictSchema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    multiplier_bp = fields.Integer(**MULTIPLIER_BP)


class PointsPromotion(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    multiplier_bp = fields.Integer(**MULTIPLIER_BP)
    valid_from = fields.AwareDateTime(required=True)
    valid_until = fields.AwareDateTime(required=True, metadata={"description": "exclusive"})
    stores = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=500),
        metadata={"description": "none: every store"},
    )
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(max=50),
        metadata={"description": "none: every line"},
    )


class PromotionView(Schema):
    name = fields.String()
    multiplier_bp = fields.Integer()
    valid_from = fields.String(metadata={"description": "UTC"})
    valid_until = fields.String(metadata={"description": "UTC, exclusive"})
    stores = fields.List(fields.String())
    categories = fields.List(fields.String())


class PointsRules(Schema):
    points_per_unit = fields.Integer()
    point_value_minor = fields.Integer()
    expiry_days = fields.Integer()
    category_multipliers = fields.List(fields.Nested(CategoryMultiplier))
    promotions = fields.List(fields.Nested(PromotionView))
    birthday_bonus = fields.Integer(metadata={"description": "points given on each birthday"})


class PointsRulesChanges(StrictSchema):
    points_per_unit = fields.Integer(strict=True, **POINTS_RULES["points_per_unit"])
    point_value_minor = fields.Integer(strict=True, **POINTS_RULES["point_value_minor"])
    expiry_days = fields.Integer(strict=True, **POINTS_RULES["expiry_days"])
    category_multipliers = fields.List(
        fields.Nested(CategoryMultiplier),
        validate=validate.Length(max=50),
        metadata={"description": "the whole list: a category not in it earns x1"},
    )
    promotions = fields.List(
        fields.Nested(PointsPromotion),
        validate=validate.Length(max=50),
        metadata={"description": "the whole list: the best one covering a line counts"},
    )
    birthday_bonus = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("change at least one rule", "_body")


class HistoryQuery(Page):
    pass


class HistoryBooking(Schema):
    booking_id = fields.String()
    store_id = fields.String()
    start = fields.String(metadata={"description": "UTC"})
    local_date = fields.String()
    status = fields.String()
    total = fields.Nested(Money)
    channel = fields.String()
    segments = fields.List(fields.Dict(), metadata={"description": "service, its name, stylist, start"})


class HistoryBookings(PagedList):
    items = fields.List(fields.Nested(HistoryBooking))


class Favourite(Schema):
    service_id = fields.String()
    staff_id = fields.String()
    name = fields.String()
    visits = fields.Integer()


class History(Schema):
    member_id = fields.String()
    visits = fields.Integer(metadata={"description": "completed bookings"})
    bookings = fields.Integer()
    upcoming = fields.Integer()
    no_shows = fields.Integer()
    cancellations = fields.Integer()
    first_visit = fields.String(allow_none=True, metadata={"description": "the store's date"})
    last_visit = fields.String(allow_none=True)
    spend = fields.List(fields.Nested(Money), metadata={"description": "paid, less refunds, per currency"})
    favourite_services = fields.List(fields.Nested(Favourite))
    favourite_stylists = fields.List(fields.Nested(Favourite))
    bookings_page = fields.Nested(HistoryBookings, metadata={"description": "newest first"})


class StoredValueQuery(Page):
    pass


class SignedMoney(Schema):
    amount_minor = fields.Integer(metadata={"description": "+ in, - out"})
    currency = fields.String()


class StoredValueLine(Schema):
    kind = fields.String(metadata={"description": "loaded, spent or restored (a refund of a spend)"})
    amount = fields.Nested(SignedMoney)
    principal = fields.Nested(SignedMoney)
    bonus = fields.Nested(SignedMoney)
    balance_after = fields.Nested(Money)
    order_id = fields.String(allow_none=True, metadata={"description": "the top-up order"})
    store_id = fields.String(allow_none=True)
    reference = fields.String(allow_none=True, metadata={"description": "the orders' tender it paid"})
    at = fields.String(metadata={"description": "UTC"})


class StoredValueLedger(PagedList):
    items = fields.List(fields.Nested(StoredValueLine))


class StoredValueLoad(Schema):
    load_id = fields.String()
    order_id = fields.String(metadata={"description": "the top-up order that loaded it"})
    sold_at = fields.String()
    works_in = fields.String(
        allow_none=True, metadata={"description": "the only store it works in; null: all"}
    )
    principal = fields.Nested(Money, metadata={"description": "left of what was paid"})
    bonus = fields.Nested(Money, metadata={"description": "left of the bonus: spent last"})
    loaded_at = fields.String(metadata={"description": "UTC"})


class StoredValue(Schema):
    member_id = fields.String()
    currency = fields.String(allow_none=True, metadata={"description": "null until the first top-up"})
    balance = fields.Nested(
        Money, allow_none=True, metadata={"description": "the ledger's sum: never negative"}
    )
    principal = fields.Nested(Money, allow_none=True)
    bonus = fields.Nested(Money, allow_none=True)
    held = fields.Nested(Money, allow_none=True, metadata={"description": "kept for payments on their way"})
    loads = fields.List(fields.Nested(StoredValueLoad), metadata={"description": "oldest first"})
    ledger = fields.Nested(StoredValueLedger, metadata={"description": "newest first"})


class Bonus(StrictSchema):
    at_least_minor = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=100_000_000),
        metadata={"description": "a top-up of at least this"},
    )
    bonus_minor = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0, max=100_000_000),
        metadata={"description": "gets this on top"},
    )


class StoredValueRules(Schema):
    scope = fields.String(metadata={"description": "chain: a card works in every store; store: where sold"})
    bonuses = fields.List(fields.Nested(Bonus), metadata={"description": "the largest step reached applies"})


class StoredValueRulesChanges(StrictSchema):
    scope = fields.String(validate=validate.OneOf(["chain", "store"]))
    bonuses = fields.List(fields.Nested(Bonus), validate=validate.Length(max=20))

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("change at least one rule", "_body")
        steps = [b["at_least_minor"] for b in data.get("bonuses", [])]
        if len(steps) != len(set(steps)):
            raise ValidationError("one bonus per step", "bonuses")


CODE = {"validate": validate.Regexp(r"^[A-Z0-9-]{3,40}$"), "metadata": {"description": "capitals, digits, -"}}


class CampaignRequest(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(
        required=True, validate=validate.OneOf(["percent_off", "amount_off", "free_service"])
    )
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    percent_bp = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=10_000),
        metadata={"description": "percent_off: 1000 is 10 %"},
    )
    amount = fields.Nested(Money, metadata={"description": "amount_off: what it takes off"})
    service_id = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "free_service"}
    )
    min_spend = fields.Nested(Money, metadata={"description": "the order's total it needs"})
    valid_from = fields.AwareDateTime(required=True)
    valid_until = fields.AwareDateTime(required=True)
    stores = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=500),
        metadata={"description": "none: every store (a store manager's campaign: their store)"},
    )
    services = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=200)
    )
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=50)
    )
    per_member_limit = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    issue_budget = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000_000))
    redemption_budget = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000_000))
    code = fields.String(**CODE)
    give_back_on_refund = fields.Boolean(metadata={"description": "a refund gives the coupon back"})
    trigger = fields.String(
        validate=validate.OneOf(["birthday", "first_visit", "lapsed"]),
        metadata={"description": "it issues its own coupons: on a birthday, a first visit, a lapse"},
    )
    lapsed_days = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "lapsed: no visit for this many days"},
    )

    @validates_schema
    def shaped(self, data, **kwargs):
        needs = {"percent_off": "percent_bp", "amount_off": "amount", "free_service": "service_id"}
        if data.get("kind") in needs and needs[data["kind"]] not in data:
            raise ValidationError(
                f"a {data['kind'].replace('_', ' ')} campaign needs it", needs[data["kind"]]
            )


class CampaignsQuery(Page):
    store_id = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "a store's own"}
    )


class Effect(Schema):
    store_id = fields.String(allow_none=True, metadata={"description": "null: the whole chain"})
    issued = fields.Integer()
    redeemed = fields.Integer()
    participation_rate = fields.Float(metadata={"description": "members who redeemed / members issued"})
    conversion_rate = fields.Float(metadata={"description": "coupons redeemed / coupons issued"})
    revenue = fields.Nested(
        Money, metadata={"description": "what the orders that used it paid, less the discount"}
    )
    discount = fields.Nested(Money)
    return_on_discount = fields.Float(allow_none=True, metadata={"description": "revenue / discount"})


class Effects(Schema):
    chain = fields.Nested(Effect)
    stores = fields.List(fields.Nested(Effect))


class Campaign(Schema):
    campaign_id = fields.String()
    name = fields.String()
    kind = fields.String()
    percent_bp = fields.Integer()
    amount = fields.Nested(Money)
    service_id = fields.String(allow_none=True)
    min_spend = fields.Nested(Money)
    valid_from = fields.String()
    valid_until = fields.String()
    stores = fields.List(fields.String())
    services = fields.List(fields.String())
    categories = fields.List(fields.String())
    per_member_limit = fields.Integer()
    issue_budget = fields.Integer(allow_none=True)
    redemption_budget = fields.Integer(allow_none=True)
    code = fields.String(allow_none=True)
    give_back_on_refund = fields.Boolean()
    owner_store = fields.String(allow_none=True)
    trigger = fields.String(allow_none=True, metadata={"description": "birthday, first_visit or lapsed"})
    lapsed_days = fields.Integer(allow_none=True)
    by = fields.String(allow_none=True)
    ended = fields.Boolean()
    issued = fields.Integer()
    in_use = fields.Integer(metadata={"description": "held by a payment or redeemed"})
    redeemed = fields.Integer()
    created_at = fields.String()
    effect = fields.Nested(Effects)


class CampaignList(PagedList):
    items = fields.List(fields.Nested(Campaign))


class CouponRequest(StrictSchema):
    member_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class Coupon(Schema):
    coupon_id = fields.String()
    code = fields.String(metadata={"description": "what the member gives at the counter or online"})
    member_id = fields.String()
    campaign_id = fields.String()
    campaign = fields.String(metadata={"description": "its name"})
    status = fields.String(metadata={"description": "issued, held (a payment is on its way) or redeemed"})
    valid_until = fields.String()
    campaign_ended = fields.Boolean()
    via = fields.String(metadata={"description": "hand: issued by staff; code: the published code used"})
    issued_at = fields.String()


class CouponsQuery(Page):
    pass


class Coupons(PagedList):
    member_id = fields.String()
    items = fields.List(fields.Nested(Coupon))


class TierRule(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    min_spend_minor = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=1_000_000_000),
        metadata={"description": "spend over the window that reaches it"},
    )
    points_multiplier_bp = fields.Integer(
        strict=True,
        load_default=10_000,
        validate=validate.Range(min=10_000, max=50_000),
        metadata={"description": "15000: one and a half times the points"},
    )
    service_discount_bp = fields.Integer(
        strict=True,
        load_default=0,
        validate=validate.Range(min=0, max=5_000),
        metadata={"description": "500: 5 % off services, from the next order"},
    )


class TierRules(Schema):
    tiers = fields.List(fields.Nested(TierRule), metadata={"description": "lowest first"})
    window_days = fields.Integer(metadata={"description": "the rolling window of spend"})


class TierRulesChanges(StrictSchema):
    tiers = fields.List(fields.Nested(TierRule), validate=validate.Length(max=10))
    window_days = fields.Integer(strict=True, validate=validate.Range(min=30, max=3 * 365))

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("change the tiers or the window", "_body")


class TierView(Schema):
    member_id = fields.String()
    tier = fields.String(allow_none=True, metadata={"description": "null: below the lowest tier"})
    since = fields.String(allow_none=True)
    spend = fields.Nested(Money, allow_none=True, metadata={"description": "over the window, now"})
    window_days = fields.Integer()
    points_multiplier_bp = fields.Integer()
    service_discount_bp = fields.Integer()
    next_tier = fields.String(allow_none=True)
    next_tier_needs_minor = fields.Integer(
        allow_none=True, metadata={"description": "more spend to reach it"}
    )


COUNT = {"strict": True, "validate": validate.Range(min=0, max=100_000_000)}


class SegmentFilter(StrictSchema):
    visited_within_days = fields.Integer(**COUNT, metadata={"description": "came within these days"})
    lapsed_days = fields.Integer(**COUNT, metadata={"description": "came before, not within these days"})
    min_spend_minor = fields.Integer(**COUNT, metadata={"description": "over the last 12 months"})
    max_spend_minor = fields.Integer(**COUNT)
    min_visits = fields.Integer(**COUNT, metadata={"description": "completed visits over 12 months"})
    min_rfm = fields.Integer(
        strict=True,
        validate=validate.Range(min=3, max=15),
        metadata={"description": "recency, frequency and monetary value, 1 to 5 each by quintile"},
    )
    tiers = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(max=20),
        metadata={"description": "none: members without a tier"},
    )
    stores = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=500),
        metadata={"description": "visited any of them"},
    )
    services = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=200),
        metadata={"description": "visited for any of them"},
    )
    consent = fields.String(
        validate=validate.OneOf(["email", "sms"]),
        metadata={"description": "marketing consent to this channel"},
    )
    categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(max=50),
        metadata={"description": "bought any of them (a line of a paid order: hair, colour, retail...)"},
    )
    birthday_months = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=12)),
        validate=validate.Length(max=12),
        metadata={"description": "born in any of these months (1 to 12)"},
    )


class SegmentRequest(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filter = fields.Nested(SegmentFilter, required=True)


class Segment(Schema):
    segment_id = fields.String()
    name = fields.String()
    owner_store = fields.String(allow_none=True)
    filter = fields.Dict()
    by = fields.String(allow_none=True)
    created_at = fields.String()
    members = fields.Integer(metadata={"description": "how many match now"})


class SegmentMember(Schema):
    member_id = fields.String()
    name = fields.String()
    tier = fields.String(allow_none=True)


class SegmentMembers(PagedList):
    segment_id = fields.String()
    items = fields.List(fields.Nested(SegmentMember))


class SegmentMembersQuery(Page):
    pass


class SegmentIssueRequest(StrictSchema):
    segment_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class SegmentIssue(Schema):
    job_id = fields.String()
    campaign_id = fields.String()
    segment_id = fields.String()
    total = fields.Integer(metadata={"description": "the segment's members when it started"})
    issued = fields.Integer()
    refused = fields.Integer(metadata={"description": "at their limit, or past the budget or the end"})
    status = fields.String(metadata={"description": "running, then finished"})
    started_at = fields.String()
    finished_at = fields.String(allow_none=True)


PREFERENCES = fields.List(
    fields.String(validate=validate.Length(min=1, max=100)),
    validate=validate.Length(max=20),
    metadata={"description": "e.g. a quiet appointment, a favourite stylist"},
)
TAGS = fields.List(
    fields.String(validate=validate.Length(min=1, max=40)),
    validate=validate.Length(max=20),
    metadata={"description": "the chain's labels (staff only)"},
)


class CounterConsents(StrictSchema):
    email = fields.Boolean(load_default=False)
    sms = fields.Boolean(load_default=False)


class CounterRegistration(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(validate=validate.Length(max=320))
    phone = fields.String(validate=validate.Length(min=3, max=40))
    birthday = fields.Date(metadata={"description": "YYYY-MM-DD"})
    preferences = PREFERENCES
    tags = TAGS
    consents = fields.Nested(
        CounterConsents, metadata={"description": "marketing, as the member said at the counter"}
    )


class ProfileChanges(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=320))
    phone = fields.String(allow_none=True, validate=validate.Length(min=3, max=40))
    birthday = fields.Date(allow_none=True)
    preferences = PREFERENCES
    tags = TAGS

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("change at least one field", "_body")


class ConsentRequest(StrictSchema):
    channel = fields.String(required=True, validate=validate.OneOf(["email", "sms"]))
    given = fields.Boolean(required=True, metadata={"description": "false: withdrawn"})
    how = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "how the member said so: the online form, signed at the counter…"},
    )


class ConsentLine(Schema):
    channel = fields.String()
    given = fields.Boolean()
    how = fields.String()
    by = fields.String(allow_none=True)
    at = fields.String(metadata={"description": "UTC"})


class MemberConsents(Schema):
    terms = fields.Boolean()
    marketing_email = fields.Boolean()
    marketing_sms = fields.Boolean()


class MemberProfile(Schema):
    member_id = fields.String()
    account_id = fields.String(allow_none=True, metadata={"description": "null: registered at the counter"})
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    consents = fields.Nested(MemberConsents)
    consent_history = fields.List(fields.Nested(ConsentLine), metadata={"description": "oldest first"})
    registered_at = fields.String()
    source = fields.String(metadata={"description": "online or counter"})
    registered_store = fields.String(allow_none=True)
    birthday = fields.String(allow_none=True)
    preferences = fields.List(fields.String())
    tags = fields.List(fields.String())
    stores = fields.List(fields.String(), metadata={"description": "the stores that know them"})
    version = fields.Integer()
    erased_at = fields.String(
        allow_none=True, metadata={"description": "UTC; set once the member's personal data is erased"}
    )


class MemberSearchQuery(Page):
    q = fields.String(
        required=True,
        validate=validate.Length(min=2, max=100),
        metadata={"description": "the start of a name (any word), a phone number or an e-mail"},
    )
    store_id = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the members that store knows (staff: required, their store)"},
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class MemberSearchLine(Schema):
    member_id = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    tags = fields.List(fields.String())


class MemberSearch(PagedList):
    items = fields.List(fields.Nested(MemberSearchLine))


class CareNoteRequest(StrictSchema):
    kind = fields.String(
        required=True, validate=validate.OneOf(["allergy_test", "skin", "hair", "formula", "other"])
    )
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    store_id = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "where it was noted"}
    )


class CareNote(Schema):
    note_id = fields.String()
    kind = fields.String()
    text = fields.String()
    store_id = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    at = fields.String()


class CareNotes(Schema):
    member_id = fields.String()
    items = fields.List(fields.Nested(CareNote), metadata={"description": "newest first"})


class FeedbackRequest(StrictSchema):
    booking_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    rating = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(validate=validate.Length(max=2000))


class FeedbackAnswer(Schema):
    member_id = fields.String()
    booking_id = fields.String()
    rating = fields.Integer()
    comment = fields.String(allow_none=True)


class FeedbackLine(Schema):
    booking_id = fields.String()
    member_id = fields.String()
    staff_ids = fields.List(fields.String())
    rating = fields.Integer()
    comment = fields.String(allow_none=True)
    at = fields.String()


class StoreFeedback(PagedList):
    store_id = fields.String()
    average_rating = fields.Float(allow_none=True)
    items = fields.List(fields.Nested(FeedbackLine), metadata={"description": "newest first"})


class FeedbackQuery(Page):
    pass


class ComplaintRequest(StrictSchema):
    category = fields.String(
        required=True,
        validate=validate.OneOf(["service", "product", "environment", "staff", "price", "other"]),
    )
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    booking_id = fields.String(validate=validate.Length(min=1, max=64))
    order_id = fields.String(validate=validate.Length(min=1, max=64))

    @validates_schema
    def about(self, data, **kwargs):
        if ("booking_id" in data) == ("order_id" in data):
            raise ValidationError("about a booking or an order (one of them)", "booking_id")


class ComplaintAction(StrictSchema):
    action = fields.String(
        required=True, validate=validate.OneOf(["take", "note", "resolve", "reopen", "close"])
    )
    note = fields.String(validate=validate.Length(min=1, max=2000))
    resolution = fields.String(
        validate=validate.OneOf(["apology", "redo", "refund", "coupon"]),
        metadata={"description": "resolve: how"},
    )
    campaign_id = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "resolve with a coupon: its campaign"},
    )
    reference = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "resolve with a refund or a redo: the refund or after-sales request"},
    )
    assignee = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "take: who (you)"}
    )


class TimelineLine(Schema):
    action = fields.String(metadata={"description": "opened, take, note, resolve, reopen, close"})
    note = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    by_role = fields.String(allow_none=True)
    at = fields.String()


class Complaint(Schema):
    complaint_id = fields.String()
    member_id = fields.String()
    store_id = fields.String()
    category = fields.String()
    text = fields.String()
    booking_id = fields.String(allow_none=True)
    order_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "open, in_progress, resolved, closed"})
    assignee = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    opened_at = fields.String()
    updated_at = fields.String()
    version = fields.Integer()
    timeline = fields.List(fields.Nested(TimelineLine))


class ComplaintList(PagedList):
    items = fields.List(fields.Nested(Complaint))


class ComplaintsQuery(Page):
    status = fields.String(validate=validate.OneOf(["open", "in_progress", "resolved", "closed"]))
