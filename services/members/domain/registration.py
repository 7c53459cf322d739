"""Member rules, free of any framework: what a sign-up makes of a member."""

# What a member who signed up online has of what staff may give at the counter: nothing yet.
SIGNED_UP_ONLINE = {
    "source": "online",
    "store_id": None,
    "birthday": None,
    "preferences": [],
    "tags": [],
    "by": None,
}


def stream_of(member_id: str) -> str:
    return f"member-{member_id}"


def member_from_sign_up(signed_up: dict) -> dict:
    """The MemberRegistered data for identity's MemberSignedUp data.

    Everything comes from the event itself (the id identity chose, the sign-up time), so a
    redelivered or replayed sign-up always describes the same member.
    """
    return {
        "member_id": signed_up["member_id"],
        "account_id": signed_up["account_id"],
        "name": signed_up["name"],
        "email": signed_up["email"],
        "phone": signed_up["phone"],
        "consents": {
            key: signed_up["consents"][key] for key in ("terms", "marketing_email", "marketing_sms")
        },
        "registered_at": signed_up["signed_up_at"],
        **SIGNED_UP_ONLINE,
    }
