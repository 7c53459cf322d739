"""A small store to test the calendar rules with: Paris, two stylists, a basin, a colour
with processing time."""
from datetime import date, datetime

from services.booking.domain.availability import Day
from services.booking.domain.catalogue import CatalogueService
from services.booking.domain.intervals import Span, seconds
from services.booking.domain.resources import ResourceType
from services.booking.domain.staff import StaffMember
from services.booking.domain.stores import Store

WEEK = {d: [{"opens": "09:00", "closes": "12:00"}, {"opens": "13:00", "closes": "19:00"}]
        for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
PARIS = Store("paris", "Paris", "Europe/Paris", "EUR", hours=WEEK)
SHIFT = {d: [{"start": "09:00", "end": "19:00", "breaks": [{"start": "12:00", "end": "13:00"}]}]
         for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
CUT = CatalogueService("cut", "Cut", "hair", 45, buffer_after_minutes=15, price_minor=4500,
                       level_prices={"director": 6000})
COLOUR = CatalogueService("colour", "Colour", "hair", 30, processing_minutes=40, final_minutes=20,
                          price_minor=8900, resources=(("basin", "final"),))
AMELIE = StaffMember("amelie", "paris", "Amélie Martin", "Amélie", "senior",
                     frozenset({"cut", "colour"}), SHIFT)
HUGO = StaffMember("hugo", "paris", "Hugo Petit", "Hugo", "director", frozenset({"cut"}), SHIFT)
BASINS = ResourceType("basin", "paris", "basin", "Basin", 1)
TUESDAY = date(2026, 12, 1)


def at(hhmm: str, day: date = TUESDAY, store: Store = PARIS) -> int:
    return seconds(datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), store.zone))


def day_of(busy: dict[str, list[Span]] | None = None, day: date = TUESDAY, store: Store = PARIS,
           staff=(AMELIE, HUGO), resources=(BASINS,)) -> Day:
    units: dict[str, list[str]] = {}
    for resource in resources:
        units.setdefault(resource.kind, []).extend(resource.unit_ids())
    return Day(store, day, {m.staff_id: m for m in staff}, units, busy or {})
