"""What callers see of bookings and availability: UTC instants with the store's local time
beside them, staff by display name, and what needs a manager's attention."""
import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.envelope import utc_iso

from .domain.availability import Option
from .domain.intervals import instant
from .domain.stores import Store


def local(iso_or_seconds, zone: ZoneInfo) -> str:
    moment = instant(iso_or_seconds) if isinstance(iso_or_seconds,
                                                   int) else datetime.fromisoformat(iso_or_seconds)
    return moment.astimezone(zone).isoformat()


def booking(facts: dict, version: int, staff: dict[str, dict]) -> dict:
    """``staff``: profiles by id, to name each segment's stylist and flag those who left."""
    zone = ZoneInfo(facts["timezone"])
    segments = []
    for s in facts["segments"]:
        member = staff.get(s["staff_id"]) or {}
        segments.append({**s, "local_start": local(s["start"], zone), "local_end": local(s["end"], zone),
                         "staff_name": member.get("display_name", s["staff_id"]),
                         "staff_left": member.get("status") == "left"})
    first = segments[0]
    return {**facts, "segments": segments, "version": version,
            "local_start": local(facts["start"], zone), "local_end": local(facts["end"], zone),
            "needs_reassignment": facts["status"] in ("booked", "checked_in")
            and any(s["staff_left"] for s in segments),
            # The single-service shape callers used before segments existed.
            "service_id": first["service_id"], "staff_id": first["staff_id"], "price": facts["total"]}


def hold(facts: dict) -> dict:
    """A hold with the store's local times beside the UTC ones."""
    zone = ZoneInfo(facts["timezone"])
    return {**facts, "local_start": local(facts["start"], zone), "local_end": local(facts["end"], zone),
            "segments": [{**s, "local_start": local(s["start"], zone), "local_end": local(s["end"], zone)}
                         for s in facts["segments"]]}


@functools.lru_cache(maxsize=65536)
def _stamps(seconds: int, zone: ZoneInfo) -> tuple[str, str]:
    """An instant in UTC and on the store's clock. Cached: a month of slots names the same
    few hundred grid instants thousands of times."""
    return utc_iso(instant(seconds)), local(seconds, zone)


def option(found: Option, store: Store, staff: dict[str, dict]) -> dict:
    zone = store.zone
    start, local_start = _stamps(found.start, zone)
    end, local_end = _stamps(found.end, zone)
    segments = []
    for s in found.segments:
        (s_start, s_local_start), (s_end, s_local_end) = _stamps(s.start, zone), _stamps(s.end, zone)
        segments.append({"service_id": s.service_id, "staff_id": s.staff_id,
                         "staff_name": staff[s.staff_id]["display_name"],
                         "staff_level": staff[s.staff_id]["level"], "staff_chosen": s.staff_chosen,
                         "start": s_start, "end": s_end,
                         "local_start": s_local_start, "local_end": s_local_end,
                         "price": {"amount_minor": s.price_minor, "currency": store.currency},
                         "resource_units": list(s.resource_units)})
    return {"start": start, "end": end, "local_start": local_start, "local_end": local_end,
            "segments": segments}

