"""A member's privacy: the export of their data, and their erasure (the member themselves, or
an HQ admin acting on their request)."""

from services.identity.contracts import CUSTOMER

from ..api import Call, endpoint
from ..roles import HQ
from ..schemas import members as member_schemas
from ..schemas import privacy as schemas
from .members import MEMBER_PATH


class PrivacyRoutes:
    @endpoint(
        "GET", f"{MEMBER_PATH}/export", roles=(*HQ, CUSTOMER), response=schemas.MemberExport, errors=(404,)
    )
    def export_member(self, call, member_id):
        """Everything the chain keeps about the member, in one JSON document: the profile and
        consents, care notes, history, points, card, coupons, tier, feedback and complaints."""
        self._own_or_hq(call, member_id)
        call.audit["target_id"] = member_id
        return self.members.export_member(member_id=member_id)

    @endpoint(
        "POST",
        f"{MEMBER_PATH}/erasure",
        roles=("hq_admin", CUSTOMER),
        response=member_schemas.MemberProfile,
        errors=(404,),
    )
    def erase_member(self, call: Call, member_id):
        """Forget the member: their personal data is gone from every service, now and in every
        rebuild; their login is closed; the amounts (orders, points, card, coupons) stay. Once:
        asking again answers the same."""
        self._own_or_hq(call, member_id)
        call.audit["target_id"] = member_id
        return self.members.erase_member(member_id=member_id, actor=call.actor())
