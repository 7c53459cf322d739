"""The availability engine: which start times a sequence of services can take in a store,
with whom and with which resource units, and why a given start cannot be booked.

Layers, as in the best systems (business hours → closures and special hours → shifts minus
breaks and time off → minus existing bookings with their buffers → the slot grid → notice
and horizon), plus what they lack: processing time during which the stylist is free,
resource units per phase, and ordered multi-service segments each with its own stylist.
The same ``fit`` decides both what availability shows and whether a booking is accepted,
so a slot that is shown is a slot that can be booked.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from .catalogue import CatalogueService
from .intervals import FreeTime, Span, instant, local_day, overlaps, subtract
from .refusals import UNPROCESSABLE, BookingRefused, conflict, unprocessable
from .staff import StaffMember
from .stores import Store

STAFF, RESOURCE = "staff", "resource"


@dataclass(frozen=True)
class Hold:
    """One bookable (a staff member or a resource unit) held for one span."""
    bookable_id: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    service_id: str
    staff_id: str
    start: int
    end: int
    price_minor: int
    resource_units: tuple[str, ...]
    staff_chosen: bool  # "any available": the engine picked this person


@dataclass(frozen=True)
class Option:
    segments: tuple[Segment, ...]
    holds: tuple[Hold, ...]

    @property
    def start(self) -> int:
        return self.segments[0].start

    @property
    def end(self) -> int:
        return self.segments[-1].end


@dataclass
class Day:
    """Everything the engine needs about one local date of one store.

    ``busy`` is what is already held, per bookable, for this date and the next (a buffer
    may run past midnight); holds that have expired and the booking being rescheduled are
    left out by the caller.
    """
    store: Store
    day: date
    staff: dict[str, StaffMember]
    units: dict[str, list[str]]  # resource kind -> unit ids
    busy: dict[str, list[Span]]
    _free: dict = field(default_factory=dict)
    _ranked: dict = field(default_factory=dict)
    _shapes: dict = field(default_factory=dict)
    _by_load: list | None = None

    def __post_init__(self):
        # A visit starts on this day but may run on past midnight where the store (and the
        # stylist) go on working: the next day's hours join today's.
        self._next = self.day + timedelta(days=1)
        self.zone = self.store.zone
        self.open = FreeTime(self.store.open_spans(self.day) + self.store.open_spans(self._next))
        start, end = local_day(self.day, self.zone)
        self._window = [(start, end + 86400)]

    def free(self, bookable_id: str) -> FreeTime:
        found = self._free.get(bookable_id)
        if found is None:
            member = self.staff.get(bookable_id)
            base = (member.working_spans(self.day, self.zone)
                    + member.working_spans(self._next, self.zone)) if member else self._window
            found = self._free[bookable_id] = FreeTime(subtract(base, self.busy.get(bookable_id, ())),
                                                        already_merged=True)
        return found

    def ranked(self, service_id: str) -> list[tuple[StaffMember, FreeTime]]:
        """Who may do a service, least booked first ("any available" spreads the work), each
        with their free time."""
        found = self._ranked.get(service_id)
        if found is None:
            if self._by_load is None:
                day = local_day(self.day, self.zone)
                load = {sid: sum(min(e, day[1]) - max(s, day[0]) for s, e in self.busy.get(sid, ())
                                 if s < day[1] and e > day[0]) for sid in self.staff}
                self._by_load = sorted(self.staff.values(), key=lambda m: (load[m.staff_id], m.staff_id))
            found = self._ranked[service_id] = [(m, self.free(m.staff_id)) for m in self._by_load
                                                if m.can_perform(service_id)]
        return found

    def shape(self, service: CatalogueService, before: bool, after: bool) -> list[Span]:
        """The stylist's spans for ``service`` relative to its start (searches ask for the
        same few shapes thousands of times)."""
        key = (service.service_id, before, after)
        found = self._shapes.get(key)
        if found is None:
            found = self._shapes[key] = staff_spans(service, 0, before, after)
        return found


def staff_spans(service: CatalogueService, start: int, before: bool, after: bool) -> list[Span]:
    spans = service.hands_on(start)
    if before and service.buffer_before_minutes:
        spans[0] = (spans[0][0] - service.buffer_before_minutes * 60, spans[0][1])
    if after and service.buffer_after_minutes:
        spans[-1] = (spans[-1][0], spans[-1][1] + service.buffer_after_minutes * 60)
    return spans


def fit(day: Day, services: list[CatalogueService], wanted: list[str | None], start: int,
        explain: bool = False) -> Option | BookingRefused | None:
    """The option that books ``services`` in sequence from ``start``; if none, ``None``, or
    with ``explain`` the refusal that says why (the first rule broken, segment by segment)."""
    store = day.store
    end = start + sum(s.duration_minutes for s in services) * 60
    if not day.open.covers((start, end)):
        if not explain:
            return None
        if not store.open_spans(day.day):
            closure = store.closure_on(day.day)
            why = f" ({closure['reason']})" if closure and closure.get("reason") else ""
            return unprocessable("start", f"{store.name} is closed on {day.day.isoformat()}{why}")
        hours = ", ".join(f"{_clock(a, store)}-{_clock(b, store)}" for a, b in store.open_spans(day.day))
        return unprocessable("start", f"{store.name} is open {hours} on {day.day.isoformat()}")
    held: dict[str, list[Span]] = {}
    chosen: list[tuple[str, tuple[str, ...], bool]] = []
    t = start
    for i, service in enumerate(services):
        previous = chosen[-1][0] if chosen else None
        candidates = _candidates(day, service, wanted[i], i, explain)
        if isinstance(candidates, BookingRefused):
            return candidates
        picked, problems = None, []
        fresh = day.shape(service, True, True)  # for anyone but the previous segment's stylist
        for member, free in candidates:
            adjacent = member.staff_id == previous
            shape = day.shape(service, False, True) if adjacent else fresh
            # The hot loop of every search: the cheap test first (is the first span inside
            # the stylist's free time?) before building anything.
            begin, end = shape[0]
            if not explain and not free.covers((t + begin, t + end)):
                continue
            spans = [(t + a, t + b) for a, b in shape]
            if not _staff_free(free, held.get(member.staff_id), spans, adjacent):
                if explain:
                    problems.append(_why_not(day, member, spans, f"segments.{i}.staff_id"))
                continue
            units = _units(day, service, t, held)
            if isinstance(units, str):  # units do not depend on the stylist: no one else will do
                return unprocessable(f"segments.{i}", units) if explain else None
            picked = (member.staff_id, units, wanted[i] is None)
            break
        if picked is None:
            if not explain:
                return None
            if wanted[i] is not None:
                return problems[0]
            at = _clock(t, store)
            if all(p.kind == UNPROCESSABLE for p in problems):
                return unprocessable(f"segments.{i}", f"no one who does {service.name} is working at {at}")
            return conflict("start", f"everyone who does {service.name} is booked at {at}")
        chosen.append(picked)
        for span in staff_spans(service, t, before=picked[0] != previous, after=True):
            held.setdefault(picked[0], []).append(span)
        for unit, span in zip(picked[1], _unit_spans(service, t), strict=True):
            held.setdefault(unit, []).append(span)
        t += service.duration_minutes * 60
    return _option(day, services, start, chosen)


def _candidates(day: Day, service: CatalogueService, wanted: str | None, i: int, explain: bool):
    if wanted is None:
        found = day.ranked(service.service_id)
        if not found and explain:
            return unprocessable(f"segments.{i}", f"nobody at {day.store.name} does {service.name}")
        return found
    member = day.staff.get(wanted)
    if member is None or not member.can_perform(service.service_id):
        if not explain:
            return []
        if member is None:
            return unprocessable(f"segments.{i}.staff_id",
                                 f"staff {wanted} does not work at {day.store.name}")
        return unprocessable(f"segments.{i}.staff_id", f"{member.name} does not do {service.name}")
    return [(member, day.free(wanted))]


def _staff_free(free: FreeTime, mine: list[Span] | None, spans: list[Span], adjacent: bool) -> bool:
    """Whether a stylist with ``free`` time, already holding ``mine`` in this booking, can
    take ``spans``."""
    covers = free.covers
    for span in spans:
        if not covers(span):
            return False
    if not mine:
        return True
    # A stylist doing two segments in a row drops the buffer between them: the last span
    # held for the segment before (its after-buffer) is no clash for the one that follows.
    clash = mine[:-1] if adjacent else mine
    return not any(overlaps(s, h) for s in spans for h in clash)


def _why_not(day: Day, member: StaffMember, spans: list[Span], field_name: str) -> BookingRefused:
    working = FreeTime(member.working_spans(day.day, day.store.zone))
    if not all(working.covers(s) for s in spans):
        return unprocessable(field_name, f"{member.name} is not working then")
    taken = next(((a, b) for s in spans for a, b in day.busy.get(member.staff_id, ())
                  if overlaps(s, (a, b))), None)
    if taken is None:
        return conflict("start", f"{member.name} is busy with another segment of this booking then")
    return conflict("start", f"{member.name} is already booked from {_clock(taken[0], day.store)} "
                                f"to {_clock(taken[1], day.store)}")


def _unit_spans(service: CatalogueService, start: int) -> list[Span]:
    return [service.phase_span(start, phase) for _, phase in service.resources]


def _units(day: Day, service: CatalogueService, start: int, held: dict) -> tuple[str, ...] | str:
    """A free unit for each resource the service needs, or the reason there is none."""
    picked: list[str] = []
    for (kind, _), span in zip(service.resources, _unit_spans(service, start), strict=True):
        units = day.units.get(kind, ())
        unit = next((u for u in units if u not in picked and day.free(u).covers(span)
                     and not any(overlaps(span, h) for h in held.get(u, ()))), None)
        if unit is None:
            if not units:
                return f"{day.store.name} has no {kind} for {service.name}"
            return f"no {kind} is free from {_clock(span[0], day.store)} to {_clock(span[1], day.store)}"
        picked.append(unit)
    return tuple(picked)


def _option(day: Day, services: list[CatalogueService], start: int,
            chosen: list[tuple[str, tuple[str, ...], bool]]) -> Option:
    segments, holds = [], []
    t = start
    for i, (service, (staff_id, units, any_staff)) in enumerate(zip(services, chosen, strict=True)):
        before = i == 0 or chosen[i - 1][0] != staff_id
        after = i == len(chosen) - 1 or chosen[i + 1][0] != staff_id
        holds += [Hold(staff_id, STAFF, a, b) for a, b in staff_spans(service, t, before, after)]
        holds += [Hold(u, RESOURCE, a, b) for u, (a, b) in zip(units, _unit_spans(service, t), strict=True)]
        end = t + service.duration_minutes * 60
        price = service.price_for(day.store.store_id, day.staff[staff_id].level)
        segments.append(Segment(service.service_id, staff_id, t, end, price, units, any_staff))
        t = end
    return Option(tuple(segments), tuple(holds))


def search(day: Day, services: list[CatalogueService], wanted: list[str | None],
           window: Span) -> list[Option]:
    """Every start on the store's grid inside ``window`` that ``fit`` accepts."""
    return [option for t in day.store.starts(day.day) if window[0] <= t < window[1]
            and (option := fit(day, services, wanted, t)) is not None]


def dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _clock(seconds: int, store: Store) -> str:
    return f"{instant(seconds).astimezone(store.zone):%H:%M}"
