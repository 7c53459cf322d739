"""Events the members service publishes, one module per concept: members (``members``),
their points (``points``), their stored value cards (``stored_value``), campaigns with their
coupons (``coupons``), their tiers (``tiers``), segments (``segments``), and feedback and
complaints (``complaints``)."""

from .complaints import ComplaintActed, ComplaintOpened, FeedbackGiven
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
from .members import (
    CareNoteAdded,
    ConsentChanged,
    MemberErased,
    MemberProfileChanged,
    MemberRegistered,
    MemberRegisteredV1Contract,
    member_registered_v2,
)
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
    StoredValueWithdrawn,
)
from .tiers import TierChanged, TierRulesChanged

__all__ = [
    "ComplaintActed",
    "ComplaintOpened",
    "FeedbackGiven",
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
    "CareNoteAdded",
    "ConsentChanged",
    "MemberErased",
    "MemberProfileChanged",
    "MemberRegistered",
    "MemberRegisteredV1Contract",
    "member_registered_v2",
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
    "StoredValueWithdrawn",
    "TierChanged",
    "TierRulesChanged",
]
