"""Events the members service publishes, one module per concept: members (``members``) and
their points (``points``)."""
from .members import MemberRegistered
from .points import (
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsReversed,
    PointsRulesChanged,
)

__all__ = [
    "MemberRegistered",
    "PointsAdjusted",
    "PointsEarned",
    "PointsExpired",
    "PointsReversed",
    "PointsRulesChanged",
]
