"""Staff as the calendar sees them: level, skills, weekly shifts with breaks, dated
overrides, time off, and whether they still work here."""
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .intervals import Span, merged, ranges_on, seconds, subtract
from .stores import WEEKDAYS

ACTIVE, LEFT = "active", "left"
SPANS_KEPT = 400  # days of working spans remembered per member: over a year of searches


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    store_id: str
    name: str
    display_name: str
    level: str
    skills: frozenset = frozenset()  # service ids this person may perform
    shifts: dict = field(default_factory=dict)  # weekday -> [{"start", "end", "breaks": [...]}]
    overrides: dict = field(default_factory=dict)  # date -> [shift, ...]; [] is a day off
    time_off: tuple = ()  # ((start, end, reason), ...) in POSIX seconds
    account_id: str | None = None
    status: str = ACTIVE
    # working_spans by (day, zone): a member is immutable, and the same object serves every
    # search while its profile is unchanged (reads.reference caches it by profile)
    _spans: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def from_data(cls, d: dict) -> "StaffMember":
        return cls(
            d["staff_id"], d["store_id"], d["name"], d.get("display_name") or d["name"].split()[0],
            d.get("level", "stylist"), frozenset(d.get("skills") or ()), d.get("shifts") or {},
            {date.fromisoformat(o["date"]): o["shifts"] for o in d.get("overrides") or ()},
            tuple((seconds(datetime.fromisoformat(t["start"])), seconds(datetime.fromisoformat(t["end"])),
                   t.get("reason", "")) for t in d.get("time_off") or ()),
            d.get("account_id"), d.get("status", ACTIVE))

    def can_perform(self, service_id: str) -> bool:
        return self.status == ACTIVE and service_id in self.skills

    def working_spans(self, day: date, zone: ZoneInfo) -> list[Span]:
        """On shift on a local date: the override if there is one, else the weekly pattern,
        minus breaks and time off."""
        found = self._spans.get((day, zone))
        if found is None:
            if len(self._spans) >= SPANS_KEPT:
                self._spans.clear()
            found = self._spans[(day, zone)] = self._working_spans(day, zone)
        return list(found)

    def _working_spans(self, day: date, zone: ZoneInfo) -> list[Span]:
        if self.status != ACTIVE:
            return []
        shifts = self.overrides.get(day)
        if shifts is None:
            shifts = self.shifts.get(WEEKDAYS[day.weekday()], ())
        on = ranges_on(day, shifts, zone)
        breaks = [b for s in shifts for b in s.get("breaks", ())]
        off = ranges_on(day, breaks, zone) + [(start, end) for start, end, _ in self.time_off]
        return subtract(merged(on), off)
