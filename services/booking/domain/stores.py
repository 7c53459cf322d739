"""A store as the calendar sees it: time zone, business hours (several ranges a day), dated
closures and special hours, the slot grid, online booking limits and its policy."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from .intervals import Span, local_date, ranges_on, wall_clock
from .policies import Policy

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPEN, CLOSED = "open", "closed"


@dataclass(frozen=True)
class Store:
    store_id: str
    name: str
    timezone: str
    currency: str
    hours: dict = field(default_factory=dict)  # weekday -> [{"opens", "closes"}]
    closures: tuple = ()  # ({"first_day": date, "last_day": date, "reason"}, ...), inclusive
    special_hours: dict = field(default_factory=dict)  # date -> [{"opens", "closes"}]
    slot_interval_minutes: int = 15
    min_notice_minutes: int = 60
    horizon_days: int = 90
    policy: Policy = Policy()
    status: str = OPEN
    hold_minutes: int = 10
    waitlist_offer_minutes: int = 30
    reminder_hours: tuple = (24, 2)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_data(cls, d: dict) -> "Store":
        return cls(
            d["store_id"], d["name"], d["timezone"], d["currency"], d.get("hours") or {},
            tuple({**c, "first_day": date.fromisoformat(c["first_day"]),
                   "last_day": date.fromisoformat(c["last_day"])} for c in d.get("closures") or ()),
            {date.fromisoformat(s["date"]): s["ranges"] for s in d.get("special_hours") or ()},
            d.get("slot_interval_minutes", 15), d.get("min_notice_minutes", 60),
            d.get("horizon_days", 90), Policy.from_data(d.get("policy")), d.get("status", OPEN),
            d.get("hold_minutes", 10), d.get("waitlist_offer_minutes", 30), tuple(d.get("reminder_hours",
                                                                                        (24, 2))))

    def closure_on(self, day: date) -> dict | None:
        return next((c for c in self.closures if c["first_day"] <= day <= c["last_day"]), None)

    def open_spans(self, day: date) -> list[Span]:
        """When the store is open on a local date: closures first, then special hours, then
        the weekly hours."""
        if self.status != OPEN or self.closure_on(day):
            return []
        ranges = self.special_hours.get(day)
        if ranges is None:
            ranges = self.hours.get(WEEKDAYS[day.weekday()], ())
        return ranges_on(day, ranges, self.zone, "opens", "closes")

    def starts(self, day: date) -> list[int]:
        """The slot grid: every interval from each opening time, in absolute time, so a
        DST change moves no slot and doubles none."""
        step = self.slot_interval_minutes * 60
        return [t for start, end in self.open_spans(day) for t in range(start, end, step)]

    def online_window(self, now: int) -> Span:
        """From the minimum notice to the end of the horizon's last local day."""
        last = local_date(now, self.zone) + timedelta(days=self.horizon_days)
        return now + self.min_notice_minutes * 60, wall_clock(last, "24:00", self.zone)

