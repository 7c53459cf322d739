"""A campaign issued to a segment of 100,000 members, beside the kernel's append rate of the
same run.

Target (issue #10): coupons issued per second >= 0.5 x events appended per second (the
kernel's ``EventStore.append`` in its write transaction, 100 events per transaction, as
bench/append.py measures it, on the same database in the same process).

The members are written straight into members' read model of registrations (120,000 rows,
one in six without marketing consent by e-mail, so the segment has 100,000); registering
them through identity would take many minutes and measure nothing about issuing. The
segment ("consent to e-mail") and the campaign are made through the members commands.
Measured: the whole issue as the service runs it, back to back: the job started (the
segment evaluated, its members taken in batches of 1,000), then every batch, each in a
transaction of its own (the campaign's lock, its count and the members' limits, one
``CouponsIssued`` of the batch's coupons, projected live into a row per coupon), without
the timer's wait between batches. The baseline is measured before and after; the higher of
the two is printed. SQLite (the embedded default) and PostgreSQL (--quick: a segment of
20,000).
"""

import time
import uuid
from datetime import UTC, datetime, timedelta

from bench.append import KernelAppender, timed
from bench.common import Figure, progress, scratch_db, scratch_dir
from bench.common import main as cli

HQ = {"account_id": "acct-hq", "role": "hq_admin"}


def build(url: str, count: int) -> tuple[str, str, int]:
    """A migrated members database, its members, a segment and a campaign; returns
    (campaign, segment, how many the segment has)."""
    from services.members import coupons, segments
    from services.members.app import APP
    from services.members.tables import members
    from shared.db import Database
    from shared.envelope import utc_iso
    from shared.eventstore import EventStore
    from shared.migrate import upgrade
    from shared.uow import run_unit_of_work

    upgrade(APP, url)
    db, store = Database(url), EventStore("members")
    rows = [
        {
            "member_id": f"m-{n:06d}",
            "account_id": f"acct-{n:06d}",
            "name": f"Member {n}",
            "email": f"m{n}@example.com",
            "phone": None,
            "consent_terms": True,
            "consent_marketing_email": n % 6 != 0,
            "consent_marketing_sms": False,
            "registered_at": "2025-01-01T00:00:00Z",
            "version": 1,
        }
        for n in range(count)
    ]
    with db.write() as conn:
        for first in range(0, count, 5000):
            conn.execute(members.insert(), rows[first : first + 5000])
    now = datetime.now(UTC)
    campaign_id, segment_id = str(uuid.uuid4()), str(uuid.uuid4())
    wanted = {
        "name": "Spring",
        "kind": "percent_off",
        "percent_bp": 1500,
        "currency": "EUR",
        "valid_from": utc_iso(now - timedelta(days=1)),
        "valid_until": utc_iso(now + timedelta(days=30)),
    }
    run_unit_of_work(db, store, APP.projections, lambda uow: coupons.create(uow, campaign_id, wanted, HQ))
    run_unit_of_work(
        db,
        store,
        APP.projections,
        lambda uow: segments.define(uow, segment_id, {"name": "E-mail", "filter": {"consent": "email"}}, HQ),
    )
    db.dispose()
    return campaign_id, segment_id, sum(1 for r in rows if r["consent_marketing_email"])


def measure(kind: str, quick: bool) -> dict:
    from services.members import segments
    from services.members.app import APP
    from services.members.tables import coupons as coupon_rows
    from shared.db import Database
    from shared.eventstore import EventStore
    from shared.uow import run_unit_of_work

    count = 24_000 if quick else 120_000
    with scratch_dir() as tmp, scratch_db(kind, tmp) as url:
        campaign_id, segment_id, targets = build(url, count)
        progress(f"segments: {count:,} members, {targets:,} in the segment ({kind})")
        db, store = Database(url), EventStore("members")
        appender = KernelAppender(db)
        appender.transaction(1)
        transactions = 15 if quick else 40
        baselines = [timed(appender, transactions, 100)]
        job_id = str(uuid.uuid4())

        def run(work):
            return run_unit_of_work(db, store, APP.projections, work)[0]

        started = time.perf_counter()
        now = datetime.now(UTC)
        run(lambda uow: segments.start_issue(uow, campaign_id, segment_id, job_id, HQ, now))
        while run(lambda uow: segments.issue_batch(uow, job_id, now)):
            pass
        elapsed = time.perf_counter() - started
        baselines.append(timed(appender, transactions, 100))
        with db.read() as conn:
            issued = conn.execute(coupon_rows.select().where(coupon_rows.c.campaign_id == campaign_id)).all()
        assert len(issued) == targets, f"{len(issued)} coupons for {targets} members"
        db.dispose()
        return {"targets": targets, "elapsed": elapsed, "rate": targets / elapsed, "baselines": baselines}


def run(quick: bool) -> list[Figure]:
    figures = []
    for kind in ("sqlite", "postgresql"):
        progress(f"segments: {kind}, building the members")
        found = measure(kind, quick)
        label = "SQLite" if kind == "sqlite" else "PostgreSQL"
        figures.append(
            Figure(
                "segments",
                f"{label}: a campaign issued to a segment of {found['targets']:,} members",
                found["rate"],
                "coupons/s",
                "kernel append, 100 events/tx",
                max(found["baselines"]),
                target=0.5,
                notes=f"{found['elapsed']:.1f} s in all; append before and after: "
                + ", ".join(f"{b:,.0f}/s" for b in found["baselines"]),
            )
        )
    return figures


def main() -> None:
    cli(run, __doc__)


if __name__ == "__main__":
    main()
