"""Birthday timers for members whose birthday was recorded before the birthday timer existed
(members_0013 and the code beside it schedule one for every birthday set since): each such
member, not erased and without a timer, gets one at the start (UTC) of their next birthday.
Idempotent: a member with a timer keeps theirs.

Revision ID: members_0015
"""

from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

from services.members.domain.points import next_birthday
from shared import timers

revision = "members_0015"
down_revision = "members_0014"
branch_labels = None
depends_on = "kernel_0004"

KIND = "member-birthday"  # birthdays.KIND when this was written


def upgrade():
    conn = op.get_bind()
    members = sa.table("members", sa.column("member_id"), sa.column("birthday"), sa.column("erased_at"))
    scheduled = set(
        conn.execute(sa.text("SELECT key FROM timers WHERE kind = :kind"), {"kind": KIND}).scalars()
    )
    today = datetime.now(UTC).date()
    rows = conn.execute(
        sa.select(members.c.member_id, members.c.birthday).where(
            members.c.birthday.is_not(None), members.c.erased_at.is_(None)
        )
    ).all()
    for member_id, birthday in rows:
        key = f"{KIND}:{member_id}"
        if key not in scheduled:
            due = datetime.combine(next_birthday(birthday, today), time(), UTC)
            timers.schedule(conn, key, KIND, due, {"member_id": member_id})


def downgrade():
    pass
