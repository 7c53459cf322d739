"""Commit one toybank deposit with the kernel (no relay running), report it, then hang.

``python -m tests.kernel.commit_then_hang DATABASE_URL REPORT_FILE``: the test reads the
event id from REPORT_FILE and kills this process with SIGKILL, i.e. after the commit and
before anything could publish the event.
"""
import sys
import threading
from pathlib import Path

from shared.db import Database
from shared.eventstore import EventStore
from shared.uow import run_unit_of_work
from tests.kernel import toy


def main(url: str, report: Path) -> None:
    def work(uow):
        uow.record("account-crash", 0, toy.Deposited,
                   {"account": "crash", "amount": 70, "balance": 70, "currency": "EUR"})

    _, recorded = run_unit_of_work(Database(url), EventStore("toybank"), toy.BANK.projections, work)
    partial = report.with_suffix(".partial")
    partial.write_text(recorded[0].envelope.id)
    partial.rename(report)
    threading.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
