"""Birthday timers for members whose birthday was recorded before the birthday timer existed
(members_0013 and the code beside it schedule one for every birthday set since): each such
member, not erased and without a timer, gets one at the start (UTC) of their next birthday.
A member with a timer keeps theirs. The timer row and the date rule are written out here as
they stood, so that later code cannot change what this migration did.

Revision ID: members_0015
"""

import calendar
import json
import time as clock
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from alembic import op

revision = "members_0015"
down_revision = "members_0014"
branch_labels = None
depends_on = "kernel_0004"

KIND = "member-birthday"  # birthdays.KIND when this was written


def next_birthday(birthday: str, today: date) -> date:
    """As domain/points.next_birthday: today if it is today; 29 February on the 28th."""
    born = date.fromisoformat(birthday)
    for year in (today.year, today.year + 1):
        day = min(born.day, calendar.monthrange(year, born.month)[1])
        if (found := date(year, born.month, day)) >= today:
            return found
    raise AssertionError("a birthday comes within a year")


def upgrade():
    conn = op.get_bind()
    scheduled = set(
        conn.execute(sa.text("SELECT key FROM timers WHERE kind = :kind"), {"kind": KIND}).scalars()
    )
    rows = conn.execute(
        sa.text("SELECT member_id, birthday FROM members WHERE birthday IS NOT NULL AND erased_at IS NULL")
    ).all()
    today, now = datetime.now(UTC).date(), clock.time()
    insert = sa.text(
        'INSERT INTO timers ("key", kind, due_at, next_attempt_at, payload, store_id, attempts, '
        "last_error, dead, revision, created_at) "
        "VALUES (:key, :kind, :due, :due, :payload, NULL, 0, NULL, :dead, 1, :now)"
    ).bindparams(sa.bindparam("dead", type_=sa.Boolean))
    for member_id, birthday in rows:
        key = f"{KIND}:{member_id}"
        if key not in scheduled:
            due = datetime.combine(next_birthday(birthday, today), time(), UTC).timestamp()
            payload = json.dumps({"member_id": member_id}, sort_keys=True)
            conn.execute(
                insert, {"key": key, "kind": KIND, "due": due, "payload": payload, "dead": False, "now": now}
            )


def downgrade():
    pass
