"""Events the members service publishes, one module per concept: members (``members``),
their points (``points``), their stored value cards (``stored_value``), campaigns with their
coupons (``coupons``), and their tiers (``tiers``)."""

from .coupons import (
    CampaignCreated,
    CampaignEnded,
    CouponHeld,
    CouponIssued,
    CouponRedeemed,
    CouponReleased,
    CouponReturned,
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
    "CampaignCreated",
    "CampaignEnded",
    "CouponHeld",
    "CouponIssued",
    "CouponRedeemed",
    "CouponReleased",
    "CouponReturned",
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
