"""The MemberRegistered contract, and what a sign-up makes of a member (no broker, no database)."""
import pytest

from services.identity.contracts import MemberSignedUp
from services.members.contracts import CouponIssued, MemberRegistered, PointsRulesChanged, SegmentDefined
from services.members.domain import member_from_sign_up, stream_of
from shared.contracts import ContractError, json_schema, upcast
from tests.members.conftest import sign_up


def registered(**overrides) -> dict:
    return {**member_from_sign_up(sign_up("m-1")), **overrides}


def test_member_registered_accepts_a_member_with_or_without_a_phone():
    MemberRegistered.validate(registered())
    MemberRegistered.validate(registered(phone="+33 6 12 34 56 78"))


@pytest.mark.parametrize("broken", [
    {"member_id": ""},
    {"consents": {"terms": True, "marketing_email": False}},  # one consent missing
    {"consents": {"terms": "maybe", "marketing_email": False, "marketing_sms": False}},
    {"registered_at": None},
    {"signed_up_at": "2026-11-23T10:00:00Z"},  # identity's field name, not ours
])
def test_member_registered_refuses_a_broken_member(broken):
    data = registered()
    if "signed_up_at" in broken:
        data.pop("registered_at")
    data.update(broken)
    with pytest.raises(ContractError):
        MemberRegistered.validate(data)


def test_member_registered_is_published_by_members_with_nested_consents():
    assert (MemberRegistered.source, MemberRegistered.version) == ("members", 2)
    data = json_schema(MemberRegistered)["properties"]["data"]
    assert data["properties"]["phone"]["type"] == ["string", "null"]
    assert data["properties"]["consents"]["required"] == ["marketing_email", "marketing_sms", "terms"]


def test_a_sign_up_identity_accepts_makes_a_member_the_contract_accepts():
    signed_up = sign_up("m-1", phone="+33 6 12 34 56 78")
    MemberSignedUp.validate(signed_up)
    member = member_from_sign_up(signed_up)
    MemberRegistered.validate(member)
    assert member == {"member_id": "m-1", "account_id": signed_up["account_id"],
                      "name": "Camille Martin", "email": "camille@example.com",
                      "phone": "+33 6 12 34 56 78",
                      "consents": {"terms": True, "marketing_email": True, "marketing_sms": False},
                      "registered_at": signed_up["signed_up_at"], "source": "online", "store_id": None,
                      "birthday": None, "preferences": [], "tags": [], "by": None}
    assert stream_of("m-1") == "member-m-1"


def test_a_member_registered_before_v2_reads_as_signed_up_online():
    v1 = {k: v for k, v in registered().items() if k not in ("source", "store_id", "birthday", "preferences",
                                                             "tags", "by")}
    now = MemberRegistered.validate(upcast("MemberRegistered", v1, 1, 2))
    assert (now["source"], now["store_id"], now["tags"]) == ("online", None, [])


def test_points_rules_set_before_v2_read_with_no_multipliers_promotions_or_birthday_bonus():
    v1 = {"points_per_unit": 2, "point_value_minor": 1, "expiry_days": 365, "by": None}
    now = PointsRulesChanged.validate(upcast("PointsRulesChanged", v1, 1, 2))
    assert (now["category_multipliers"], now["promotions"], now["birthday_bonus"]) == ([], [], 0)


def test_an_order_paid_before_v2_reads_with_its_lines_unknown():
    v1 = {"order_id": "o-1", "store_id": "s", "customer_id": None, "booking_id": None,
          "gross": {"amount_minor": 100, "currency": "EUR"}, "tax": {"amount_minor": 0, "currency": "EUR"},
          "tips": {"amount_minor": 0, "currency": "EUR"}, "tenders": [], "receipt_number": 1,
          "local_date": "2026-12-01"}
    assert upcast("OrderPaid", v1, 1, 2)["lines"] == []


def test_a_segment_defined_before_v2_reads_with_no_categories_or_birthday_months():
    v1 = {"segment_id": "s-1", "name": "Regulars", "owner_store": None, "by": None,
          "filter": {"visited_within_days": 30, "lapsed_days": None, "min_spend_minor": None,
                     "max_spend_minor": None, "min_visits": None, "min_rfm": None, "tiers": [], "stores": [],
                     "services": [], "consent": None}}
    now = SegmentDefined.validate(upcast("SegmentDefined", v1, 1, 2))
    assert (now["filter"]["categories"], now["filter"]["birthday_months"]) == ([], [])


def test_a_campaign_created_before_v2_reads_as_issued_by_hand_and_its_coupons_as_they_were():
    assert upcast("CampaignCreated", {"campaign_id": "c-1"}, 1, 2) == {
        "campaign_id": "c-1", "trigger": None, "lapsed_days": None}
    coupon = {"campaign_id": "c-1", "coupon_id": "k", "code": "ABC123", "member_id": "m", "via": "hand",
              "by": None, "issued_after": 1}
    assert CouponIssued.validate(upcast("CouponIssued", coupon, 1, 2)) == coupon
