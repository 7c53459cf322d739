"""Moments as HQ gives them (ISO 8601 with an offset), kept as the one wire format (UTC,
microseconds, Z), so that the windows of campaigns and promotions compare as text."""

from datetime import datetime

from shared.envelope import utc_iso
from shared.refusals import Refused


def utc_moment(text: str, field: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Refused(field, "a moment in ISO 8601", conflict=False) from None
    if moment.tzinfo is None:
        raise Refused(field, "a moment with its offset (Z for UTC)", conflict=False)
    return utc_iso(moment)
