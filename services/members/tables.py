"""The members service's read models: members; their points (balance, lots, ledger, what
each order earned, holds) with HQ's rules; and their history as booking and orders tell it
(bookings with their services and stylists, paid orders); their stored value cards (loads,
holds, ledger, the top-ups orders sold) with HQ's rules; campaigns, their coupons, and each
use of a coupon by a payment."""

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

members = Table(
    "members",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("account_id", String(64)),  # null: registered at the counter, no login
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("consent_terms", Boolean, nullable=False),
    Column("consent_marketing_email", Boolean, nullable=False),
    Column("consent_marketing_sms", Boolean, nullable=False),
    Column("registered_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("source", String(10), nullable=False, server_default="online"),
    Column("registered_store", String(64)),
    Column("birthday", String(10)),
    Column("preferences", Text, nullable=False, server_default="[]"),  # JSON
    Column("tags", Text, nullable=False, server_default="[]"),  # JSON
    Column("search_name", String(200), nullable=False, server_default=""),  # folded: no case, no accents
    Column("phone_digits", String(40)),
    Column("email_lower", String(320)),
    Column("erased_at", String(40)),  # the member's personal data is gone (members_0011)
    Index("ix_members_search_name", "search_name"),
    Index("ix_members_phone_digits", "phone_digits"),
    Index("ix_members_email_lower", "email_lower"),
)
member_consents = Table(  # every consent given or withdrawn, per channel, with how
    "member_consents",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("channel", String(10), nullable=False),
    Column("given", Boolean, nullable=False),
    Column("how", String(200), nullable=False),
    Column("by", String(64)),
    Column("at", String(40), nullable=False),
)
care_notes = Table(  # staff's notes: test results, formulas (staff only)
    "care_notes",
    metadata,
    Column("note_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("store_id", String(64)),
    Column("by", String(64)),
    Column("at", String(40), nullable=False),
)
points_accounts = Table(
    "points_accounts",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("balance", Integer, nullable=False),  # the lots' remaining points less the debt
    Column("debt", Integer, nullable=False),
    Column("held", Integer, nullable=False, server_default="0"),  # kept for payments not captured yet
    Column("version", Integer, nullable=False),  # of the member's points stream
    Column("updated_at", String(40), nullable=False),
)
points_lots = Table(
    "points_lots",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("lot_id", String(64), primary_key=True),
    Column("earned_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("points", Integer, nullable=False),
    Column("remaining", Integer, nullable=False),
    Index("ix_points_lots_member_earned", "member_id", "earned_at"),
)
points_ledger = Table(
    "points_ledger",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),  # the line's place in the member's stream
    Column("kind", String(20), nullable=False),
    Column("points", Integer, nullable=False),
    Column("balance_after", Integer, nullable=False),
    Column("order_id", String(64)),
    Column("store_id", String(64)),
    Column("reason", String(500)),
    Column("by", String(64)),
    Column("at", String(40), nullable=False),
    Column("facts", Text, nullable=False),  # the event's data (JSON)
)
points_orders = Table(
    "points_orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("eligible_minor", Integer, nullable=False),
    Column("earned", Integer, nullable=False),
    Column("refunded_minor", Integer, nullable=False),
    Column("reversed", Integer, nullable=False),
)
points_rules = Table(
    "points_rules",
    metadata,
    Column("scope", String(20), primary_key=True),  # "chain": HQ's rules
    Column("rules", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
points_holds = Table(
    "points_holds",
    metadata,
    Column("reference", String(64), primary_key=True),  # the orders' tender id
    Column("member_id", String(64), nullable=False),
    Column("points", Integer, nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),  # held, captured or voided
    Column("restored", Integer, nullable=False),  # points given back by refunds
    Column("refund_refs", Text, nullable=False),  # JSON list: each refund gives back once
)
member_bookings = Table(
    "member_bookings",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("start", String(40), nullable=False),
    Column("local_date", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("facts", Text, nullable=False),  # services and stylists, as the last event said (JSON)
    Index("ix_member_bookings_member_start", "member_id", "start"),
)
member_booking_segments = Table(
    "member_booking_segments",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("service_id", String(64), nullable=False),
    Column("service_name", String(200), nullable=False),
    Column("staff_id", String(64), nullable=False),
)
member_orders = Table(
    "member_orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("store_id", String(64), nullable=False),
    Column("paid_minor", Integer, nullable=False),  # received and not refunded, tips apart
    Column("refunded_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("local_date", String(10)),
    Column("categories", Text),  # JSON: the categories of its lines (OrderPaid v2; null before)
)
stored_value_cards = Table(
    "stored_value_cards",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("balance", Integer, nullable=False),  # principal + bonus: the ledger's sum
    Column("principal", Integer, nullable=False),
    Column("bonus", Integer, nullable=False),
    Column("held", Integer, nullable=False),  # kept for payments not captured yet
    Column("version", Integer, nullable=False),  # of the member's card stream
    Column("updated_at", String(40), nullable=False),
)
stored_value_loads = Table(
    "stored_value_loads",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("load_id", String(64), primary_key=True),  # the top-up order
    Column("loaded_at", String(40), nullable=False),
    Column("sold_at", String(64), nullable=False),
    Column("works_in", String(64)),  # null: every store
    Column("principal", Integer, nullable=False),  # what is left of each part
    Column("bonus", Integer, nullable=False),
    Index("ix_stored_value_loads_member_loaded", "member_id", "loaded_at"),
)
stored_value_holds = Table(
    "stored_value_holds",
    metadata,
    Column("reference", String(64), primary_key=True),  # the orders' tender id
    Column("member_id", String(64), nullable=False, index=True),
    Column("order_id", String(64)),
    Column("store_id", String(64), nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),  # held, captured or voided
    Column("parts", Text, nullable=False),  # JSON [[load id, part, amount]]: held, then spent
    Column("restored", Text, nullable=False),  # JSON parts given back by refunds
    Column("refunded_minor", Integer, nullable=False),
    Column("refund_refs", Text, nullable=False),  # JSON list: each refund gives back once
)
stored_value_ledger = Table(
    "stored_value_ledger",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # loaded, spent, restored, withdrawn
    Column("amount_minor", Integer, nullable=False),  # + in, - out
    Column("principal_minor", Integer, nullable=False),
    Column("bonus_minor", Integer, nullable=False),
    Column("balance_after", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("order_id", String(64)),
    Column("store_id", String(64)),
    Column("reference", String(64)),
    Column("at", String(40), nullable=False),
)
stored_value_rules = Table(
    "stored_value_rules",
    metadata,
    Column("scope", String(20), primary_key=True),  # "chain": HQ's rules
    Column("rules", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
stored_value_top_ups = Table(
    "stored_value_top_ups",
    metadata,
    Column("order_id", String(64), primary_key=True),  # an order with top-up lines, as orders created it
    Column("member_id", String(64), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("principal", Integer, nullable=False),
    Column("bonus", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
)
campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("owner_store", String(64), index=True),  # a store manager's campaign
    Column("code", String(40), unique=True),  # a published code
    Column("valid_from", String(40), nullable=False),
    Column("valid_until", String(40), nullable=False),
    Column("ended", Boolean, nullable=False),
    Column("trigger", String(20), index=True),  # an automatic campaign's (members_0013)
    Column("facts", Text, nullable=False),  # CampaignCreated's data (JSON)
    Column("in_use", Integer, nullable=False),  # held or redeemed
    Column("redeemed", Integer, nullable=False),
    Column("version", Integer, nullable=False),  # of the campaign's stream
    Column("created_at", String(40), nullable=False),
)
coupons = Table(
    "coupons",
    metadata,
    Column("coupon_id", String(64), primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("campaign_id", String(64), nullable=False),
    Column("member_id", String(64), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # issued, held or redeemed
    Column("via", String(10), nullable=False),
    Column("issued_at", String(40), nullable=False),
    Index("ix_coupons_campaign_member", "campaign_id", "member_id"),  # a member's coupons of a campaign
)
coupon_uses = Table(
    "coupon_uses",
    metadata,
    Column("reference", String(64), primary_key=True),  # the orders' tender id
    Column("coupon_id", String(64), nullable=False),
    Column("campaign_id", String(64), nullable=False, index=True),
    Column("member_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False, index=True),
    Column("store_id", String(64), nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),  # held, captured or voided
    Column("returned", Boolean, nullable=False),  # given back by a refund
    Column("at", String(40), nullable=False),
)
member_spend = Table(
    "member_spend",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("paid_at", String(40), nullable=False),
    Column("gross_minor", Integer, nullable=False),
    Column("spend_minor", Integer, nullable=False),  # as paid
    Column("current_minor", Integer, nullable=False),  # less refunds, in proportion
    Column("currency", String(3), nullable=False),
)
member_tiers = Table(
    "member_tiers",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("tier", String(40)),  # null: no tier
    Column("spend_minor", Integer, nullable=False),
    Column("since", String(40), nullable=False),
    Column("version", Integer, nullable=False),  # of the member's tier stream
)
tier_rules = Table(
    "tier_rules",
    metadata,
    Column("scope", String(20), primary_key=True),  # "chain": HQ's rules
    Column("rules", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
segments = Table(
    "segments",
    metadata,
    Column("segment_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("owner_store", String(64), index=True),  # a store manager's segment
    Column("filter", Text, nullable=False),  # JSON
    Column("by", String(64)),
    Column("created_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)
segment_issues = Table(  # a campaign issued to a segment: the job, batch by batch
    "segment_issues",
    metadata,
    Column("job_id", String(64), primary_key=True),
    Column("campaign_id", String(64), nullable=False, index=True),
    Column("segment_id", String(64), nullable=False),
    Column("total", Integer, nullable=False),  # the segment's members when it started
    Column("issued", Integer, nullable=False),
    Column("refused", Integer, nullable=False),  # at their limit, or past the budget or the end
    Column("status", String(20), nullable=False),  # running or finished
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
)
segment_issue_batches = Table(  # the members a job takes at its start, a batch to a row
    "segment_issue_batches",
    metadata,
    Column("job_id", String(64), primary_key=True),
    Column("batch", Integer, primary_key=True),
    Column("member_ids", Text, nullable=False),  # JSON list
    Column("done", Boolean, nullable=False),
)
feedback = Table(
    "feedback",
    metadata,
    Column("booking_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("store_id", String(64), nullable=False, index=True),
    Column("staff_ids", Text, nullable=False),  # JSON
    Column("rating", Integer, nullable=False),
    Column("comment", Text),
    Column("at", String(40), nullable=False),
)
complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("store_id", String(64), nullable=False, index=True),
    Column("category", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("booking_id", String(64)),
    Column("order_id", String(64)),
    Column("status", String(20), nullable=False),
    Column("assignee", String(64)),
    Column("resolution", String(20)),
    Column("opened_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)
complaint_timeline = Table(
    "complaint_timeline",
    metadata,
    Column("complaint_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("member_id", String(64), index=True),  # whose complaint: an erasure scrubs the notes
    Column("action", String(20), nullable=False),  # opened, take, note, resolve, reopen, close
    Column("note", Text),
    Column("resolution", String(20)),
    Column("reference", String(64)),
    Column("by", String(64)),
    Column("by_role", String(20)),
    Column("at", String(40), nullable=False),
)
package_catalogue = Table(  # HQ's packages (members_0014)
    "package_catalogue",
    metadata,
    Column("package_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("price_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("valid_days", Integer, nullable=False),
    Column("stores", Text, nullable=False),  # JSON list; empty: every store
    Column("retired", Boolean, nullable=False),
    Column("defined_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
)
package_sales = Table(  # package lines of orders, as orders created them: what a payment buys
    "package_sales",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("line_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("terms", Text, nullable=False),  # JSON: the package as sold
    Column("price_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
)
package_holdings = Table(  # a member's bought packages
    "package_holdings",
    metadata,
    Column("holding_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("package_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("works_in", Text, nullable=False),  # JSON list; empty: every store
    Column("sessions", Integer, nullable=False),
    Column("sessions_left", Integer, nullable=False),
    Column("held", Integer, nullable=False),
    Column("price_minor", Integer, nullable=False),
    Column("value_left", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("refunded", Boolean, nullable=False),  # refunded until no session was left
    Column("lapsed", Boolean, nullable=False),  # its sessions left lapsed at its expiry
    Column("credit", Integer, nullable=False),  # value refunds took beyond their money
    Column("bought_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)
package_holds = Table(
    "package_holds",
    metadata,
    Column("reference", String(64), primary_key=True),  # the orders' tender id, or the refund's
    Column("holding_id", String(64), nullable=False, index=True),
    Column("member_id", String(64), nullable=False),
    Column("purpose", String(10), nullable=False),  # use or refund
    Column("sessions", Integer, nullable=False),
    Column("order_id", String(64), index=True),
    Column("store_id", String(64)),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),  # held, captured or voided
    Column("restored_by", String(200)),  # the refund that brought a used session back
)
package_ledger = Table(
    "package_ledger",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("holding_id", String(64), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # bought, used, restored, refunded, expired
    Column("sessions", Integer, nullable=False),  # + in, - out
    Column("value_minor", Integer, nullable=False),  # + in, - out
    Column("sessions_left_after", Integer, nullable=False),
    Column("value_left_after", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("order_id", String(64)),
    Column("store_id", String(64)),
    Column("reference", String(64)),
    Column("at", String(40), nullable=False),
)
