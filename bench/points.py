"""A member's points balance and ledger page, on a member with 10,000 ledger lines.

Target (issue #10): p99 < 20 ms.

The member is built as the members service builds one: registered, then 10,000 movements of
their points stream (earnings of a lot each and points taken away drawing on them,
alternately, so that the account keeps a balance in about 75 lots), each an event recorded
through ``points.record`` with what the domain decided, 500 to a transaction, projected live
into the read models as the service projects them. Writing them through 10,000 commands
would take minutes and measure nothing more about the read.

Measured, through ``services.members.reads.points_view`` exactly as the RPC runs it (a read
transaction, the balance, the lots left, the count and one page of 50 lines): the first page
(newest lines) and a page 5,000 lines deep, 300 runs each (100 with --quick). Baseline, same
run: the bare read of 50 ledger rows of that member (one indexed SELECT on the same
connection type), the floor any page pays. SQLite (the embedded default) and PostgreSQL
(vacuumed and analysed once built, as autovacuum would after so many inserts).
"""

import gc
import time
import uuid
from datetime import UTC, datetime, timedelta

from bench.common import Figure, median, percentile, progress, scratch_db, scratch_dir
from bench.common import main as cli

LINES, BATCH, PAGE = 10_000, 500, 50


def build(url: str) -> str:
    """A migrated members database with one member of LINES ledger lines; returns the member."""
    from services.members import points
    from services.members.app import APP
    from services.members.contracts import MemberRegistered, PointsAdjusted, PointsEarned
    from services.members.domain import points as P
    from services.members.domain import stream_of
    from services.members.domain.registration import SIGNED_UP_ONLINE
    from shared.db import Database
    from shared.envelope import utc_iso
    from shared.eventstore import EventStore
    from shared.migrate import upgrade
    from shared.uow import run_unit_of_work

    upgrade(APP, url)
    db, store = Database(url), EventStore("members")
    member_id = str(uuid.uuid4())
    registered = {
        "member_id": member_id,
        "account_id": f"acct-{member_id}",
        "name": "Camille Martin",
        "email": "camille@example.com",
        "phone": None,
        "consents": {"terms": True, "marketing_email": True, "marketing_sms": False},
        "registered_at": "2025-01-01T09:00:00Z",
        **SIGNED_UP_ONLINE,
    }
    run_unit_of_work(
        db,
        store,
        APP.projections,
        lambda uow: uow.record(stream_of(member_id), 0, MemberRegistered, registered),
    )
    account, start = P.Account(), datetime.now(UTC) - timedelta(days=300)

    def batch(first: int):
        nonlocal account
        for n in range(first, first + BATCH):
            at = start + timedelta(minutes=n)
            if n % 2 == 0:
                order_id = f"order-{n}"
                moved = P.earn(account, order_id, 40, utc_iso(at), utc_iso(at + timedelta(days=365)))
                facts = {
                    "order_id": order_id,
                    "store_id": "paris-opera",
                    "lot_id": order_id,
                    "basis": {"amount_minor": 4000, "currency": "EUR"},
                    "expires_at": utc_iso(at + timedelta(days=365)),
                }
                yield PointsEarned, 40, moved, facts
            else:
                taken = 10 if n % 100 == 1 else 40  # a balance that grows a little: some lots stay
                moved = P.draw(account, taken)
                yield (
                    PointsAdjusted,
                    -taken,
                    moved,
                    {
                        "lot_id": None,
                        "expires_at": None,
                        "reason": "bench",
                        "by": "acct-hq",
                        "by_role": "hq_admin",
                    },
                )
            account = moved.account

    for first in range(0, LINES, BATCH):

        def work(uow, first=first):
            for contract, change, moved, facts in batch(first):
                points.record(uow, member_id, contract, change, moved, **facts)

        run_unit_of_work(db, store, APP.projections, work)
    progress(f"points: {LINES:,} ledger lines for one member")
    if db.dialect == "postgresql":  # what autovacuum does after so many inserts on a live server
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    db.dispose()
    return member_id


def measure(kind: str, quick: bool) -> dict:
    from sqlalchemy import text

    from services.members import reads
    from shared.db import Database

    with scratch_dir() as tmp, scratch_db(kind, tmp) as url:
        member_id = build(url)
        db = Database(url)
        raw = text("SELECT * FROM points_ledger WHERE member_id = :m ORDER BY version DESC LIMIT 50")
        runs = 100 if quick else 300

        def page(offset: int):
            with db.read() as conn:
                found = reads.points_view(conn, member_id, PAGE, offset)
            assert found["ledger"]["total"] == LINES and len(found["ledger"]["items"]) == PAGE

        def bare():
            with db.read() as conn:
                conn.execute(raw, {"m": member_id}).all()

        def timed(fn) -> float:
            started = time.perf_counter()
            fn()
            return time.perf_counter() - started

        for _ in range(10):
            page(0)
            bare()
        gc.freeze()  # as shared.serve does once a service has started
        out = {"first": [], "deep": [], "bare": []}
        for _ in range(runs):
            out["bare"].append(timed(bare))
            out["first"].append(timed(lambda: page(0)))
            out["deep"].append(timed(lambda: page(LINES // 2)))
        db.dispose()
        return out


def run(quick: bool) -> list[Figure]:
    figures, ms = [], 1000.0
    for kind in ("sqlite", "postgresql"):
        progress(f"points: {kind}, building the member and their ledger")
        found = measure(kind, quick)
        label = "SQLite" if kind == "sqlite" else "PostgreSQL"
        bare99 = percentile(found["bare"], 99) * ms
        note = f"{LINES:,} lines; {len(found['first'])} runs; p50 {median(found['first']) * ms:.1f} ms"
        figures += [
            Figure(
                "points",
                f"{label}: balance and the newest ledger page, p99",
                percentile(found["first"], 99) * ms,
                "ms",
                "bare read of 50 ledger rows p99",
                bare99,
                higher_is_better=False,
                target=20,
                target_kind="value",
                notes=note,
            ),
            Figure(
                "points",
                f"{label}: balance and a page 5,000 lines deep, p99",
                percentile(found["deep"], 99) * ms,
                "ms",
                "bare read p99",
                bare99,
                higher_is_better=False,
                target=20,
                target_kind="value",
            ),
        ]
    return figures


def main() -> None:
    cli(run, __doc__)


if __name__ == "__main__":
    main()
