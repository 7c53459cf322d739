"""A member's profile: contact details, birthday, preferences and tags, marketing consent per
channel (with when and how each was given or withdrawn), and the care notes staff keep.

The rules here: what a well-formed change is, which fields a member may change themselves
(not tags, which are the chain's), that the e-mail of a member who logs in belongs to their
login, and the keys search uses (a name without case or accents, a phone's digits, an e-mail
in lower case). Pure: the service records each change as an event of the member's stream.
"""

import re
import unicodedata
from datetime import date

from shared.refusals import Refused

CHANNELS = ("email", "sms")
CARE_KINDS = ("allergy_test", "skin", "hair", "formula", "other")
MEMBER_FIELDS = ("name", "phone", "email", "birthday", "preferences")
STAFF_FIELDS = (*MEMBER_FIELDS, "tags")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def folded(text: str) -> str:
    """Lower case without accents: how names are searched ("Amélie" is found as "amelie")."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold().strip()


def digits(phone: str | None) -> str | None:
    return None if phone is None else re.sub(r"\D", "", phone) or None


def changes(current: dict, wanted: dict, by_staff: bool, has_login: bool, today: date) -> dict:
    """The fields ``wanted`` changes, checked; refused with the field and the reason."""
    allowed = STAFF_FIELDS if by_staff else MEMBER_FIELDS
    out = {}
    for name, value in wanted.items():
        if name not in allowed:
            raise Refused(
                name, "staff keep the tags" if name == "tags" else f"no field {name}", conflict=False
            )
        if name == "email" and has_login and value != current.get("email"):
            raise Refused(
                "email", "the e-mail is the member's login: it is changed where they log in", conflict=False
            )
        if name == "email" and value is not None and not EMAIL.match(value):
            raise Refused("email", "an e-mail address", conflict=False)
        if name == "birthday" and value is not None:
            born = date.fromisoformat(value)
            if not date(1900, 1, 1) <= born <= today:
                raise Refused("birthday", "a birthday after 1900 and not in the future", conflict=False)
        if name == "name" and not (value or "").strip():
            raise Refused("name", "a name", conflict=False)
        if name == "tags":
            value = sorted({folded(t) for t in value})
        if value != current.get(name):
            out[name] = value
    if not out:
        raise Refused("profile", "nothing changes", conflict=False)
    after = {**current, **out}
    if not after.get("email") and not after.get("phone"):
        raise Refused(
            "phone" if "phone" in out else "email",
            "a member keeps an e-mail or a phone to be reached",
            conflict=False,
        )
    return out


def registration(wanted: dict, today: date) -> dict:
    """A member registered by staff at the counter: a name, and an e-mail or a phone."""
    given = {k: v for k, v in wanted.items() if k in STAFF_FIELDS and v not in (None, [], "")}
    if "name" not in given:
        raise Refused("name", "a name", conflict=False)
    checked = changes({}, given, True, False, today)
    return {name: checked.get(name) for name in STAFF_FIELDS}


def consent(channel: str, how: str) -> None:
    if channel not in CHANNELS:
        raise Refused("channel", f"a channel is one of {', '.join(CHANNELS)}", conflict=False)
    if not how.strip():
        raise Refused("how", "how the member gave or withdrew it", conflict=False)


def care_note(kind: str, text: str) -> None:
    if kind not in CARE_KINDS:
        raise Refused("kind", f"a care note is one of {', '.join(CARE_KINDS)}", conflict=False)
    if not text.strip():
        raise Refused("text", "what was noted", conflict=False)
