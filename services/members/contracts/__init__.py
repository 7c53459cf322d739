"""Events the members service publishes, one module per concept: members (``members``),
their points (``points``) and their stored value cards (``stored_value``)."""

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
    "StoredValueHeld",
    "StoredValueLoaded",
    "StoredValueReleased",
    "StoredValueRestored",
    "StoredValueRulesChanged",
    "StoredValueSpent",
]
