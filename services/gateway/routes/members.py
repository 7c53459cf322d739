"""Members' history and loyalty: a member's history, points with the ledger, adjustments by
HQ, and HQ's points rules; a member's stored value card with its ledger, and HQ's card
rules. (Registration and the profile are in ``identity``, where the login is made.)"""

from services.identity.contracts import CUSTOMER
from shared.errors import NotFound

from ..api import PUBLIC, Call, endpoint
from ..roles import ADMIN, HQ
from ..schemas import members as schemas

MEMBER_PATH = "/api/v1/members/<string:member_id>"


class MemberRoutes:
    @endpoint(
        "GET",
        f"{MEMBER_PATH}/points",
        roles=(*HQ, CUSTOMER),
        query=schemas.PointsQuery,
        response=schemas.Points,
        errors=(404,),
    )
    def get_points(self, call, member_id):
        """A member's points: the balance, what expires when, and the ledger line by line,
        newest first (the member themselves, or HQ)."""
        self._own_or_hq(call, member_id)
        return self.members.get_points(member_id=member_id, **call.query)

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/history",
        roles=(*HQ, CUSTOMER),
        query=schemas.HistoryQuery,
        response=schemas.History,
        errors=(404,),
    )
    def get_history(self, call, member_id):
        """A member's history as booking and orders tell it: visits, no-shows, cancellations,
        spend, first and last visit, favourite services and stylists, and their bookings,
        newest first (the member themselves, or HQ)."""
        self._own_or_hq(call, member_id)
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
        """Change HQ's points rules; points already earned keep their expiry."""
        return self.members.set_points_rules(changes=call.body, actor=call.actor())

    @endpoint(
        "GET",
        f"{MEMBER_PATH}/stored-value",
        roles=(*HQ, CUSTOMER),
        query=schemas.StoredValueQuery,
        response=schemas.StoredValue,
        errors=(404,),
    )
    def get_stored_value(self, call, member_id):
        """A member's stored value card: the balance (principal and bonus), what payments hold,
        each top-up still on it and where it works, and the ledger line by line, newest first
        (the member themselves, or HQ)."""
        self._own_or_hq(call, member_id)
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

    def _own_or_hq(self, call: Call, member_id: str) -> None:
        if call.caller.member_id != member_id and not call.caller.roles_among(HQ):
            raise NotFound(f"no member {member_id}")
