"""Availability search in the booking service, on a store with a year of bookings.

Targets (issue #8): one store-day, p99 < 20 ms; a 31-day search, p99 < 250 ms.

The store is built as the service builds it: opened, 10 resource types (3 to 6 units) and
50 staff (Monday to Saturday shifts with a lunch break, every service as a skill) through
the booking commands, and the demo catalogue (10 services, some with processing time, some
holding a resource for one phase). A year of bookings, six months back and six ahead, is
then written straight into the calendar's read model (``occupancy``), which is all a search
reads: 5 one-hour holds per stylist per working day (of 9 open hours), a third of them also holding a unit
of a resource for part of the hour (about 130,000 rows). Writing them through the booking
command would take an hour and measure nothing more about the search.

Measured, through ``services.booking.search.availability`` exactly as the RPC runs it (a
read transaction, the store's reference data, what is held, the engine, the view):
- one store-day, "colour" (processing time, a basin while rinsing), any stylist: 300 runs
  over 50 different busy days (100 with --quick);
- the same, two services in sequence (colour then cut), any stylist;
- 31 days from one date, "colour", any stylist: 30 runs (10 with --quick).
Baseline, same run: the bare read of that store-day's held rows (one indexed SELECT on the
same connection type), the floor any search pays; the 31-day figure is beside 31 such reads.
SQLite (the embedded default) and PostgreSQL. What was built before measuring is frozen out
of the garbage collector, as in a running service.
"""
import gc
import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import Figure, median, percentile, progress, scratch_db, scratch_dir
from bench.common import main as cli

STAFF, RESOURCE_TYPES, HOLDS_PER_DAY = 50, 10, 5
SIX_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")


def build(url: str) -> tuple[str, date]:
    """A migrated booking database with the bench store and its year; returns (store, day)."""
    from services.booking import entities, seed
    from services.booking.app import APP
    from services.booking.domain.intervals import wall_clock
    from services.booking.tables import occupancy
    from shared.db import Database
    from shared.eventstore import EventStore
    from shared.migrate import upgrade
    from shared.uow import run_unit_of_work

    upgrade(APP, url)
    db, store = Database(url), EventStore("booking")
    APP.seed(db, store, APP.projections)  # the catalogue (and the demo stores, unused here)

    def run(work):
        run_unit_of_work(db, store, APP.projections, work)

    settings = {**dict(seed.STORES)["paris-opera"], "name": "Bench", "hours": {
        d: [{"opens": "09:00", "closes": "19:00"}] for d in SIX_DAYS}}
    run(lambda uow: entities.open_store(uow, "bench", settings, None))
    kinds = [f"kind-{n}" for n in range(RESOURCE_TYPES - 3)] + ["basin", "room", "nail-desk"]
    for n, kind in enumerate(kinds):
        run(lambda uow, k=kind, n=n: entities.add_resource(uow, f"bench-{k}", "bench", {
            "kind": k, "name": k, "units": 3 + n % 4, "active": True}, None))
    skills = [s[0] for s in seed.CATALOGUE]
    shifts = {d: [{"start": "09:00", "end": "19:00", "breaks": [{"start": "13:00", "end": "14:00"}]}]
              for d in SIX_DAYS}
    for n in range(STAFF):
        run(lambda uow, n=n: entities.hire(uow, f"s{n:02d}", "bench", {
            "name": f"Stylist {n:02d}", "display_name": f"S{n:02d}", "level": ("junior", "senior",
                                                                               "director")[n % 3],
            "skills": skills, "shifts": shifts, "overrides": [], "time_off": [], "account_id": None}, None))
    zone = ZoneInfo(settings["timezone"])
    rng = random.Random(8)
    today = datetime.now(UTC).date()
    rows = []
    for offset in range(-183, 183):
        day = today + timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for n in range(STAFF):
            for hour in rng.sample([9, 10, 11, 12, 14, 15, 16, 17, 18], HOLDS_PER_DAY):
                start = wall_clock(day, f"{hour:02d}:00", zone)
                owner = f"{day}-{n}-{hour}"
                rows.append({"owner_id": owner, "day": day.isoformat(), "bookable_id": f"s{n:02d}",
                             "start": start, "end": start + 3600, "store_id": "bench",
                             "owner_kind": "booking",
                             "expires_at": None})
                if rng.random() < 1 / 3:
                    kind = rng.choice(kinds)
                    unit = f"bench-{kind}#{1 + rng.randrange(3)}"
                    rows.append({**rows[-1], "bookable_id": unit, "start": start + 1800})
    with db.write() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(occupancy.insert(), rows[i:i + 5000])
    progress(f"availability: {len(rows):,} held spans in the bench store")
    db.dispose()
    return "bench", today + timedelta(days=7)


def measure(kind: str, quick: bool) -> dict:
    from sqlalchemy import text

    from services.booking import search
    from services.booking.domain.intervals import seconds
    from shared.db import Database

    with scratch_dir() as tmp, scratch_db(kind, tmp) as url:
        store_id, first = build(url)
        db = Database(url)
        days = [d for d in (first + timedelta(days=n) for n in range(70)) if d.weekday() != 6][:50]
        raw = text('SELECT bookable_id, start, "end" FROM occupancy WHERE store_id = :s AND day IN (:d, :e)')
        runs, long_runs = (100, 10) if quick else (300, 30)
        now = seconds(datetime.now(UTC))

        def timed(fn) -> float:
            started = time.perf_counter()
            fn()
            return time.perf_counter() - started

        def one(services, day):
            with db.read() as conn:
                found = search.availability(conn, store_id, services, day, day, None, False, now)
            assert found["slots"], "the bench store-day has no free slot"

        def bare(day):
            with db.read() as conn:
                conn.execute(raw, {"s": store_id, "d": day.isoformat(),
                                   "e": (day + timedelta(days=1)).isoformat()}).all()

        for day in days[:10]:
            one(["colour"], day)
            bare(day)
        gc.freeze()  # as shared.serve does once a service has started
        out = {"day": [], "two": [], "bare": [], "month": [], "bare_month": []}
        for i in range(runs):
            day = days[i % len(days)]
            out["bare"].append(timed(lambda d=day: bare(d)))
            out["day"].append(timed(lambda d=day: one(["colour"], d)))
            out["two"].append(timed(lambda d=day: one(["colour", "cut-and-blow-dry"], d)))
        for i in range(long_runs):
            day = days[i % 10]
            with db.read() as conn:
                started = time.perf_counter()
                found = search.availability(conn, store_id, ["colour"], day, day + timedelta(days=30), None,
                                            False, now)
                out["month"].append(time.perf_counter() - started)
            out["bare_month"].append(sum(timed(lambda d=day + timedelta(days=k): bare(d)) for k in range(31)))
        out["slots_month"] = len(found["slots"])
        db.dispose()
        return out


def run(quick: bool) -> list[Figure]:
    figures = []
    ms = 1000.0
    for kind in ("sqlite", "postgresql"):
        progress(f"availability: {kind}, building the store and its year")
        found = measure(kind, quick)
        label = "SQLite" if kind == "sqlite" else "PostgreSQL"
        bare99, bare_month99 = percentile(found["bare"], 99) * ms, percentile(found["bare_month"], 99) * ms
        note = (f"{STAFF} staff, {RESOURCE_TYPES} resource types, a year of holds; {len(found['day'])} runs "
                f"over 50 days; p50 {median(found['day']) * ms:.1f} ms")
        figures += [
            Figure("availability", f"{label}: one store-day, colour, any stylist, p99",
                   percentile(found["day"], 99) * ms, "ms", "bare read of the day's held rows p99", bare99,
                   higher_is_better=False, target=20, target_kind="value", notes=note),
            Figure("availability", f"{label}: one store-day, colour then cut, p99",
                   percentile(found["two"], 99) * ms, "ms", "bare read p99", bare99,
                   higher_is_better=False, target=20, target_kind="value"),
            Figure("availability", f"{label}: 31 days, colour, any stylist, p99",
                   percentile(found["month"], 99) * ms, "ms", "31 bare reads p99", bare_month99,
                   higher_is_better=False, target=250, target_kind="value",
                   notes=f"{found['slots_month']:,} slots found; {len(found['month'])} runs"),
        ]
    return figures


def main() -> None:
    cli(run, __doc__)


if __name__ == "__main__":
    main()
