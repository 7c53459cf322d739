"""Read models of the members service: one row per member, from MemberRegistered."""
from shared.projections import Projection, Upsert, on

from .contracts import MemberRegistered
from .tables import members


class Members(Projection):
    name = "members"
    tables = (members,)

    @on(MemberRegistered)
    def registered(self, event):
        d = event.data
        return Upsert(members, {
            "member_id": d["member_id"], "account_id": d["account_id"], "name": d["name"],
            "email": d["email"], "phone": d["phone"],
            "consent_terms": d["consents"]["terms"],
            "consent_marketing_email": d["consents"]["marketing_email"],
            "consent_marketing_sms": d["consents"]["marketing_sms"],
            "registered_at": d["registered_at"], "version": event.streamversion})


def member_view(row) -> dict:
    return {"member_id": row.member_id, "account_id": row.account_id, "name": row.name,
            "email": row.email, "phone": row.phone,
            "consents": {"terms": row.consent_terms, "marketing_email": row.consent_marketing_email,
                         "marketing_sms": row.consent_marketing_sms},
            "registered_at": row.registered_at, "version": row.version}
