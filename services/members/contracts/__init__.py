"""Events the members service publishes, one module per concept: members (``members``),
their points (``points``), their stored value cards (``stored_value``), campaigns with their
coupons (``coupons``), their tiers (``tiers``), and segments (``segments``)."""

from .coupons import (
    CampaignCreated,
    CampaignEnded,
    CouponHeld,
    CouponIssued,
    CouponRedeemed,
    CouponReleased,
    CouponReturned,
    CouponsIssued,
)
from .members import MemberRegistered
from .points import (
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsHeld,
    PointsRedeemed,
    PointsReleased,
    PointsRestored,
    PointsReversed,
    PointsRulesChanged,
)
from .segments import CampaignIssuedToSegment, SegmentDefined
from .stored_value import (
    StoredValueHeld,
    StoredValueLoaded,
    StoredValueReleased,
    StoredValueRestored,
    StoredValueRulesChanged,
    StoredValueSpent,
)
from .tiers import TierChanged, TierRulesChanged

__all__ = [
    "CampaignIssuedToSegment",
    "SegmentDefined",
    "CampaignCreated",
    "CampaignEnded",
    "CouponHeld",
    "CouponIssued",
    "CouponRedeemed",
    "CouponReleased",
    "CouponReturned",
    "CouponsIssued",
    "MemberRegistered",
    "PointsAdjusted",
    "PointsEarned",
    "PointsExpired",
    "PointsHeld",
    "PointsRedeemed",
    "PointsReleased",
    "PointsRestored",
    "PointsReversed",
    "PointsRulesChanged",
    "StoredValueHeld",
    "StoredValueLoaded",
    "StoredValueReleased",
    "StoredValueRestored",
    "StoredValueRulesChanged",
    "StoredValueSpent",
    "TierChanged",
    "TierRulesChanged",
]
