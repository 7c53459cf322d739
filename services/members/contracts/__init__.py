"""Events the members service publishes, one module per concept: members (``members``) and
their points (``points``)."""

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

__all__ = [
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
]
